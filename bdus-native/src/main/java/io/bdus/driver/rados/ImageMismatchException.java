package io.bdus.driver.rados;

import java.io.IOException;

/** An existing image's header disagrees with the configuration; names both values. */
public class ImageMismatchException extends IOException {

    private static final long serialVersionUID = 1L;

    public ImageMismatchException(String message) {
        super(message);
    }
}
