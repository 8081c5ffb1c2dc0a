package io.bdus.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real launcher's help, version and usage errors. Needs neither root nor devices, so it
 * runs with -DskipHostTests too (on each JDK the build runs on: the launcher takes JAVA_HOME's).
 */
class CliUsageIT {

    private final Launcher bdus = new Launcher(Path.of("/nonexistent/bdus-state"));

    @ParameterizedTest
    @ValueSource(strings = { "serve", "list", "info", "flush", "detach", "destroy", "version" })
    void everySubcommandHasHelpWithExamples(String command) throws Exception {
        Launcher.Result help = Launcher.runPlain(command, "--help").expect(0);
        assertThat(help.out()).contains("Usage: bdus " + command).contains("Examples:", "--help");
        assertThat(help.err()).isEmpty();
    }

    @Test
    void topLevelHelpListsCommandsAndExitCodes() throws Exception {
        Launcher.Result help = Launcher.runPlain("--help").expect(0);
        assertThat(help.out()).contains("serve", "list", "info", "flush", "detach", "destroy", "version",
                "Exit codes:", "2   usage");
        Launcher.runPlain("help", "destroy").expect(0);
    }

    @Test
    void helpWorksBeforeTheJarIsBuiltAndSaysHowToBuildIt(@TempDir Path checkout) throws Exception {
        Path script = Files.createDirectories(checkout.resolve("scripts")).resolve("bdus");
        Files.copy(Launcher.script(), script, StandardCopyOption.COPY_ATTRIBUTES);
        ProcessBuilder builder = new ProcessBuilder(script.toString(), "--help").redirectErrorStream(true);
        builder.environment().remove("BDUS_JAR");
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor()).as(output).isZero();
        assertThat(output).contains("Usage: bdus", "not built yet", "./mvnw -pl bdus-native -am package -DskipTests");
    }

    @Test
    void noCommandIsAUsageError() throws Exception {
        Launcher.Result result = Launcher.runPlain().expect(2);
        assertThat(result.err()).contains("Missing command").contains("--help");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        "serve --size abc              | --size | 'abc' is not a size",
        "serve --size 0                | --size | positive multiple",
        "serve --size 1000             | --size | 1000",
        "serve --workers 0             | --workers | 1 to 256",
        "serve --workers many          | --workers | many",
        "serve --name a/b              | --name | a/b",
        "serve --transport nbd         | --transport | auto, kbdus, ublk, fuse-loop",
        "serve --keep                  | --keep | --recoverable",
        "serve --attach 3 --transport fuse-loop | --attach | kbdus",
        "serve --bogus                 | --bogus | Unknown option",
        "info                          | DEV | Missing required parameter",
        "destroy a b                   | b | Unmatched argument",
        "list --jsn                    | --jsn | Unknown option" })
    void invalidValuesExitWithTwoAndNameTheOption(String args, String named, String says) throws Exception {
        Launcher.Result result = this.bdus.run(args.strip().split(" +")).expect(2);
        assertThat(result.err()).contains(named).contains(says).contains("--help");
        assertThat(result.err().lines()).hasSizeLessThanOrEqualTo(2);
        assertThat(result.out()).isEmpty();
    }

    @Test
    void versionNamesTheCliTheAbiAndTheModule() throws Exception {
        Launcher.Result version = Launcher.runPlain("version").expect(0);
        assertThat(version.out()).contains("bdus CLI:     " + System.getProperty("bdus.version", ""))
            .contains("kbdus ABI:    1.")
            .contains("kbdus module: ")
            .contains("kernel:       " + System.getProperty("os.version"));
        assertThat(Launcher.runPlain("--version").expect(0).out()).startsWith("bdus ");
    }

    @Test
    void anUnknownDeviceFailsWithOneAndSaysWhatToDo() throws Exception {
        Launcher.Result result = this.bdus.run("info", "nothing-here").expect(1);
        assertThat(result.err()).contains("No bdus device named 'nothing-here'").contains("bdus list");
        this.bdus.run("destroy", "/dev/null").expect(1);
    }
}
