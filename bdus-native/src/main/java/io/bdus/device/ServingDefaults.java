package io.bdus.device;

import io.bdus.driver.AsyncBlockDriver;
import io.bdus.driver.BlockDriver;
import io.bdus.driver.Concurrency;
import io.bdus.transport.ServingPlan;

/**
 * How many threads serve a device and how many requests it may have in flight, chosen from
 * its queue depth ({@link DeviceSpec#maxConcurrentRequests()}), the driver it starts with and
 * the processors this JVM may use:
 * <ul>
 * <li>a blocking {@link Concurrency#PARALLEL} driver gets one serving thread per processor, at
 * most the queue depth. A blocking call holds its thread, so the threads are also the
 * requests in flight; more threads than processors only help a driver that waits on
 * something, and such a driver should be asynchronous instead of costing a thread (and its
 * context switches) per waiting request. On a single processor it still gets two, so that
 * one slow or stuck call does not stop every other request;</li>
 * <li>a blocking {@link Concurrency#SERIALIZED} driver gets one thread: more would only queue
 * on its lock;</li>
 * <li>an {@link AsyncBlockDriver} may have as many requests in flight as the queue depth,
 * whatever the threads; they only receive requests, start them and send replies, so one per
 * processor (at most the queue depth) keeps up.</li>
 * </ul>
 * The choice is made once, when the device starts: a driver that replaces it later is served
 * the same way.
 */
final class ServingDefaults {

    private ServingDefaults() {
    }

    static ServingPlan plan(DeviceSpec spec, BlockDriver driver) {
        return plan(spec.maxConcurrentRequests(), driver, Runtime.getRuntime().availableProcessors());
    }

    static ServingPlan plan(int queueDepth, BlockDriver driver, int processors) {
        int threads = Math.max(1, Math.min(processors, queueDepth));
        if (driver instanceof AsyncBlockDriver) {
            return new ServingPlan(threads, queueDepth);
        }
        if (driver.concurrency() != Concurrency.PARALLEL) {
            return ServingPlan.blocking(1);
        }
        return ServingPlan.blocking(Math.min(queueDepth, Math.max(2, processors)));
    }
}
