package io.bdus.device;

import java.io.IOException;

/** A device could not be created (or attached); nothing of it is left behind. */
public class DeviceStartException extends IOException {

    private static final long serialVersionUID = 1L;

    private final String stage;

    public DeviceStartException(String message, Throwable cause) {
        this(message, null, cause);
    }

    /**
     * @param stage what the start was doing when it failed ("initializing the driver",
     *        "creating the device", "waiting for the device to appear"), or {@code null}
     */
    public DeviceStartException(String message, String stage, Throwable cause) {
        super(message, cause);
        this.stage = stage;
    }

    /** What the start was doing when it failed, or {@code null} when not known. */
    public String stage() {
        return this.stage;
    }
}
