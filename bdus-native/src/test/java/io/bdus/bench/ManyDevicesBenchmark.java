package io.bdus.bench;

import io.bdus.device.BlockDevice;
import io.bdus.device.DeviceSpec;
import io.bdus.driver.ram.RamDiskDriver;
import io.bdus.transport.Transport;
import io.bdus.transport.fuse.FuseLoopTransport;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Many devices in one JVM: starts {@code --count} RAM disks one after another on fuse-loop,
 * timing each start, and prints the threads and resident memory the idle devices cost, and
 * the 4 KiB random-read IOPS of the first device alone and again with all the others idle
 * beside it (fio, same run). Run by {@code scripts/bench-many-devices.sh}; needs root.
 */
public final class ManyDevicesBenchmark {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    private final Settings settings;

    private final PrintStream out;

    ManyDevicesBenchmark(Settings settings, PrintStream out) {
        this.settings = settings;
        this.out = out;
    }

    public static void main(String[] args) throws Exception {
        Settings settings;
        try {
            settings = Settings.parse(args);
        }
        catch (IllegalArgumentException ex) {
            System.err.println("ManyDevicesBenchmark: " + ex.getMessage());
            System.exit(2);
            return;
        }
        new ManyDevicesBenchmark(settings, System.out).run();
    }

    /** Runs the benchmark and returns what it measured. */
    Result run() throws Exception {
        Path state = Files.createTempDirectory("bdus-many-");
        Transport transport = new FuseLoopTransport(state, true);
        List<BlockDevice> devices = new ArrayList<>(this.settings.count());
        long[] startNanos = new long[this.settings.count()];
        try {
            ProcessSample before = ProcessSample.now();
            devices.add(start(transport, 0, startNanos));
            double alone = Fio.randomReadIops(devices.get(0).path(), this.settings.runtimeSeconds());
            this.out.printf(Locale.ROOT, "device 0 alone: %s, 4 KiB random reads QD%d: %.0f IOPS%n",
                    devices.get(0).path(), Fio.QUEUE_DEPTH, alone);
            for (int i = 1; i < this.settings.count(); i++) {
                devices.add(start(transport, i, startNanos));
                if ((i + 1) % 32 == 0 || i + 1 == this.settings.count()) {
                    this.out.printf(Locale.ROOT, "started %d of %d devices%n", i + 1, this.settings.count());
                }
            }
            ProcessSample after = ProcessSample.now();
            double beside = Fio.randomReadIops(devices.get(0).path(), this.settings.runtimeSeconds());
            Result result = new Result(this.settings.count(), startNanos, before, after, alone, beside);
            result.print(this.out);
            return result;
        }
        finally {
            for (BlockDevice device : devices) {
                device.stop(Duration.ofSeconds(30));
            }
            try (var files = Files.walk(state)) {
                files.sorted((a, b) -> b.compareTo(a)).forEach((path) -> path.toFile().delete());
            }
        }
    }

    private BlockDevice start(Transport transport, int index, long[] startNanos) throws Exception {
        DeviceSpec spec = DeviceSpec.builder("many" + index, this.settings.deviceBytes()).build();
        long begin = System.nanoTime();
        BlockDevice device = BlockDevice.start(spec, new RamDiskDriver(spec.size()), transport, START_TIMEOUT);
        startNanos[index] = System.nanoTime() - begin;
        return device;
    }

    /** What the command line asked for. */
    record Settings(int count, long deviceBytes, int runtimeSeconds) {

        static Settings parse(String[] args) {
            int count = 256;
            long deviceBytes = 64L << 20;
            int runtime = 10;
            for (int i = 0; i < args.length; i++) {
                String value = (i + 1 < args.length) ? args[i + 1] : null;
                switch (args[i]) {
                    case "--count" -> count = intIn("--count", value, 1, 4096);
                    case "--device-mib" -> deviceBytes = (long) intIn("--device-mib", value, 1, 65536) << 20;
                    case "--runtime" -> runtime = intIn("--runtime", value, 1, 3600);
                    default -> throw new IllegalArgumentException("unknown argument '" + args[i] + "'");
                }
                i++;
            }
            return new Settings(count, deviceBytes, runtime);
        }

        private static int intIn(String option, String value, int min, int max) {
            int parsed;
            try {
                parsed = Integer.parseInt(String.valueOf(value));
            }
            catch (NumberFormatException ex) {
                throw new IllegalArgumentException(option + " must be a whole number from " + min + " to " + max
                        + ", was '" + value + "'");
            }
            if (parsed < min || parsed > max) {
                throw new IllegalArgumentException(option + " must be from " + min + " to " + max + ", was " + parsed);
            }
            return parsed;
        }
    }

    /** Threads and resident memory of this process, from /proc/self/status. */
    record ProcessSample(int threads, long residentKib) {

        static ProcessSample now() throws IOException {
            int threads = 0;
            long rss = 0;
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Threads:")) {
                    threads = Integer.parseInt(line.substring(8).trim());
                }
                else if (line.startsWith("VmRSS:")) {
                    rss = Long.parseLong(line.substring(6).replace("kB", "").trim());
                }
            }
            return new ProcessSample(threads, rss);
        }
    }

    /** One run's figures. */
    record Result(int count, long[] startNanos, ProcessSample before, ProcessSample after, double aloneIops,
            double besideIops) {

        double medianStartMillis() {
            long[] sorted = this.startNanos.clone();
            Arrays.sort(sorted);
            return sorted[sorted.length / 2] / 1e6;
        }

        double maxStartMillis() {
            return Arrays.stream(this.startNanos).max().orElse(0) / 1e6;
        }

        double threadsPerDevice() {
            return (this.after.threads() - this.before.threads()) / (double) this.count;
        }

        double residentKibPerDevice() {
            return (this.after.residentKib() - this.before.residentKib()) / (double) this.count;
        }

        void print(PrintStream out) {
            out.printf(Locale.ROOT, "%n%-44s %s%n", "devices in one JVM (fuse-loop, RAM disks)", this.count);
            out.printf(Locale.ROOT, "%-44s median %.0f ms, slowest %.0f ms, all %.1f s%n", "start time per device",
                    medianStartMillis(), maxStartMillis(), Arrays.stream(this.startNanos).sum() / 1e9);
            out.printf(Locale.ROOT, "%-44s %d -> %d (%.1f per device)%n", "JVM threads", this.before.threads(),
                    this.after.threads(), threadsPerDevice());
            out.printf(Locale.ROOT, "%-44s %d -> %d MiB (%.0f KiB per idle device)%n", "JVM resident memory",
                    this.before.residentKib() >> 10, this.after.residentKib() >> 10, residentKibPerDevice());
            out.printf(Locale.ROOT, "%-44s %.0f alone, %.0f beside %d idle devices (ratio %.2f)%n",
                    "device 0, 4 KiB random reads QD" + Fio.QUEUE_DEPTH + ", IOPS", this.aloneIops, this.besideIops,
                    this.count - 1, this.besideIops / this.aloneIops);
        }
    }

    /** fio, run as a child process on a device. */
    static final class Fio {

        static final int QUEUE_DEPTH = 32;

        private Fio() {
        }

        static double randomReadIops(String device, int runtimeSeconds) throws IOException, InterruptedException {
            Process fio = new ProcessBuilder("fio", "--name=many", "--filename=" + device, "--rw=randread",
                    "--bs=4k", "--direct=1", "--ioengine=libaio", "--iodepth=" + QUEUE_DEPTH, "--time_based",
                    "--ramp_time=1", "--runtime=" + runtimeSeconds, "--output-format=terse", "--terse-version=3")
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
            String output = new String(fio.getInputStream().readAllBytes()).trim();
            if (fio.waitFor() != 0) {
                throw new IOException("fio on " + device + " failed (exit " + fio.exitValue() + "): " + output);
            }
            // terse v3: field 8 (1-based) is the read IOPS
            String[] fields = output.split(";");
            return Double.parseDouble(fields[7]);
        }
    }
}
