package io.bdus.device;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Which requests are inside the driver and since when, one entry per transport request
 * (registered the first time it is served, reused after), so that a stuck request can be
 * named whichever thread holds it or will complete it. Entering and leaving are a few plain
 * writes and one volatile write each, and allocate nothing.
 */
final class InFlightRequests {

    private final List<DriverCall> calls = new CopyOnWriteArrayList<>();

    void register(DriverCall call) {
        this.calls.add(call);
    }

    void unregister(DriverCall call) {
        this.calls.remove(call);
    }

    /** The request that has been in the driver longest, if any. */
    Optional<InFlightRequest> oldest() {
        long now = System.nanoTime();
        InFlightRequest oldest = null;
        for (DriverCall call : this.calls) {
            InFlightRequest request = call.snapshot(now);
            if (request != null && (oldest == null || request.age().compareTo(oldest.age()) > 0)) {
                oldest = request;
            }
        }
        return Optional.ofNullable(oldest);
    }
}
