package io.bdus.spring.boot;

/**
 * A block device appeared and serves clients. Published once every device has started.
 */
public class BdusDeviceStartedEvent extends BdusDeviceEvent {

    private static final long serialVersionUID = 1L;

    public BdusDeviceStartedEvent(ManagedDevice device) {
        super(device);
    }

}
