package io.bdus.spring.boot;

/**
 * A block device could not start, or stopped serving because of an error.
 */
public class BdusDeviceFailedEvent extends BdusDeviceEvent {

    private static final long serialVersionUID = 1L;

    private final transient Throwable cause;

    public BdusDeviceFailedEvent(ManagedDevice device, Throwable cause) {
        super(device);
        this.cause = cause;
    }

    /**
     * Why the device failed.
     * @return the cause
     */
    public Throwable getCause() {
        return this.cause;
    }

}
