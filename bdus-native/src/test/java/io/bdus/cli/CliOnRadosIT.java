package io.bdus.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.bdus.testing.CephTestCluster;
import io.bdus.testing.Shell;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bdus serve --rados-pool}: a device served from a RADOS image of the test cluster
 * through the real launcher; {@code bdus info} shows the pool, image, cluster and operations
 * in flight; a second serve of the image is refused until the first one stops.
 */
class CliOnRadosIT {

    @TempDir
    Path work;

    private Launcher bdus;

    private String image;

    @BeforeEach
    void requireDevicesAndCluster() {
        CliHost.assumeDevices();
        CephTestCluster.assumeReachable();
        this.bdus = new Launcher(CliHost.stateDir("rados"));
        this.image = CephTestCluster.uniqueImage("cli");
    }

    @AfterEach
    void nothingLeft() throws Exception {
        if (this.bdus == null) {
            return;
        }
        CephTestCluster.removeImage(this.image);
        assertThat(this.bdus.leftovers()).isEmpty();
        try (Stream<Path> files = Files.walk(this.bdus.stateDir())) {
            files.sorted(Comparator.reverseOrder()).forEach(file -> file.toFile().delete());
        }
    }

    @Test
    void serveARadosImageShowItInInfoAndRefuseASecondServer() throws Exception {
        String[] rados = rados("64M");
        byte[] data = new byte[3 << 20];
        new Random(9).nextBytes(data);
        Path written = Files.write(this.work.resolve("written"), data);
        try (Launcher.Serving serve = this.bdus.serve(concat(new String[] { "--name", "cli-rados" }, rados))) {
            Shell.ok("dd", "if=" + written, "of=" + serve.path, "bs=256k", "oflag=direct", "conv=fsync",
                    "status=none");
            String info = this.bdus.run("info", "cli-rados").expect(0).out();
            assertThat(info).containsPattern("driver: +io.bdus.driver.rados.RadosDriver")
                .containsPattern("  pool: +" + CephTestCluster.POOL)
                .containsPattern("  image: +" + this.image)
                .containsPattern("  clusterFsid: +[0-9a-f-]{36}")
                .containsPattern("  inFlightOperations: +0")
                .doesNotContain("driver problem");
            String json = this.bdus.run("info", "cli-rados", "--json").expect(0).out();
            assertThat(json).contains("\"driverDetails\"", "\"image\": \"" + this.image + "\"");

            Launcher.Result second = this.bdus.run(concat(new String[] { "serve", "--name", "cli-rados2" }, rados));
            second.expect(1);
            assertThat(second.err()).contains("is in use: locked by", "device 'cli-rados' of pid " + serve.pid(),
                    "break-lock");
        }
        // The image keeps the data for the next server.
        try (Launcher.Serving again = this.bdus.serve(concat(new String[] { "--name", "cli-rados3" }, rados))) {
            Path read = this.work.resolve("read");
            Shell.ok("dd", "if=" + again.path, "of=" + read, "bs=256k", "count=12", "iflag=direct", "status=none");
            assertThat(Files.readAllBytes(read)).isEqualTo(data);
        }
        Launcher.Result mismatch = this.bdus.run(concat(new String[] { "serve", "--name", "cli-rados4" },
                rados("128M")));
        mismatch.expect(1);
        assertThat(mismatch.err()).contains("does not match the configuration",
                "size is " + (64L << 20) + " in the image but " + (128L << 20) + " in the configuration");
        this.bdus.run("serve", "--rados-image", "x").expect(2);
    }

    private String[] rados(String size) {
        return new String[] { "--rados-pool", CephTestCluster.POOL, "--rados-image", this.image, "--ceph-conf",
            CephTestCluster.conf().toString(), "--rados-client", CephTestCluster.CLIENT, "--rados-object-size", "1M",
            "--size", size, "--transport", CliHost.TRANSPORT };
    }

    private static String[] concat(String[] first, String[] second) {
        String[] all = new String[first.length + second.length];
        System.arraycopy(first, 0, all, 0, first.length);
        System.arraycopy(second, 0, all, first.length, second.length);
        return all;
    }
}
