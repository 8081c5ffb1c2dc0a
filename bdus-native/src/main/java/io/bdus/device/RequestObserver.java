package io.bdus.device;

import io.bdus.driver.Operation;

/**
 * Sees every completed request of a device, on the thread that answers it (a serving
 * thread, or the thread on which an asynchronous driver completed it); for metrics. Must be
 * fast, must not allocate, must not throw, and may be called from several threads at once.
 */
@FunctionalInterface
public interface RequestObserver {

    RequestObserver NONE = (operation, bytes, nanos, errno) -> {
    };

    /**
     * @param operation what was served
     * @param bytes bytes it covered
     * @param nanos time spent in the driver
     * @param errno 0 on success, otherwise the errno the client got
     */
    void onRequest(Operation operation, long bytes, long nanos, int errno);
}
