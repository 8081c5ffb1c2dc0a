package io.bdus.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.bdus.testing.HostAssumptions;
import io.bdus.testing.Shell;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command line end to end on a real device, through the real launcher: serve, I/O with
 * dd, list, info, flush, a mounted file system that destroy refuses, detach, SIGTERM, and a
 * dead owner. fuse-loop on the host; kbdus in the VM ({@code -Dbdus.test.transport=kbdus}).
 */
class CliOnRealDeviceIT {

    private static final Pattern FLUSH_COUNT = Pattern.compile("\"flush\": \\{\\s*\"count\": (\\d+)");

    @TempDir
    Path work;

    private Launcher bdus;

    @BeforeEach
    void requireDevices() {
        CliHost.assumeDevices();
        this.bdus = new Launcher(CliHost.stateDir("real"));
    }

    @AfterEach
    void nothingLeft() throws Exception {
        if (this.bdus == null) {
            return;
        }
        Shell.run("umount", this.work.resolve("mnt").toString());
        assertThat(this.bdus.leftovers()).isEmpty();
        try (Stream<Path> files = Files.walk(this.bdus.stateDir())) {
            files.sorted(Comparator.reverseOrder()).forEach(file -> file.toFile().delete());
        }
    }

    @Test
    void serveListInfoFlushMountRefuseAndDestroy() throws Exception {
        HostAssumptions.assumeTool("mkfs.ext4");
        try (Launcher.Serving serve = this.bdus.serve("--name", "cli-main", "--size", "64M", "--workers", "2",
                "--transport", CliHost.TRANSPORT)) {
            String path = serve.path;
            assertThat(path).startsWith(CliHost.kbdus() ? "/dev/bdus-" : "/dev/loop");

            Path written = this.work.resolve("written");
            byte[] data = new byte[1 << 20];
            new Random(7).nextBytes(data);
            Files.write(written, data);
            Shell.ok("dd", "if=" + written, "of=" + path, "bs=64k", "oflag=direct", "conv=fsync", "status=none");
            Path read = this.work.resolve("read");
            Shell.ok("dd", "if=" + path, "of=" + read, "bs=64k", "count=16", "iflag=direct", "status=none");
            assertThat(Files.readAllBytes(read)).isEqualTo(data);

            String list = this.bdus.run("list").expect(0).out();
            assertThat(list.lines().findFirst().orElseThrow())
                .matches("NAME +TRANSPORT +PATH +SIZE +STATE +PID +KEPT");
            assertThat(list).containsPattern("cli-main +" + CliHost.TRANSPORT + " +" + path + " +64 MiB +AVAILABLE +"
                    + serve.pid() + " +no");
            String json = this.bdus.run("list", "--json").expect(0).out();
            assertThat(json).startsWith("[").contains("\"name\": \"cli-main\"", "\"path\": \"" + path + "\"",
                    "\"size\": 67108864", "\"state\": \"AVAILABLE\"", "\"pid\": " + serve.pid(), "\"kept\": false");

            String info = this.bdus.run("info", "cli-main").expect(0).out();
            assertThat(info).contains("64 MiB (67108864 bytes)", "pid " + serve.pid(), "AVAILABLE")
                .containsPattern("capabilities: +read, write.*flush");
            assertThat(this.bdus.run("info", path).expect(0).out()).contains("cli-main", "pid " + serve.pid());

            long flushesBefore = flushCount("cli-main");
            assertThat(this.bdus.run("flush", CliHost.TRANSPORT + "/cli-main").expect(0).out()).contains("Flushed");
            assertThat(flushCount("cli-main")).isGreaterThan(flushesBefore);

            Path mnt = Files.createDirectory(this.work.resolve("mnt"));
            Shell.ok("mkfs.ext4", "-q", path);
            Shell.ok("mount", path, mnt.toString());
            Launcher.Result refused = this.bdus.run("destroy", "cli-main").expect(1);
            assertThat(refused.err()).contains("'cli-main'", path, "mounted at " + mnt, "--force", "Unmount");
            this.bdus.run("detach", "cli-main").expect(1);
            assertThat(this.bdus.run("list").expect(0).out()).contains("AVAILABLE");
            Shell.ok("umount", mnt.toString());

            Launcher.Result destroyed = this.bdus.run("destroy", "cli-main").expect(0);
            assertThat(destroyed.out()).contains("Destroyed", "'cli-main'");
            assertThat(serve.awaitExit()).isZero();
            assertThat(serve.stdout()).isEqualTo("READY " + path + "\n");
        }
        assertThat(this.bdus.run("list").expect(0).out().lines()).hasSize(1);
    }

    @Test
    void detachOfADeviceThatCannotBeKeptTearsItDown() throws Exception {
        try (Launcher.Serving serve = this.bdus.serve("--name", "cli-detach", "--size", "16M",
                "--transport", CliHost.TRANSPORT)) {
            Launcher.Result detached = this.bdus.run("detach", serve.path).expect(0);
            assertThat(detached.out()).contains("cannot keep", "tore down", "'cli-detach'");
            assertThat(serve.awaitExit()).isZero();
        }
        assertThat(this.bdus.run("list").expect(0).out()).doesNotContain("cli-detach");
    }

    @Test
    void sigtermStopsCleanlyAndLeavesNothing() throws Exception {
        try (Launcher.Serving serve = this.bdus.serve("--name", "cli-term", "--size", "16M",
                "--transport", CliHost.TRANSPORT)) {
            assertThat(this.bdus.run("list").expect(0).out()).contains("cli-term");
            serve.signal("TERM");
            assertThat(serve.awaitExit()).isZero();
            assertThat(serve.stderr()).contains("'cli-term'").doesNotContain("Exception");
        }
        assertThat(this.bdus.run("list", "--json").expect(0).out()).isEqualTo("[]\n");
    }

    @Test
    void aDeadOwnersDeviceIsOrphanedAndDestroyCleansItUp() throws Exception {
        // A kbdus device outlives its driver only when recoverable.
        String[] args = CliHost.kbdus()
                ? new String[] { "--name", "cli-dead", "--size", "16M", "--transport", "kbdus", "--recoverable" }
                : new String[] { "--name", "cli-dead", "--size", "16M", "--transport", "fuse-loop" };
        try (Launcher.Serving serve = this.bdus.serve(args)) {
            serve.signal("KILL");
            serve.awaitExit();
        }
        String list = this.bdus.run("list").expect(0).out();
        assertThat(list).containsPattern("cli-dead +" + CliHost.TRANSPORT + " .*ORPHANED +- +no");
        Launcher.Result flush = this.bdus.run("flush", "cli-dead").expect(1);
        assertThat(flush.err()).contains("'cli-dead'", "ended", "bdus ");
        Launcher.Result destroyed = this.bdus.run("destroy", "cli-dead").expect(0);
        assertThat(destroyed.out()).contains("'cli-dead'", "Not flushed");
        assertThat(this.bdus.run("list").expect(0).out()).doesNotContain("cli-dead");
    }

    private long flushCount(String device) throws Exception {
        Matcher matcher = FLUSH_COUNT.matcher(this.bdus.run("info", device, "--json").expect(0).out());
        return matcher.find() ? Long.parseLong(matcher.group(1)) : 0;
    }
}
