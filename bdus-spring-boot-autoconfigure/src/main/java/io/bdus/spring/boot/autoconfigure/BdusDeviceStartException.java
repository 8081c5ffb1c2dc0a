package io.bdus.spring.boot.autoconfigure;

import java.time.Duration;
import java.time.temporal.ChronoUnit;

import io.bdus.device.DeviceStartException;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.convert.DurationStyle;

/**
 * A configured device could not start; {@link BdusDeviceStartFailureAnalyzer} reports it
 * with the device, the stage the start was in, and, when it ran out of time, the property
 * to raise.
 */
public class BdusDeviceStartException extends DeviceStartException {

    private static final long serialVersionUID = 1L;

    /** The property that bounds start-up. */
    public static final String TIMEOUT_PROPERTY = "bdus.start-timeout";

    private final String device;

    private final boolean timedOut;

    private final Duration timeout;

    BdusDeviceStartException(String device, @Nullable String stage, boolean timedOut, Duration timeout,
            String message, @Nullable Throwable cause) {
        super(message, stage, cause);
        this.device = device;
        this.timedOut = timedOut;
        this.timeout = timeout;
    }

    /** Wraps what the runtime reported. */
    BdusDeviceStartException(String device, boolean timedOut, Duration timeout, DeviceStartException cause) {
        this(device, cause.stage(), timedOut, timeout, cause.getMessage(), cause);
    }

    /**
     * A duration as it would be configured: {@code 60s}, {@code 1500ms}.
     * @param duration the duration
     * @return the text
     */
    static String text(Duration duration) {
        return (duration.toMillis() % 1000 == 0) ? DurationStyle.SIMPLE.print(duration, ChronoUnit.SECONDS)
                : DurationStyle.SIMPLE.print(duration, ChronoUnit.MILLIS);
    }

    /**
     * Name of the device.
     * @return the device name
     */
    public String device() {
        return this.device;
    }

    /**
     * Whether the start ran out of time ({@link #TIMEOUT_PROPERTY}).
     * @return whether it timed out
     */
    public boolean timedOut() {
        return this.timedOut;
    }

    /**
     * The start timeout in force.
     * @return the timeout
     */
    public Duration timeout() {
        return this.timeout;
    }

}
