package io.bdus.spring.boot.autoconfigure;

import java.io.InputStream;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Checks the configuration metadata the processor generated (merged with the hand-written
 * part) for descriptions in Spring's style and for a per-device entry for every device
 * setting.
 */
class ConfigurationMetadataTests {

    private static Map<String, JsonNode> properties;

    private static JsonNode hints;

    @BeforeAll
    static void load() throws Exception {
        try (InputStream in = ConfigurationMetadataTests.class
            .getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
            assertThat(in).as("generated metadata").isNotNull();
            JsonNode root = JsonMapper.builder().build().readTree(in);
            List<JsonNode> all = new ArrayList<>();
            root.get("properties").forEach(all::add);
            properties = all.stream().collect(Collectors.toMap((p) -> p.get("name").asString(), (p) -> p));
            hints = root.get("hints");
        }
    }

    @Test
    void everyPropertyHasADescription() {
        assertThat(properties).isNotEmpty();
        properties.forEach((name, property) -> assertThat(property.has("description")
                && !property.get("description").asString().isBlank()).as("description of %s", name).isTrue());
    }

    @Test
    void descriptionsFollowSpringStyle() {
        properties.forEach((name, property) -> {
            String description = property.get("description").asString();
            assertThat(description).as(name).doesNotStartWith("The ").doesNotStartWith("A ").endsWith(".");
            if ("java.lang.Boolean".equals(property.path("type").asString()) && name.startsWith("bdus.")) {
                assertThat(description).as(name).startsWith("Whether");
            }
        });
    }

    @Test
    void everyDeviceSettingIsDescribed() {
        for (Method method : BdusProperties.Device.class.getDeclaredMethods()) {
            if (method.getName().startsWith("set")) {
                String property = "bdus.devices.*." + kebab(method.getName().substring(3));
                assertThat(properties).as("metadata for %s", property).containsKey(property);
                assertThat(properties.get(property).get("type").asString()).as(property)
                    .isEqualTo(method.getParameterTypes()[0].isPrimitive()
                            ? boxed(method.getParameterTypes()[0]) : method.getParameterTypes()[0].getName());
            }
        }
    }

    @Test
    void everyDeviceSettingHasADefaultWithTheSameTypeDescriptionAndDefaultValue() {
        for (Method method : BdusProperties.Device.class.getDeclaredMethods()) {
            if (method.getName().startsWith("set")) {
                String field = kebab(method.getName().substring(3));
                JsonNode perDevice = properties.get("bdus.devices.*." + field);
                JsonNode shared = properties.get("bdus.defaults." + field);
                assertThat(shared).as("metadata for bdus.defaults.%s", field).isNotNull();
                assertThat(shared.get("type").asString()).as(field).isEqualTo(perDevice.get("type").asString());
                assertThat(shared.get("description").asString()).as(field)
                    .isEqualTo(perDevice.get("description").asString());
                assertThat(shared.path("defaultValue").toString()).as(field)
                    .isEqualTo(perDevice.path("defaultValue").toString());
            }
        }
        assertThat(properties.get("bdus.defaults.max-concurrent-requests").get("defaultValue").asInt()).isEqualTo(4);
        assertThat(properties.get("bdus.defaults.request-timeout").get("defaultValue").asString()).isEqualTo("30s");
    }

    @Test
    void durationsSayWhatABareNumberMeans() {
        for (String name : List.of("bdus.start-timeout", "bdus.replace-timeout", "bdus.devices.*.request-timeout",
                "bdus.defaults.request-timeout")) {
            assertThat(properties.get(name).get("type").asString()).as(name).isEqualTo("java.time.Duration");
            assertThat(properties.get(name).get("description").asString()).as(name)
                .contains("a bare number is in seconds");
        }
    }

    @Test
    void topLevelPropertiesAreGenerated() {
        assertThat(properties).containsKeys("bdus.enabled", "bdus.transport", "bdus.state-dir", "bdus.devices",
                "bdus.start-timeout", "bdus.replace-timeout");
        assertThat(properties.get("bdus.enabled").get("defaultValue").asBoolean()).isTrue();
        assertThat(properties.get("bdus.start-timeout").get("defaultValue").asString()).isEqualTo("60s");
        assertThat(properties.get("bdus.replace-timeout").get("defaultValue").asString()).isEqualTo("30s");
    }

    @Test
    void transportHasValueHints() {
        List<String> values = new ArrayList<>();
        hints.forEach((hint) -> {
            if ("bdus.transport".equals(hint.get("name").asString())) {
                hint.get("values").forEach((value) -> values.add(value.get("value").asString()));
            }
        });
        assertThat(values).containsExactly("auto", "kbdus", "ublk", "fuse-loop");
    }

    private static String kebab(String camel) {
        return camel.replaceAll("([a-z])([A-Z])", "$1-$2").toLowerCase();
    }

    private static String boxed(Class<?> primitive) {
        return (primitive == int.class) ? Integer.class.getName() : Boolean.class.getName();
    }

}
