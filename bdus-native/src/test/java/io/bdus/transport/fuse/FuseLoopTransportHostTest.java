package io.bdus.transport.fuse;

import static io.bdus.testing.Shell.ok;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.nio.file.ExtendedOpenOption;
import io.bdus.device.DeviceSpec;
import io.bdus.driver.Operation;
import io.bdus.testing.AlignedBuffers;
import io.bdus.testing.HostAssumptions;
import io.bdus.testing.Shell;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** End to end on this host: a real /dev/loopN served from an in-memory array. */
class FuseLoopTransportHostTest {

    private static final Set<Operation> ALL = EnumSet.of(Operation.READ, Operation.WRITE, Operation.FLUSH,
            Operation.WRITE_ZEROES, Operation.DISCARD);

    private static final int MIB = 1 << 20;

    @TempDir
    Path state;

    FuseLoopTransport transport;

    @BeforeEach
    void setUp() {
        HostAssumptions.assumeFuseLoop();
        this.transport = new FuseLoopTransport(this.state.resolve("state"));
    }

    @Test
    void writesAndReadsWithDd() throws Exception {
        DeviceSpec spec = DeviceSpec.builder("ddtest", 16 * MIB).maxConcurrentRequests(4).build();
        Path pattern = this.state.resolve("pattern");
        Path back = this.state.resolve("back");
        try (ServedDevice served = new ServedDevice(this.transport, spec, ALL)) {
            assertThat(Loop.sysfs(number(served.path), "loop/dio")).isEqualTo("1");
            assertThat(Loop.sysfs(number(served.path), "size")).isEqualTo(String.valueOf(spec.size() / 512));
            assertThat(Loop.sysfs(number(served.path), "queue/rotational")).isEqualTo("0");
            ok("dd", "if=/dev/urandom", "of=" + pattern, "bs=1M", "count=4", "status=none");
            ok("dd", "if=" + pattern, "of=" + served.path, "bs=64k", "seek=1M", "oflag=direct,seek_bytes",
                    "conv=fsync", "status=none");
            assertThat(Arrays.copyOfRange(served.handler.data(), MIB, 5 * MIB)).isEqualTo(Files.readAllBytes(pattern));
            assertThat(served.handler.count(Operation.FLUSH)).isPositive();
            ok("dd", "if=" + served.path, "of=" + back, "bs=128k", "skip=1M", "count=4M",
                    "iflag=direct,skip_bytes,count_bytes", "status=none");
            assertThat(back).hasSameBinaryContentAs(pattern);
        }
    }

    @Test
    void servesConcurrentDirectIoFromThisJvm() throws Exception {
        DeviceSpec spec = DeviceSpec.builder("jvmio", 8 * MIB).maxConcurrentRequests(4).build();
        try (ServedDevice served = new ServedDevice(this.transport, spec, ALL);
                FileChannel file = FileChannel.open(Path.of(served.path), StandardOpenOption.READ,
                        StandardOpenOption.WRITE, ExtendedOpenOption.DIRECT)) {
            ExecutorService clients = Executors.newFixedThreadPool(4);
            try {
                List<Future<?>> done = new ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    int thread = t;
                    done.add(clients.submit(() -> {
                        ByteBuffer block = AlignedBuffers.allocate(8192);
                        ByteBuffer check = AlignedBuffers.allocate(8192);
                        Random random = new Random(thread);
                        byte[] bytes = new byte[8192];
                        for (int i = 0; i < 64; i++) {
                            // each thread owns every fourth 8 KiB block
                            long offset = ((long) (random.nextInt(256) * 4 + thread)) * 8192;
                            random.nextBytes(bytes);
                            block.clear().put(bytes).flip();
                            file.write(block, offset);
                            check.clear();
                            file.read(check, offset);
                            check.flip();
                            assertThat(check).isEqualTo(block.flip());
                        }
                        return null;
                    }));
                }
                for (Future<?> future : done) {
                    future.get(30, TimeUnit.SECONDS);
                }
            }
            finally {
                clients.shutdownNow();
            }
            assertThat(served.handler.count(Operation.WRITE)).isGreaterThanOrEqualTo(256);
        }
    }

    @Test
    void servingAllocatesNothingPerRequest() throws Exception {
        DeviceSpec spec = DeviceSpec.builder("alloc", 16 * MIB).maxConcurrentRequests(1).build();
        try (ServedDevice served = new ServedDevice(this.transport, spec, ALL)) {
            com.sun.management.ThreadMXBean threads =
                    (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
            long[] allocated = new long[2];
            int[] seen = new int[1];
            served.handler.onRequest(() -> {
                // the only channel: every request runs on the same thread
                int n = ++seen[0];
                if (n == 1000) {
                    allocated[0] = threads.getCurrentThreadAllocatedBytes();
                }
                else if (n == 3000) {
                    allocated[1] = threads.getCurrentThreadAllocatedBytes();
                }
            });
            ok("dd", "if=" + served.path, "of=/dev/null", "bs=4k", "count=3500", "iflag=direct", "status=none");
            assertThat(seen[0]).isGreaterThanOrEqualTo(3000);
            assertThat(allocated[1] - allocated[0]).as("bytes allocated by 2000 requests").isLessThan(2000);
        }
    }

    @Test
    void noOtherLocalUserReachesTheDeviceThroughItsFuseFile() throws Exception {
        HostAssumptions.assumeTool("setpriv");
        worldTraversable(this.state);
        DeviceSpec spec = DeviceSpec.builder("private", 4 * MIB).build();
        try (ServedDevice served = new ServedDevice(this.transport, spec, ALL)) {
            Path file = ((FuseLoopDevice) served.device).mountPoint();
            assertDenied(as(65534, "ls", this.transport.stateDirectory().toString()));
            assertDenied(as(65534, "dd", "if=" + file, "of=/dev/null", "bs=4096", "count=1", "status=none"));
            assertDenied(as(65534, "dd", "if=/dev/zero", "of=" + file, "bs=4096", "count=1", "conv=notrunc,nocreat",
                    "status=none"));
            // the file itself is closed to others too, wherever it is reached from
            Path exposed = Files.createDirectories(this.state.resolve("exposed"));
            worldTraversable(exposed);
            Path view = Files.createFile(exposed.resolve("view"));
            ok("mount", "--bind", file.toString(), view.toString());
            try {
                assertDenied(as(65534, "dd", "if=" + view, "of=/dev/null", "bs=4096", "count=1", "status=none"));
                assertDenied(as(65534, "dd", "if=/dev/zero", "of=" + view, "bs=4096", "count=1",
                        "conv=notrunc,nocreat", "status=none"));
            }
            finally {
                ok("umount", view.toString());
            }
            assertThat(served.handler.count(Operation.WRITE)).isZero();
            ok("dd", "if=/dev/urandom", "of=" + served.path, "bs=4k", "count=4", "oflag=direct", "status=none");
            assertThat(served.handler.count(Operation.WRITE)).isPositive();
            assertThat(Files.getPosixFilePermissions(Path.of(served.path))).noneMatch(permission -> permission.name()
                .startsWith("OTHERS"));
        }
    }

    @Test
    void aConfiguredOwnerMayUseTheFuseFileAndNobodyElse() throws Exception {
        HostAssumptions.assumeTool("setpriv");
        worldTraversable(this.state);
        FuseLoopTransport owned = new FuseLoopTransport(this.state.resolve("owned"), true,
                new io.bdus.linux.Owner(65534, 65534));
        DeviceSpec spec = DeviceSpec.builder("owned", 4 * MIB).build();
        try (ServedDevice served = new ServedDevice(owned, spec, ALL)) {
            Path file = ((FuseLoopDevice) served.device).mountPoint();
            assertThat(as(65534, "ls", owned.stateDirectory().toString()).requireSuccess().output())
                .contains(file.getFileName().toString());
            as(65534, "dd", "if=/dev/zero", "of=" + file, "bs=4096", "count=1", "conv=notrunc,nocreat", "status=none")
                .requireSuccess();
            assertThat(served.handler.count(Operation.WRITE)).isPositive();
            assertDenied(as(65533, "ls", owned.stateDirectory().toString()));
            assertDenied(as(65533, "dd", "if=" + file, "of=/dev/null", "bs=4096", "count=1", "status=none"));
        }
    }

    private static Shell.Result as(int uid, String... command) throws Exception {
        List<String> line = new ArrayList<>(List.of("setpriv", "--reuid=" + uid, "--regid=" + uid, "--clear-groups"));
        line.addAll(List.of(command));
        return Shell.run(line.toArray(String[]::new));
    }

    private static void assertDenied(Shell.Result result) {
        assertThat(result.exitCode()).as(result.output()).isNotZero();
        assertThat(result.output()).containsAnyOf("Permission denied", "Operation not permitted");
    }

    /** Lets every user look up names in {@code dir} (JUnit makes temporary directories 0700). */
    private static void worldTraversable(Path dir) throws Exception {
        Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    @Test
    void readOnlyAndRotationalReachTheLoopDevice() throws Exception {
        DeviceSpec spec = DeviceSpec.builder("ro", 4 * MIB).readOnly(true).rotational(true).build();
        try (ServedDevice served = new ServedDevice(this.transport, spec, EnumSet.of(Operation.READ))) {
            int loop = number(served.path);
            assertThat(Loop.sysfs(loop, "ro")).isEqualTo("1");
            assertThat(Loop.sysfs(loop, "queue/rotational")).isEqualTo("1");
            assertThat(Loop.sysfs(loop, "queue/logical_block_size")).isEqualTo("512");
            assertThat(ok("dd", "if=" + served.path, "of=/dev/null", "bs=64k", "iflag=direct", "status=none"))
                .isEmpty();
            Shell.Result write = Shell.run("dd", "if=/dev/zero", "of=" + served.path, "bs=4k", "count=1",
                    "oflag=direct", "status=none");
            assertThat(write.exitCode()).isNotZero();
            assertThat(write.output()).contains("Operation not permitted");
            assertThat(served.handler.count(Operation.WRITE)).isZero();
        }
    }

    @Test
    void discardAndZeroRangeReachTheHandlerAndReadBackZeroes() throws Exception {
        DeviceSpec spec = DeviceSpec.builder("zeroes", 8 * MIB).build();
        try (ServedDevice served = new ServedDevice(this.transport, spec, ALL)) {
            fill(served, (byte) 0x5a);
            ok("blkdiscard", "-o", String.valueOf(MIB), "-l", String.valueOf(MIB), served.path);
            assertThat(served.handler.count(Operation.WRITE_ZEROES)).isPositive();
            assertThat(served.handler.lastMayUnmap()).isTrue();
            assertThat(served.handler.count(Operation.DISCARD)).isZero();
            assertZeroes(served, MIB, MIB);
            assertThat(served.handler.data()[MIB - 1]).isEqualTo((byte) 0x5a);
            assertThat(served.handler.data()[2 * MIB]).isEqualTo((byte) 0x5a);

            zeroesWithoutUnmap(served, 3 * MIB, "fallocate", "--zero-range", "-o", String.valueOf(3 * MIB), "-l",
                    String.valueOf(MIB), served.path);
            zeroesWithoutUnmap(served, 5 * MIB, "blkdiscard", "-z", "-o", String.valueOf(5 * MIB), "-l",
                    String.valueOf(MIB), served.path);
            assertThat(served.handler.data()[4 * MIB]).isEqualTo((byte) 0x5a);
        }
    }

    @Test
    void discardWithoutWriteZeroesReachesTheHandlerAsDiscard() throws Exception {
        DeviceSpec spec = DeviceSpec.builder("discard", 4 * MIB).build();
        try (ServedDevice served = new ServedDevice(this.transport, spec,
                EnumSet.of(Operation.READ, Operation.WRITE, Operation.DISCARD))) {
            ok("blkdiscard", "-o", String.valueOf(MIB), "-l", String.valueOf(MIB), served.path);
            assertThat(served.handler.count(Operation.DISCARD)).isPositive();
            assertThat(served.handler.count(Operation.WRITE_ZEROES)).isZero();
        }
    }

    @Test
    void mkfsMountWriteRemountChecksum() throws Exception {
        HostAssumptions.assumeTool("mkfs.ext4");
        DeviceSpec spec = DeviceSpec.builder("ext4", 64 * MIB).logicalBlockSize(4096).build();
        Path mnt = Files.createDirectory(this.state.resolve("mnt"));
        try (ServedDevice served = new ServedDevice(this.transport, spec, ALL)) {
            ok("mkfs.ext4", "-q", "-F", served.path);
            ok("mount", served.path, mnt.toString());
            byte[] content = new byte[3 * MIB + 123];
            new Random(7).nextBytes(content);
            try {
                Files.write(mnt.resolve("file"), content);
                ok("sync", "-f", mnt.resolve("file").toString());
            }
            finally {
                ok("umount", mnt.toString());
            }
            ok("mount", "-o", "ro", served.path, mnt.toString());
            try {
                assertThat(Files.readAllBytes(mnt.resolve("file"))).isEqualTo(content);
            }
            finally {
                ok("umount", mnt.toString());
            }
            ok("fsck.ext4", "-n", "-f", served.path);
        }
    }

    @Test
    void closeLeavesNoMountNoLoopAndNoFile() throws Exception {
        DeviceSpec spec = DeviceSpec.builder("closing", 4 * MIB).build();
        ServedDevice served = new ServedDevice(this.transport, spec, ALL);
        Path mountPoint = ((FuseLoopDevice) served.device).mountPoint();
        assertThat(mountInfo()).contains(mountPoint.toString());
        assertThat(Loop.backedBy(mountPoint)).containsExactly(number(served.path));
        served.close();
        served.device.close();
        assertThat(mountInfo()).doesNotContain(mountPoint.toString());
        assertThat(Loop.backedBy(mountPoint)).isEmpty();
        assertThat(mountPoint).doesNotExist();
    }

    @Test
    void closeWhileAClientHoldsTheDeviceAbortsTheSession() throws Exception {
        DeviceSpec spec = DeviceSpec.builder("held", 4 * MIB).build();
        ServedDevice served = new ServedDevice(this.transport, spec, ALL);
        Path mountPoint = ((FuseLoopDevice) served.device).mountPoint();
        try (FileChannel client = FileChannel.open(Path.of(served.path), StandardOpenOption.READ,
                ExtendedOpenOption.DIRECT)) {
            served.close();
            ByteBuffer buffer = AlignedBuffers.allocate(4096);
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> client.read(buffer, 0))
                .isInstanceOf(java.io.IOException.class);
        }
        assertThat(mountInfo()).doesNotContain(mountPoint.toString());
        awaitNoLoopOver(mountPoint);
        assertThat(mountPoint).doesNotExist();
    }

    @Test
    void sweepCleansTheMountOfADeadOwner() throws Exception {
        Path stateDir = this.state.resolve("state");
        Process owner = startOwner(stateDir, "stale");
        Path mountPoint = stateDir.resolve("bdus-" + owner.pid() + "-stale");
        try {
            assertThat(mountInfo()).contains(mountPoint.toString());
        }
        finally {
            owner.destroyForcibly();
            owner.waitFor(10, TimeUnit.SECONDS);
        }
        // stat of a mount whose server died fails (ENOTCONN), so look at the listing
        assertThat(names(stateDir)).contains(mountPoint.getFileName().toString());
        assertThat(this.transport.sweepStale()).isEqualTo(1);
        assertThat(names(stateDir)).doesNotContain(mountPoint.getFileName().toString());
        assertThat(mountInfo()).doesNotContain(mountPoint.toString());
        awaitNoLoopOver(mountPoint);
    }

    @Test
    void shutdownHookClosesDevicesOfAnOwnerThatExits() throws Exception {
        Path stateDir = this.state.resolve("state");
        Process owner = startOwner(stateDir, "hook");
        Path mountPoint = stateDir.resolve("bdus-" + owner.pid() + "-hook");
        assertThat(mountInfo()).contains(mountPoint.toString());
        owner.destroy();
        assertThat(owner.waitFor(15, TimeUnit.SECONDS)).isTrue();
        assertThat(mountInfo()).doesNotContain(mountPoint.toString());
        assertThat(names(stateDir)).doesNotContain(mountPoint.getFileName().toString());
        awaitNoLoopOver(mountPoint);
    }

    /** Starts a JVM that serves one device in {@code stateDir} and waits until its device is up. */
    private static Process startOwner(Path stateDir, String name) throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        Process owner = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                StaleOwnerMain.class.getName(), stateDir.toString(), name).redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(owner.getInputStream()));
        String line;
        while ((line = out.readLine()) != null && !line.startsWith("READY")) {
            // skip the owner's log
        }
        if (line == null) {
            owner.destroyForcibly();
        }
        assertThat(line).as("owner output").startsWith("READY /dev/loop");
        // keep draining so the owner never blocks on a full pipe
        Thread drain = new Thread(() -> {
            try {
                while (out.readLine() != null) {
                    // discard
                }
            }
            catch (java.io.IOException ex) {
                // owner gone
            }
        });
        drain.setDaemon(true);
        drain.start();
        return owner;
    }

    private static void awaitNoLoopOver(Path mountPoint) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!Loop.backedBy(mountPoint).isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(Loop.backedBy(mountPoint)).isEmpty();
    }

    private static void zeroesWithoutUnmap(ServedDevice served, int offset, String... command) throws Exception {
        long zeroes = served.handler.count(Operation.WRITE_ZEROES);
        long writes = served.handler.count(Operation.WRITE);
        ok(command);
        if (served.handler.count(Operation.WRITE_ZEROES) > zeroes) {
            assertThat(served.handler.lastMayUnmap()).isFalse();
        }
        else {
            assertThat(served.handler.count(Operation.WRITE)).isGreaterThan(writes);
        }
        assertZeroes(served, offset, MIB);
    }

    private static void fill(ServedDevice served, byte value) throws Exception {
        try (FileChannel file = FileChannel.open(Path.of(served.path), StandardOpenOption.WRITE,
                ExtendedOpenOption.DIRECT)) {
            ByteBuffer buffer = AlignedBuffers.allocate(MIB);
            while (buffer.hasRemaining()) {
                buffer.put(value);
            }
            long size = served.handler.data().length;
            for (long offset = 0; offset < size; offset += MIB) {
                buffer.clear();
                file.write(buffer, offset);
            }
        }
        assertThat(served.handler.data()[0]).isEqualTo(value);
    }

    private static void assertZeroes(ServedDevice served, int offset, int length) throws Exception {
        assertThat(Arrays.copyOfRange(served.handler.data(), offset, offset + length)).containsOnly(0);
        try (FileChannel file = FileChannel.open(Path.of(served.path), StandardOpenOption.READ,
                ExtendedOpenOption.DIRECT)) {
            ByteBuffer buffer = AlignedBuffers.allocate(length);
            file.read(buffer, offset);
            buffer.flip();
            while (buffer.hasRemaining()) {
                assertThat(buffer.get()).isZero();
            }
        }
    }

    private static List<String> names(Path dir) throws Exception {
        try (var list = Files.list(dir)) {
            return list.map(p -> p.getFileName().toString()).toList();
        }
    }

    private static int number(String path) {
        return Integer.parseInt(path.substring("/dev/loop".length()));
    }

    private static String mountInfo() throws Exception {
        return Files.readString(Path.of("/proc/self/mountinfo"));
    }
}
