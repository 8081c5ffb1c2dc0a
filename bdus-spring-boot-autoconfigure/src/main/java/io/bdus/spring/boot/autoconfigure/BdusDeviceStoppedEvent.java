package io.bdus.spring.boot.autoconfigure;

/**
 * A block device was torn down on request (application shutdown or detach).
 */
public class BdusDeviceStoppedEvent extends BdusDeviceEvent {

    private static final long serialVersionUID = 1L;

    public BdusDeviceStoppedEvent(ManagedDevice device) {
        super(device);
    }

}
