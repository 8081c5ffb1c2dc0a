package io.bdus.spring.boot.autoconfigure;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.bdus.device.BlockDevice;
import io.bdus.device.RequestObserver;
import io.bdus.driver.Operation;
import org.jspecify.annotations.Nullable;

/**
 * The observers of each device's requests, combined into one per device and handed to the
 * device whenever it runs (from its very first request on).
 */
final class RequestObservers {

    private final Map<String, RequestObserver> observers = new ConcurrentHashMap<>();

    private final Object monitor = new Object();

    /** Adds an observer of a device, now if it runs, else from its start. */
    void add(DeviceHandle handle, RequestObserver observer) {
        synchronized (this.monitor) {
            RequestObserver combined = this.observers.merge(handle.name(), observer, FanOut::of);
            BlockDevice running = handle.device();
            if (running != null) {
                running.requestObserver(combined);
            }
        }
    }

    /** Hands a device that is about to be created its observers, if it has any. */
    void applyTo(BlockDevice device) {
        RequestObserver observer = this.observers.get(device.name());
        if (observer != null) {
            device.requestObserver(observer);
        }
    }

    /**
     * Makes a started device the one of its handle, with every observer added meanwhile.
     * @param takeOver why it was taken over rather than created, or {@code null}
     */
    void publish(DeviceHandle handle, BlockDevice device, @Nullable String takeOver) {
        synchronized (this.monitor) {
            handle.device(device, takeOver);
            applyTo(device);
        }
    }

    /** Passes each request to several observers. */
    private record FanOut(RequestObserver[] observers) implements RequestObserver {

        static RequestObserver of(RequestObserver first, RequestObserver second) {
            List<RequestObserver> all = new ArrayList<>();
            for (RequestObserver observer : List.of(first, second)) {
                if (observer instanceof FanOut fanOut) {
                    all.addAll(List.of(fanOut.observers));
                }
                else {
                    all.add(observer);
                }
            }
            return new FanOut(all.toArray(RequestObserver[]::new));
        }

        @Override
        public void onRequest(Operation operation, long bytes, long nanos, int errno) {
            for (RequestObserver observer : this.observers) {
                observer.onRequest(operation, bytes, nanos, errno);
            }
        }

    }

}
