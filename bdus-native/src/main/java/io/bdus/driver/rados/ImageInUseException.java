package io.bdus.driver.rados;

import java.io.IOException;

/** An image is served by another device (in this process or elsewhere); says who and what to do. */
public class ImageInUseException extends IOException {

    private static final long serialVersionUID = 1L;

    public ImageInUseException(String message) {
        super(message);
    }
}
