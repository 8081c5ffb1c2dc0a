package io.bdus.spring.boot.autoconfigure;

/**
 * A block device appeared and serves clients.
 */
public class BdusDeviceStartedEvent extends BdusDeviceEvent {

    private static final long serialVersionUID = 1L;

    public BdusDeviceStartedEvent(ManagedDevice device) {
        super(device);
    }

}
