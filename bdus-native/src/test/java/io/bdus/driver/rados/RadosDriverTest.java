package io.bdus.driver.rados;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.bdus.driver.DeviceInfo;
import io.bdus.driver.DriverReport;
import io.bdus.driver.Errno;
import io.bdus.driver.Operation;
import io.bdus.testing.CephTestCluster;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The RADOS driver against the real test cluster, called directly (no block device). */
class RadosDriverTest {

    private static final int OBJECT = 64 << 10;

    private static final long SIZE = 16L * OBJECT + 8192;

    private final List<RadosDriver> drivers = new ArrayList<>();

    private final List<String> images = new ArrayList<>();

    @BeforeEach
    void requireCluster() {
        CephTestCluster.assumeReachable();
    }

    @AfterEach
    void cleanUp() throws Exception {
        for (RadosDriver driver : this.drivers) {
            driver.terminate();
        }
        for (String image : this.images) {
            CephTestCluster.removeImage(image);
        }
    }

    @Test
    void writesAcrossObjectBoundariesReadBackAndUnwrittenRangesReadAsZeroes() throws Exception {
        String image = image("stripes");
        RadosDriver driver = open(image, "stripes", SIZE);
        assertThat(driver.supportedOperations()).containsExactlyInAnyOrder(Operation.READ, Operation.WRITE,
                Operation.FUA_WRITE, Operation.FLUSH, Operation.DISCARD, Operation.WRITE_ZEROES);
        byte[] data = random(1, 3 * OBJECT);
        long offset = OBJECT - 4096;
        driver.write(direct(data), offset);
        driver.flush();

        assertThat(read(driver, offset, data.length)).isEqualTo(data);
        // Before, between and after the data: never written, so zeroes (object 0 is short, 5 missing).
        assertThat(read(driver, 0, (int) offset)).containsOnly(0);
        assertThat(read(driver, offset + data.length, 2 * OBJECT)).containsOnly(0);
        assertThat(read(driver, SIZE - 8192, 8192)).containsOnly(0);
        assertThat(CephTestCluster.exists(image + ".0000000000000000")).isTrue();
        assertThat(CephTestCluster.exists(image + ".0000000000000003")).isTrue();
        assertThat(CephTestCluster.exists(image + ".0000000000000004")).isFalse();

        byte[] last = random(2, 8192);
        driver.fuaWrite(direct(last), SIZE - 8192);
        assertThat(read(driver, SIZE - 8192, 8192)).isEqualTo(last);
        assertThat(CephTestCluster.exists(image + ".0000000000000010")).isTrue();
    }

    @Test
    void zeroingRemovesWholeObjectsAndZeroesOrTruncatesPartialOnes() throws Exception {
        String image = image("zero");
        RadosDriver driver = open(image, "zero", SIZE);
        byte[] data = random(3, 4 * OBJECT);
        driver.write(direct(data), 0);

        // object 0: middle zeroed; object 1: tail truncated; object 2: removed; object 3: kept
        driver.writeZeroes(4096, 8192, false);
        driver.discard(OBJECT + 16384, 2 * OBJECT - 16384);
        byte[] expected = data.clone();
        java.util.Arrays.fill(expected, 4096, 4096 + 8192, (byte) 0);
        java.util.Arrays.fill(expected, OBJECT + 16384, 3 * OBJECT, (byte) 0);
        assertThat(read(driver, 0, expected.length)).isEqualTo(expected);
        assertThat(CephTestCluster.exists(image + ".0000000000000002")).isFalse();
        assertThat(CephTestCluster.rados("stat", image + ".0000000000000001").output()).contains("size 16384");
        assertThat(CephTestCluster.rados("stat", image + ".0000000000000000").output()).contains("size " + OBJECT);

        // zeroing what was never written creates nothing
        driver.writeZeroes(8 * OBJECT + 4096, 4096, true);
        assertThat(CephTestCluster.exists(image + ".0000000000000008")).isFalse();
    }

    @Test
    void anExistingImageMustMatchTheConfiguration() throws Exception {
        String image = image("header");
        RadosDriver first = open(image, "header", SIZE);
        byte[] data = random(4, 8192);
        first.write(direct(data), 8192);
        first.terminate();
        this.drivers.remove(first);

        assertThat(CephTestCluster.rados("get", image + ".header", "/dev/stdout").output())
            .isEqualTo("bdus-rados-image\nformat 1\nsize " + SIZE + "\nobject-size " + OBJECT + "\n");
        RadosDriver bigger = new RadosDriver(CephTestCluster.settings(image).objectSize(OBJECT).build());
        assertThatThrownBy(() -> bigger.initialize(info("header", 2 * SIZE)))
            .hasMessageContaining("does not match the configuration")
            .hasMessageContaining("size is " + SIZE + " in the image but " + 2 * SIZE + " in the configuration");
        RadosDriver otherObjects = new RadosDriver(CephTestCluster.settings(image).objectSize(2 * OBJECT).build());
        assertThatThrownBy(() -> otherObjects.initialize(info("header", SIZE)))
            .hasMessageContaining("object size is " + OBJECT + " in the image but " + 2 * OBJECT);

        RadosDriver again = open(image, "header", SIZE);
        assertThat(read(again, 8192, data.length)).isEqualTo(data);
    }

    @Test
    void aSecondDeviceIsRefusedAndBreakLockFencesTheOldHolder() throws Exception {
        String image = image("lock");
        RadosDriver holder = open(image, "first", SIZE);
        holder.write(direct(random(5, 4096)), 0);

        // Another device in this process, and another process, are refused naming the holder.
        RadosDriver sameProcess = new RadosDriver(CephTestCluster.settings(image).objectSize(OBJECT).build());
        assertThatThrownBy(() -> sameProcess.initialize(info("second", SIZE))).isInstanceOf(ImageInUseException.class)
            .hasMessageContaining("served by device 'first' of this process");
        var other = CephTestCluster.rados("lock", "info", image + ".header", ImageLock.NAME);
        assertThat(other.output()).contains("bdus:first:" + ProcessHandle.current().pid());

        // A replacement driver for the same device shares the lock; the lock outlives the first.
        RadosDriver successor = open(image, "first", SIZE);
        holder.terminate();
        this.drivers.remove(holder);
        byte[] data = random(6, 4096);
        successor.write(direct(data), 4096);
        assertThat(CephTestCluster.rados("lock", "info", image + ".header", ImageLock.NAME).output())
            .contains("bdus:first:");
        successor.terminate();
        this.drivers.remove(successor);
        assertThat(CephTestCluster.rados("lock", "info", image + ".header", ImageLock.NAME).output())
            .doesNotContain("bdus:first:");
    }

    @Test
    void anotherProcessIsRefusedUntilBreakLockFencesIt() throws Exception {
        String image = image("fence");
        Process holder = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"), "-cp",
                System.getProperty("java.class.path"), LockHolderMain.class.getName(), image, String.valueOf(OBJECT),
                String.valueOf(SIZE)).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try {
            BufferedReader output = new BufferedReader(new InputStreamReader(holder.getInputStream(),
                    StandardCharsets.UTF_8));
            PrintStream input = new PrintStream(holder.getOutputStream(), true, StandardCharsets.UTF_8);
            assertThat(answer(output)).isEqualTo("READY " + holder.pid());
            input.println("write 0");
            assertThat(answer(output)).isEqualTo("OK");

            RadosDriver refused = new RadosDriver(CephTestCluster.settings(image).objectSize(OBJECT).build());
            assertThatThrownBy(() -> refused.initialize(info("taker", SIZE))).isInstanceOf(ImageInUseException.class)
                .hasMessageContaining("is in use: locked by client.")
                .hasMessageContaining("device 'holder' of pid " + holder.pid())
                .hasMessageContaining("break-lock");

            byte[] data = random(7, 4096);
            RadosDriver taker = new RadosDriver(CephTestCluster.settings(image).objectSize(OBJECT).breakLock(true)
                .build());
            taker.initialize(info("taker", SIZE));
            this.drivers.add(taker);
            taker.write(direct(data), 8192);
            // The old holder is fenced: its writes fail and change nothing.
            input.println("write 8192");
            assertThat(answer(output)).isEqualTo("ERRNO " + Errno.ENOLINK);
            assertThat(read(taker, 8192, 4096)).isEqualTo(data);
            assertThat(CephTestCluster.rados("lock", "info", image + ".header", ImageLock.NAME).output())
                .contains("bdus:taker:").doesNotContain("bdus:holder:");
        }
        finally {
            holder.destroyForcibly().waitFor();
        }
    }

    @Test
    void theReportNamesPoolImageClusterAndOperationsInFlight() throws Exception {
        String image = image("report");
        RadosDriver driver = open(image, "report", SIZE);
        DriverReport report = driver.report();
        assertThat(report.details()).containsEntry("pool", CephTestCluster.POOL).containsEntry("image", image)
            .containsEntry("objectSize", OBJECT).containsEntry("client", CephTestCluster.CLIENT)
            .containsEntry("inFlightOperations", 0).containsKey("clusterFsid");
        assertThat((String) report.details().get("clusterFsid")).matches("[0-9a-f-]{36}");
        assertThat(report.problem()).isNull();
        assertThat(new RadosDriver(CephTestCluster.settings("unused").build()).report().problem())
            .contains("not initialized");
    }

    @Test
    void heapBuffersAndAMissingPoolFailClearly() throws Exception {
        String image = image("heap");
        RadosDriver driver = open(image, "heap", SIZE);
        assertThatThrownBy(() -> driver.read(ByteBuffer.allocate(4096), 0)).hasMessageContaining("direct");
        RadosDriver nowhere = new RadosDriver(RadosSettings.builder("no-such-pool", image)
            .cephConf(CephTestCluster.conf()).client(CephTestCluster.CLIENT).build());
        assertThatThrownBy(() -> nowhere.initialize(info("nowhere", SIZE)))
            .hasMessageContaining("Cannot open pool 'no-such-pool'");
    }

    /** The holder's next answer, past its log lines. */
    private static String answer(BufferedReader output) throws IOException {
        String line;
        while ((line = output.readLine()) != null) {
            if (line.startsWith("READY") || line.equals("OK") || line.startsWith("ERRNO")) {
                return line;
            }
        }
        return "(the holder exited)";
    }

    private String image(String prefix) {
        String image = CephTestCluster.uniqueImage(prefix);
        this.images.add(image);
        return image;
    }

    private RadosDriver open(String image, String device, long size) throws IOException {
        RadosDriver driver = new RadosDriver(CephTestCluster.settings(image).objectSize(OBJECT).build());
        driver.initialize(info(device, size));
        this.drivers.add(driver);
        return driver;
    }

    static DeviceInfo info(String device, long size) {
        return new DeviceInfo(device, size, 512, 4096, 1 << 20, false, 0);
    }

    static ByteBuffer direct(byte[] data) {
        return ByteBuffer.allocateDirect(data.length).put(data).flip();
    }

    static byte[] read(RadosDriver driver, long offset, int length) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocateDirect(length);
        // stale bytes a read must overwrite
        for (int i = 0; i < length; i++) {
            buffer.put(i, (byte) 0x77);
        }
        driver.read(buffer, offset);
        assertThat(buffer.position()).isEqualTo(length);
        byte[] bytes = new byte[length];
        buffer.flip().get(bytes);
        return bytes;
    }

    static byte[] random(long seed, int length) {
        byte[] bytes = new byte[length];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }
}
