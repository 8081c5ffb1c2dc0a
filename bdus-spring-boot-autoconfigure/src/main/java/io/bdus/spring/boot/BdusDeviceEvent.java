package io.bdus.spring.boot;

import org.springframework.context.ApplicationEvent;

/**
 * Something happened to a block device. The source is the {@link ManagedDevice}.
 */
public abstract class BdusDeviceEvent extends ApplicationEvent {

    private static final long serialVersionUID = 1L;

    protected BdusDeviceEvent(ManagedDevice device) {
        super(device);
    }

    /**
     * The device.
     * @return the device
     */
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
