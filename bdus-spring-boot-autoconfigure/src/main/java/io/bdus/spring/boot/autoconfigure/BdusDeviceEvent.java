package io.bdus.spring.boot.autoconfigure;

import org.springframework.context.ApplicationEvent;

/**
 * Something happened to a configured block device. The source is the {@link ManagedDevice}.
 */
public abstract class BdusDeviceEvent extends ApplicationEvent {

    private static final long serialVersionUID = 1L;

    protected BdusDeviceEvent(ManagedDevice device) {
        super(device);
    }

    public ManagedDevice getDevice() {
        return (ManagedDevice) getSource();
    }

    /**
     * Name of the device.
     * @return the device name
     */
    public String getDeviceName() {
        return getDevice().name();
    }

}
