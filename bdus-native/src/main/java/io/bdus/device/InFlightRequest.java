package io.bdus.device;

import io.bdus.driver.Operation;
import java.time.Duration;

/**
 * A request inside the driver right now.
 *
 * @param operation its type
 * @param offset where it starts, in bytes
 * @param length how many bytes it covers
 * @param age how long it has been in the driver
 */
public record InFlightRequest(Operation operation, long offset, long length, Duration age) {

    @Override
    public String toString() {
        return this.operation.tag() + " of " + this.length + " bytes at offset " + this.offset + ", in the driver for "
                + this.age.toMillis() + " ms";
    }
}
