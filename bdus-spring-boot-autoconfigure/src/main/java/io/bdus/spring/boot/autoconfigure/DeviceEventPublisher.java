package io.bdus.spring.boot.autoconfigure;

import io.bdus.device.BlockDevice;
import io.bdus.device.DeviceListener;
import io.bdus.spring.boot.BdusDeviceFailedEvent;
import io.bdus.spring.boot.BdusDeviceStoppedEvent;

import org.springframework.context.ApplicationEventPublisher;

/**
 * Turns what a device reports about itself into application events (stopped, failed), and
 * hands it its request observers before its first request.
 */
final class DeviceEventPublisher implements DeviceListener {

    private final DeviceHandle handle;

    private final RequestObservers observers;

    private final ApplicationEventPublisher publisher;

    DeviceEventPublisher(DeviceHandle handle, RequestObservers observers, ApplicationEventPublisher publisher) {
        this.handle = handle;
        this.observers = observers;
        this.publisher = publisher;
    }

    /** Observers (metrics) see requests from the first one on, the partition scan included. */
    @Override
    public void starting(BlockDevice device) {
        this.observers.applyTo(device);
    }

    @Override
    public void stopped(BlockDevice device) {
        this.publisher.publishEvent(new BdusDeviceStoppedEvent(this.handle));
    }

    @Override
    public void failed(BlockDevice device, Throwable cause) {
        this.publisher.publishEvent(new BdusDeviceFailedEvent(this.handle, cause));
    }

}
