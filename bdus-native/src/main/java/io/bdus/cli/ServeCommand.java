package io.bdus.cli;

import io.bdus.device.BlockDevice;
import io.bdus.device.DeviceSpec;
import io.bdus.driver.BlockDriver;
import io.bdus.driver.passthrough.PassthroughDriver;
import io.bdus.driver.ram.RamDiskDriver;
import io.bdus.transport.Transport;
import io.bdus.transport.fuse.FuseLoopTransport;
import io.bdus.transport.kbdus.KbdusTransport;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;

/**
 * Serves one device from the command line with a reference driver, until interrupted:
 * {@code java -cp ... io.bdus.cli.ServeCommand --size 256M [--file PATH] [--name NAME]}.
 * Used by the benchmarks and handy for trying the runtime without Spring.
 */
public final class ServeCommand {

    private ServeCommand() {
    }

    public static void main(String[] args) throws Exception {
        String name = "disk0";
        long size = 256L << 20;
        Path file = null;
        int workers = 4;
        Path stateDir = Path.of("/run/bdus");
        String transportName = FuseLoopTransport.NAME;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--name" -> name = args[++i];
                case "--size" -> size = parseSize(args[++i]);
                case "--file" -> file = Path.of(args[++i]);
                case "--workers" -> workers = Integer.parseInt(args[++i]);
                case "--state-dir" -> stateDir = Path.of(args[++i]);
                case "--transport" -> transportName = args[++i];
                case "-h", "--help" -> {
                    usage();
                    return;
                }
                default -> {
                    System.err.println("Unknown argument: " + args[i]);
                    usage();
                    System.exit(2);
                }
            }
        }
        DeviceSpec spec = DeviceSpec.builder(name, size).maxConcurrentRequests(workers).build();
        BlockDriver driver = (file != null) ? new PassthroughDriver(file) : new RamDiskDriver(size);
        Transport transport = switch (transportName) {
            case FuseLoopTransport.NAME -> new FuseLoopTransport(stateDir);
            case KbdusTransport.NAME -> new KbdusTransport();
            default -> throw new IllegalArgumentException(
                    "--transport must be fuse-loop or kbdus, was '" + transportName + "'");
        };
        BlockDevice device = BlockDevice.start(spec, driver, transport, Duration.ofSeconds(30));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            device.stop(Duration.ofSeconds(30));
            stopped.countDown();
        }, "bdus-serve-shutdown"));
        System.out.println("READY " + device.path());
        System.out.flush();
        stopped.await();
    }

    private static void usage() {
        System.out.println("""
                Usage: ServeCommand [--name NAME] [--size SIZE] [--file PATH] [--workers N]
                                    [--transport fuse-loop|kbdus] [--state-dir DIR]
                Serves a block device (a RAM disk, or PATH through the pass-through driver) on the
                fuse-loop (default) or kbdus transport until Ctrl-C. SIZE takes K, M, G suffixes (powers of 1024).
                Prints "READY <device path>" once the device is available. Needs root.""");
    }

    static long parseSize(String text) {
        String t = text.trim().toUpperCase(Locale.ROOT).replace("IB", "").replace("B", "");
        long unit = switch (t.isEmpty() ? ' ' : t.charAt(t.length() - 1)) {
            case 'K' -> 1L << 10;
            case 'M' -> 1L << 20;
            case 'G' -> 1L << 30;
            case 'T' -> 1L << 40;
            default -> 1;
        };
        String digits = unit == 1 ? t : t.substring(0, t.length() - 1);
        try {
            return Long.parseLong(digits) * unit;
        }
        catch (NumberFormatException ex) {
            throw new IllegalArgumentException("--size must be a number with an optional K, M, G or T suffix, was '"
                    + text + "'");
        }
    }
}
