package io.bdus.transport.fuse;

import io.bdus.device.DeviceSpec;
import io.bdus.driver.Operation;
import io.bdus.testing.MemoryHandler;
import io.bdus.transport.RequestChannel;
import io.bdus.transport.ServingPlan;
import io.bdus.transport.TransportDevice;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

/** A fuse-loop device served by test threads, standing in for the device runtime. */
final class ServedDevice implements AutoCloseable {

    final TransportDevice device;

    final MemoryHandler handler;

    final String path;

    final List<Thread> threads = new ArrayList<>();

    final List<Throwable> failures = new CopyOnWriteArrayList<>();

    ServedDevice(FuseLoopTransport transport, DeviceSpec spec, Set<Operation> operations) throws IOException {
        this.handler = new MemoryHandler((int) spec.size());
        this.device = transport.create(spec, operations, ServingPlan.blocking(spec.maxConcurrentRequests()));
        try {
            for (int i = 0; i < this.device.channelCount(); i++) {
                RequestChannel channel = this.device.openChannel();
                Thread thread = new Thread(() -> {
                    try {
                        channel.serve(this.handler);
                    }
                    catch (Throwable ex) {
                        this.failures.add(ex);
                    }
                    finally {
                        channel.close();
                    }
                }, "test-" + spec.name() + "-" + i);
                thread.setDaemon(true);
                thread.start();
                this.threads.add(thread);
            }
            this.path = this.device.activate(Duration.ofSeconds(10));
        }
        catch (IOException | RuntimeException ex) {
            this.device.close();
            throw ex;
        }
    }

    @Override
    public void close() throws InterruptedException {
        this.device.close();
        for (Thread thread : this.threads) {
            thread.join(10_000);
            if (thread.isAlive()) {
                throw new IllegalStateException(thread.getName() + " still serving after close");
            }
        }
        if (!this.failures.isEmpty()) {
            throw new IllegalStateException("a channel failed", this.failures.get(0));
        }
    }
}
