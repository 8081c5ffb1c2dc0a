package io.bdus.integration;

import io.bdus.device.BlockDevice;
import io.bdus.device.DeviceSpec;
import io.bdus.driver.passthrough.PassthroughDriver;
import io.bdus.transport.kbdus.KbdusTransport;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A child JVM for the crash-recovery tests: serves a recoverable kbdus device over a file
 * (a new one, or with a third argument the existing device of that id), prints
 * {@code READY <id> <path>}, and never answers a write at offset {@link #STUCK_OFFSET}, so
 * that it can be killed in the middle of that request.
 */
public final class CrashingDriverMain {

    static final long STUCK_OFFSET = 4L << 20;

    private CrashingDriverMain() {
    }

    public static void main(String[] args) throws Exception {
        Path image = Path.of(args[0]);
        long size = Long.parseLong(args[1]);
        PassthroughDriver driver = new PassthroughDriver(image) {
            @Override
            public void write(ByteBuffer buffer, long offset) throws java.io.IOException {
                if (offset == STUCK_OFFSET) {
                    System.out.println("STUCK");
                    System.out.flush();
                    sleepForever();
                }
                super.write(buffer, offset);
            }
        };
        DeviceSpec spec = DeviceSpec.builder("crash", size).recoverable(true).build();
        BlockDevice device = (args.length > 2)
                ? BlockDevice.attach(args[2], spec, driver, new KbdusTransport(), Duration.ofSeconds(120))
                : BlockDevice.start(spec, driver, new KbdusTransport(), Duration.ofSeconds(120));
        System.out.println("READY " + device.path().substring("/dev/bdus-".length()) + " " + device.path());
        System.out.flush();
        sleepForever();
    }

    private static void sleepForever() {
        while (true) {
            try {
                Thread.sleep(60_000);
            }
            catch (InterruptedException ex) {
                // keep going until killed
            }
        }
    }
}
