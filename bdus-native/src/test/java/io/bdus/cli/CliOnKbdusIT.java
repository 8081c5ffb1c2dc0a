package io.bdus.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.bdus.testing.Shell;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * What only kbdus can do, through the real launcher: a recoverable device outlives its
 * SIGKILLed owner, is listed as orphaned, recorded as kept, taken over by
 * {@code serve --attach ID} with its data intact, left in place by {@code --keep}, and
 * destroyed without a driver. Runs in the kernel test VM.
 */
@EnabledIfSystemProperty(named = "bdus.test.transport", matches = "kbdus")
class CliOnKbdusIT {

    @TempDir
    Path work;

    private Launcher bdus;

    @BeforeEach
    void requireKbdus() {
        CliHost.assumeDevices();
        this.bdus = new Launcher(CliHost.stateDir("kbdus"));
    }

    @AfterEach
    void cleanUp() throws Exception {
        if (this.bdus != null && Files.isDirectory(this.bdus.stateDir())) {
            try (Stream<Path> files = Files.walk(this.bdus.stateDir())) {
                files.sorted(Comparator.reverseOrder()).forEach(file -> file.toFile().delete());
            }
        }
    }

    @Test
    void recoverableDeviceSurvivesItsOwnerAndIsTakenOverByIdWithItsData() throws Exception {
        Path image = this.work.resolve("disk.img");
        Path written = this.work.resolve("written");
        byte[] data = new byte[256 << 10];
        new Random(11).nextBytes(data);
        Files.write(written, data);

        String path;
        try (Launcher.Serving first = this.bdus.serve("--transport", "kbdus", "--name", "keeper", "--size", "16M",
                "--recoverable", "--file", image.toString())) {
            path = first.path;
            Shell.ok("dd", "if=" + written, "of=" + path, "bs=64k", "oflag=direct", "conv=fsync", "status=none");
            first.signal("KILL");
            first.awaitExit();
        }
        String id = path.substring("/dev/bdus-".length());
        assertThat(Files.exists(Path.of(path))).as("the device outlives its owner").isTrue();
        assertThat(this.bdus.run("list").expect(0).out()).containsPattern("keeper +kbdus +" + path + " +16 MiB +ORPHANED "
                + "+- +no");
        assertThat(this.bdus.run("flush", id).expect(1).err()).contains("no driver");
        assertThat(this.bdus.run("detach", "keeper").expect(0).out()).contains("as kept", "--attach " + id);
        assertThat(this.bdus.run("list").expect(0).out()).containsPattern("keeper +kbdus +" + path + " +16 MiB +KEPT "
                + "+- +yes");
        assertThat(this.bdus.run("info", path).expect(0).out()).contains("recoverable:", "yes", "KEPT");

        try (Launcher.Serving second = this.bdus.serve("--attach", id, "--file", image.toString(), "--keep")) {
            assertThat(second.path).isEqualTo(path);
            assertThat(this.bdus.run("list").expect(0).out()).containsPattern("keeper +kbdus +" + path
                    + " +16 MiB +AVAILABLE +" + second.pid() + " +no");
            Path read = this.work.resolve("read");
            Shell.ok("dd", "if=" + path, "of=" + read, "bs=64k", "count=4", "iflag=direct", "status=none");
            assertThat(Files.readAllBytes(read)).isEqualTo(data);
            second.signal("TERM");
            assertThat(second.awaitExit()).isZero();
            assertThat(second.stderr()).contains("left", "in place", "--attach " + id);
        }
        assertThat(this.bdus.run("list", "--json").expect(0).out()).contains("\"state\": \"KEPT\"", "\"kept\": true");

        Launcher.Result destroyed = this.bdus.run("destroy", "kbdus/keeper").expect(0);
        assertThat(destroyed.out()).contains("Destroyed", "Not flushed", "no driver");
        assertThat(Files.exists(Path.of(path))).isFalse();
        assertThat(this.bdus.run("list").expect(0).out().lines()).hasSize(1);
    }

    @Test
    void versionShowsTheLoadedModule() throws Exception {
        String version = Launcher.runPlain("version").expect(0).out();
        assertThat(version).containsPattern("kbdus module: .*speaks ABI \\d+\\.\\d+\\.\\d+");
    }
}
