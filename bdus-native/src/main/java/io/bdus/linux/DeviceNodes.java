package io.bdus.linux;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** Device nodes that udev (or devtmpfs) creates a moment after the kernel adds a device. */
public final class DeviceNodes {

    private DeviceNodes() {
    }

    /**
     * Waits until {@code node} exists, polling every 10 ms.
     * @throws IOException if it does not appear within {@code timeout}
     */
    public static void await(String node, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!Files.exists(Path.of(node))) {
            if (System.nanoTime() > deadline) {
                throw new IOException(node + " did not appear within " + timeout);
            }
            Thread.sleep(10);
        }
    }
}
