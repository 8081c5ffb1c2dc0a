package io.bdus.spring.boot.autoconfigure;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import io.bdus.linux.Owner;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import org.springframework.boot.context.properties.bind.BindHandler;
import org.springframework.boot.context.properties.bind.BindResult;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.bind.handler.NoUnboundElementsBindHandler;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.MutablePropertySources;
import org.springframework.core.io.ByteArrayResource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every YAML snippet in the project's READMEs binds: no unknown {@code bdus.*} property, no
 * value that does not convert, and every device passes the checks start-up makes. So the
 * documentation cannot drift from what works.
 */
class DocumentationSnippetsTests {

    private static final Pattern YAML = Pattern.compile("```ya?ml\\n(.*?)```", Pattern.DOTALL);

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    @TestFactory
    Stream<DynamicTest> everyYamlSnippetOfTheReadmesBinds() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        for (Path readme : readmes()) {
            Matcher matcher = YAML.matcher(Files.readString(readme));
            int index = 0;
            while (matcher.find()) {
                String yaml = matcher.group(1);
                String name = ROOT.relativize(readme) + " snippet " + (++index);
                tests.add(DynamicTest.dynamicTest(name, () -> bind(name, yaml)));
            }
        }
        assertThat(tests).as("YAML snippets found in %s", readmes()).hasSizeGreaterThanOrEqualTo(2);
        return tests.stream();
    }

    private static List<Path> readmes() throws IOException {
        List<Path> readmes = new ArrayList<>();
        readmes.add(ROOT.resolve("README.md"));
        try (Stream<Path> modules = Files.list(ROOT)) {
            modules.map((module) -> module.resolve("README.md")).filter(Files::isRegularFile).sorted()
                .forEach(readmes::add);
        }
        return readmes;
    }

    private static void bind(String name, String yaml) throws IOException {
        List<PropertySource<?>> sources = new YamlPropertySourceLoader().load(name,
                new ByteArrayResource(yaml.getBytes(), name));
        MutablePropertySources yamlOnly = new MutablePropertySources();
        sources.forEach(yamlOnly::addLast);
        Binder binder = new Binder(ConfigurationPropertySources.from(yamlOnly));
        BindResult<BdusProperties> bound = binder.bind("bdus", Bindable.of(BdusProperties.class),
                new NoUnboundElementsBindHandler(BindHandler.DEFAULT));
        if (!bound.isBound()) {
            return;
        }
        BdusProperties properties = bound.get();
        properties.getDevices().forEach((device, settings) -> {
            DeviceSettings checked = new DeviceSettings(device, settings, properties.getDefaults());
            DevicePlans.spec(checked);
            if (checked.servedFromRados()) {
                RadosDriverBeans.settings(checked);
            }
        });
        if (properties.getFuse().getOwner() != null) {
            Owner.parse(properties.getFuse().getOwner());
        }
    }

}
