package io.bdus.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.bdus.driver.rados.RadosSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The Ceph cluster the RADOS tests run against: the one {@code scripts/ceph-test-cluster.sh up}
 * starts, found through the environment it prints ({@code CEPH_CONF}, {@code BDUS_RADOS_POOL},
 * {@code BDUS_RADOS_CLIENT}). Tests skip, saying why, only when no cluster is reachable.
 */
public final class CephTestCluster {

    public static final String POOL = System.getenv().getOrDefault("BDUS_RADOS_POOL", "bdus");

    public static final String CLIENT = System.getenv().getOrDefault("BDUS_RADOS_CLIENT", "client.bdus");

    private static final String CONF = System.getenv("CEPH_CONF");

    private static final AtomicInteger images = new AtomicInteger();

    private static String unreachable;

    private static boolean checked;

    private CephTestCluster() {
    }

    /** Skips the calling test, printing why, unless the test cluster answers. */
    public static void assumeReachable() {
        String reason = unreachableReason();
        if (reason != null) {
            System.out.println("SKIPPED RADOS test: " + reason);
        }
        assumeTrue(reason == null, reason);
    }

    private static synchronized String unreachableReason() {
        if (!checked) {
            checked = true;
            unreachable = check();
        }
        return unreachable;
    }

    private static String check() {
        if (CONF == null || CONF.isBlank()) {
            return "CEPH_CONF is not set; start a cluster with: eval \"$(scripts/ceph-test-cluster.sh up)\"";
        }
        if (!Files.isReadable(Path.of(CONF))) {
            return "CEPH_CONF names " + CONF + ", which cannot be read (is the test cluster up?)";
        }
        try {
            Shell.Result result = Shell.run(30, "timeout", "20", "rados", "--conf", CONF, "--name", CLIENT, "-p", POOL,
                    "ls");
            return (result.exitCode() == 0) ? null
                    : "the cluster of " + CONF + " does not answer (rados ls exit code " + result.exitCode() + "): "
                            + result.output().strip();
        }
        catch (IOException ex) {
            return "the rados command is missing (apt-get install ceph-common): " + ex.getMessage();
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    public static Path conf() {
        return Path.of(CONF);
    }

    /** An image name no other test (or earlier run) uses. */
    public static String uniqueImage(String prefix) {
        return prefix + "-" + ProcessHandle.current().pid() + "-" + System.nanoTime() % 1_000_000 + "-"
                + images.incrementAndGet();
    }

    /** Settings for {@code image} on the test cluster, with short operation timeouts. */
    public static RadosSettings.Builder settings(String image) {
        return RadosSettings.builder(POOL, image).cephConf(conf()).client(CLIENT)
            .operationTimeout(Duration.ofSeconds(20));
    }

    /** Whether an object exists in the test pool. */
    public static boolean exists(String object) throws IOException, InterruptedException {
        return rados("stat", object).exitCode() == 0;
    }

    /** Removes every object of an image. */
    public static void removeImage(String image) throws IOException, InterruptedException {
        String prefix = image.replace(".", "\\.") + "\\.";
        Shell.run(120, "sh", "-c", "rados --conf " + CONF + " --name " + CLIENT + " -p " + POOL + " ls | grep '^"
                + prefix + "' | xargs -r rados --conf " + CONF + " --name " + CLIENT + " -p " + POOL + " rm")
            .requireSuccess();
    }

    public static Shell.Result rados(String... arguments) throws IOException, InterruptedException {
        String[] command = new String[arguments.length + 7];
        System.arraycopy(new String[] { "rados", "--conf", CONF, "--name", CLIENT, "-p", POOL }, 0, command, 0, 7);
        System.arraycopy(arguments, 0, command, 7, arguments.length);
        return Shell.run(60, command);
    }

    /**
     * Runs {@code scripts/ceph-test-cluster.sh} on this cluster (e.g. {@code kill-osd 1},
     * {@code pause}, {@code resume}).
     */
    public static String script(String... arguments) throws IOException, InterruptedException {
        Path script = repository().resolve("scripts/ceph-test-cluster.sh");
        String[] command = new String[arguments.length + 3];
        command[0] = script.toString();
        command[1] = "--dir";
        command[2] = conf().getParent().toString();
        System.arraycopy(arguments, 0, command, 3, arguments.length);
        return Shell.run(120, command).requireSuccess().output();
    }

    private static Path repository() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.exists(dir.resolve("scripts/ceph-test-cluster.sh"))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException("scripts/ceph-test-cluster.sh not found above "
                    + Path.of("").toAbsolutePath());
        }
        return dir;
    }
}
