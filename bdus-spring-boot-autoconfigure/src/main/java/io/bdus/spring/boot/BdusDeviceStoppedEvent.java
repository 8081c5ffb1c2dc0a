package io.bdus.spring.boot;

/**
 * A block device stopped serving on request: torn down, or left in place without a driver
 * (application shutdown or detach).
 */
public class BdusDeviceStoppedEvent extends BdusDeviceEvent {

    private static final long serialVersionUID = 1L;

    public BdusDeviceStoppedEvent(ManagedDevice device) {
        super(device);
    }

}
