package io.bdus.transport;

import java.io.IOException;

/** {@link Transport#attach} found no device behind the handle: it was destroyed meanwhile. */
public class DeviceGoneException extends IOException {

    private static final long serialVersionUID = 1L;

    public DeviceGoneException(String message, Throwable cause) {
        super(message, cause);
    }
}
