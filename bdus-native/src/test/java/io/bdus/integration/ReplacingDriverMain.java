package io.bdus.integration;

import io.bdus.device.BlockDevice;
import io.bdus.device.DeviceSpec;
import io.bdus.driver.passthrough.PassthroughDriver;
import io.bdus.transport.kbdus.KbdusTransport;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A child JVM for the crash-recovery acceptance test: serves a recoverable kbdus device
 * with a pass-through driver over a file (a new device, or with a third argument the
 * existing device of that id), prints {@code READY <id> <path>}, then replaces its own
 * driver in-process every few hundred milliseconds ({@code REPLACED <generation>}) until it
 * is killed.
 */
public final class ReplacingDriverMain {

    private ReplacingDriverMain() {
    }

    public static void main(String[] args) throws Exception {
        Path image = Path.of(args[0]);
        long size = Long.parseLong(args[1]);
        DeviceSpec spec = DeviceSpec.builder("accept", size).recoverable(true).maxConcurrentRequests(4).build();
        Duration timeout = Duration.ofSeconds(120);
        BlockDevice device = (args.length > 2)
                ? BlockDevice.attach(args[2], spec, new PassthroughDriver(image), new KbdusTransport(), timeout)
                : BlockDevice.start(spec, new PassthroughDriver(image), new KbdusTransport(), timeout);
        System.out.println("READY " + device.path().substring("/dev/bdus-".length()) + " " + device.path());
        System.out.flush();
        while (true) {
            Thread.sleep(400);
            device.replaceDriver(new PassthroughDriver(image), timeout);
            System.out.println("REPLACED " + device.generation());
            System.out.flush();
        }
    }
}
