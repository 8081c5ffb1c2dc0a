package io.bdus.transport;

/**
 * How the runtime serves a device, so that a transport can size what it prepares: the
 * runtime opens {@code channels} channels, each served by one thread, and has at most
 * {@code requestsInFlight} requests in the driver at once (a blocking driver: one per
 * channel; an asynchronous driver: up to the device's queue depth). A transport keeps that
 * many requests, each with its own payload buffer, and no more.
 *
 * @param channels serving threads, at least 1
 * @param requestsInFlight requests in flight at once, from {@code channels} to 256
 */
public record ServingPlan(int channels, int requestsInFlight) {

    /** The most requests a device may have in flight (the largest queue depth). */
    public static final int MAX_REQUESTS_IN_FLIGHT = 256;

    public ServingPlan {
        if (channels < 1 || requestsInFlight < channels || requestsInFlight > MAX_REQUESTS_IN_FLIGHT) {
            throw new IllegalArgumentException("A serving plan needs 1 <= channels <= requests in flight <= "
                    + MAX_REQUESTS_IN_FLIGHT + ", was " + channels + " channels, " + requestsInFlight
                    + " requests in flight");
        }
    }

    /** Blocking serving: one request in flight per channel. */
    public static ServingPlan blocking(int channels) {
        return new ServingPlan(channels, channels);
    }
}
