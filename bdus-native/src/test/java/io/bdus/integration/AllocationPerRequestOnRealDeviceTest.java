package io.bdus.integration;

import static org.assertj.core.api.Assertions.assertThat;

import io.bdus.device.BlockDevice;
import io.bdus.device.DeviceSpec;
import io.bdus.device.DeviceStats;
import io.bdus.driver.BlockDriver;
import io.bdus.driver.Operation;
import io.bdus.driver.passthrough.PassthroughDriver;
import io.bdus.driver.ram.RamDiskDriver;
import io.bdus.testing.Shell;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.Function;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Serving allocates nothing: over many thousand fio requests (4 KiB random reads and writes,
 * 16 in flight) the serving threads of a device allocate well under a byte per request, for
 * both reference drivers, measured per thread with {@code com.sun.management.ThreadMXBean}
 * after a warm-up run of the same size.
 */
class AllocationPerRequestOnRealDeviceTest extends RealDeviceTest {

    private static final long SIZE = 64L << 20;

    /** 4 KiB requests per measured run: 10,000. */
    private static final long IO_BYTES = 10_000L * 4096;

    /** Far below any allocation a request could make (the smallest object is 16 bytes). */
    private static final double MAX_BYTES_PER_REQUEST = 1.0;

    @Test
    void ramDiskServingAllocatesNothingPerRequest() throws Exception {
        assertThat(bytesPerRequest("alloc-ram", path -> new RamDiskDriver(SIZE), null))
            .isLessThan(MAX_BYTES_PER_REQUEST);
    }

    @Test
    void passthroughServingAllocatesNothingPerRequest(@TempDir Path dir) throws Exception {
        assertThat(bytesPerRequest("alloc-file", path -> new PassthroughDriver(path), dir.resolve("disk.img")))
            .isLessThan(MAX_BYTES_PER_REQUEST);
    }

    /** The measurement itself: a driver that allocates 1 KiB per read is seen doing so. */
    @Test
    void anAllocatingDriverIsSeen() throws Exception {
        double perRequest = bytesPerRequest("alloc-bad", path -> new RamDiskDriver(SIZE) {
            @Override
            public void read(java.nio.ByteBuffer buffer, long offset) {
                byte[] copy = new byte[buffer.remaining()];
                super.read(java.nio.ByteBuffer.wrap(copy), offset);
                buffer.put(copy);
            }
        }, null);
        // about half the requests are 4 KiB reads
        assertThat(perRequest).isGreaterThan(1024);
    }

    /** Bytes the serving threads allocate per request over a measured fio run. */
    private static double bytesPerRequest(String name, Function<Path, BlockDriver> driver, Path file)
            throws Exception {
        com.sun.management.ThreadMXBean threads = threadMxBean();
        try (BlockDevice device = HostDevices.start(DeviceSpec.builder(name, SIZE).maxConcurrentRequests(16).build(),
                driver.apply(file))) {
            // every block written once, so that the RAM disk's chunks exist before measuring
            Shell.ok("dd", "if=/dev/zero", "of=" + device.path(), "bs=1M", "count=" + (SIZE >> 20), "oflag=direct",
                    "status=none");
            fio(device.path());
            long[] ids = servingThreads("bdus-" + name + "-");
            assertThat(ids).as("serving threads of %s", name).isNotEmpty();
            long requestsBefore = requests(device.stats());
            long bytesBefore = allocated(threads, ids);
            fio(device.path());
            long bytes = allocated(threads, ids) - bytesBefore;
            long requests = requests(device.stats()) - requestsBefore;
            double perRequest = (double) bytes / requests;
            System.out.printf("%s on %s: %d requests, %d bytes allocated by %d serving threads, %.4f bytes/request%n",
                    name, device.transportName(), requests, bytes, ids.length, perRequest);
            // the block layer may merge the odd pair of adjacent random 4 KiB requests (seen on ublk)
            assertThat(requests).isGreaterThanOrEqualTo(IO_BYTES / 4096 * 9 / 10);
            return perRequest;
        }
    }

    private static com.sun.management.ThreadMXBean threadMxBean() {
        java.lang.management.ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        boolean measurable = bean instanceof com.sun.management.ThreadMXBean threads
                && threads.isThreadAllocatedMemorySupported();
        if (!measurable) {
            System.out.println("SKIPPED allocation measurement: this JVM does not report per-thread allocation");
        }
        Assumptions.assumeTrue(measurable, "this JVM does not report per-thread allocation");
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) bean;
        threads.setThreadAllocatedMemoryEnabled(true);
        return threads;
    }

    @SuppressWarnings("deprecation") // Thread.getId: threadId() is JDK 19+
    private static long[] servingThreads(String prefix) {
        return Thread.getAllStackTraces().keySet().stream()
            .filter(thread -> thread.getName().startsWith(prefix) && thread.getName().substring(prefix.length())
                .matches("\\d+"))
            .mapToLong(Thread::getId)
            .toArray();
    }

    private static long allocated(com.sun.management.ThreadMXBean threads, long[] ids) {
        return Arrays.stream(threads.getThreadAllocatedBytes(ids)).sum();
    }

    private static long requests(DeviceStats stats) {
        return stats.of(Operation.READ).count() + stats.of(Operation.WRITE).count();
    }

    private static void fio(String path) throws Exception {
        Shell.ok("fio", "--name=alloc", "--filename=" + path, "--direct=1", "--ioengine=libaio", "--iodepth=16",
                "--rw=randrw", "--bs=4k", "--size=" + SIZE, "--io_size=" + IO_BYTES, "--randrepeat=0",
                "--eta=never", "--output=/dev/null");
    }
}
