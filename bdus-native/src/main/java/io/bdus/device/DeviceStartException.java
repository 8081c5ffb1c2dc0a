package io.bdus.device;

import java.io.IOException;

/** A device could not be created; nothing of it is left behind. */
public class DeviceStartException extends IOException {

    private static final long serialVersionUID = 1L;

    public DeviceStartException(String message, Throwable cause) {
        super(message, cause);
    }
}
