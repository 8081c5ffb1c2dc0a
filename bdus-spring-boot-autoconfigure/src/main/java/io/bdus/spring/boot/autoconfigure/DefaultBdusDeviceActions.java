package io.bdus.spring.boot.autoconfigure;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

import io.bdus.device.BlockDevice;
import io.bdus.device.DeviceInUseException;
import io.bdus.driver.BlockDriver;
import io.bdus.linux.BlockDeviceUsers;
import io.bdus.spring.boot.BdusDeviceActions;
import io.bdus.spring.boot.BdusDeviceReplacedEvent;
import io.bdus.spring.boot.ManagedDevice;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.context.ApplicationEventPublisher;
import org.springframework.core.log.LogMessage;

/**
 * Flush, replace, detach and destroy on the registry's devices, each within one deadline: waiting
 * for another action on the same device counts against it.
 */
final class DefaultBdusDeviceActions implements BdusDeviceActions {

    private static final Log logger = LogFactory.getLog(DefaultBdusDeviceActions.class);

    private final DefaultBdusDeviceRegistry registry;

    private final DriverBeans drivers;

    private final DeviceStopper stopper;

    private final ApplicationEventPublisher publisher;

    private final Duration replaceTimeout;

    private final Duration detachTimeout;

    /**
     * @param registry the devices
     * @param drivers where driver beans come from
     * @param kept where devices are recorded
     * @param publisher where events go
     * @param replaceTimeout how long a replace may take
     * @param detachTimeout how long a detach may take
     */
    DefaultBdusDeviceActions(DefaultBdusDeviceRegistry registry, DriverBeans drivers, KeptDevices kept,
            ApplicationEventPublisher publisher, Duration replaceTimeout, Duration detachTimeout) {
        this.registry = registry;
        this.drivers = drivers;
        this.stopper = new DeviceStopper(kept);
        this.publisher = publisher;
        this.replaceTimeout = replaceTimeout;
        this.detachTimeout = detachTimeout;
    }

    @Override
    public void flush(String name) throws IOException {
        DeviceHandle handle = this.registry.handle(name);
        handle.serving().flush(handle.flushTimeout());
    }

    @Override
    public ManagedDevice replace(String name, @Nullable String driverBean) throws IOException {
        DeviceHandle handle = this.registry.handle(name);
        Deadline deadline = Deadline.in(this.replaceTimeout);
        handle.lock(deadline, "replace the driver of");
        try {
            BlockDevice device = handle.serving();
            String beanName = (driverBean != null && !driverBean.isBlank()) ? driverBean : handle.driverBean();
            if (!this.drivers.isDriver(beanName)) {
                throw new IllegalArgumentException("No BlockDriver bean named '" + beanName + "'; BlockDriver beans: "
                        + String.join(", ", this.drivers.names()));
            }
            BlockDriver next = this.drivers.get(beanName);
            boolean sameInstance = device.driver() == next;
            if (!sameInstance && !this.drivers.isPrototype(beanName) && servesAnother(handle, next)) {
                throw new IllegalArgumentException("Bean '" + beanName + "' already serves another device");
            }
            device.replaceDriver(next, deadline.left());
            handle.driverBean(beanName);
            logger.info(LogMessage.format("bdus device '%s' at %s: driver bean '%s' took over (%s, generation %d)",
                    name, device.path(), beanName, sameInstance ? "same instance re-initialized" : "new instance",
                    device.generation()));
            this.publisher.publishEvent(new BdusDeviceReplacedEvent(handle, device.generation(), beanName,
                    BdusDeviceReplacedEvent.PLANNED));
            return handle;
        }
        finally {
            handle.unlock();
        }
    }

    private boolean servesAnother(DeviceHandle self, BlockDriver bean) {
        return this.registry.handles().stream().anyMatch((other) -> other != self && other.driver() == bean);
    }

    @Override
    public String detach(String name, boolean force) {
        DeviceHandle handle = this.registry.handle(name);
        Deadline deadline = Deadline.in(this.detachTimeout);
        handle.lock(deadline, "detach");
        try {
            BlockDevice device = handle.serving();
            if (device.canDetach()) {
                handle.detachedByOperator();
                String id = this.stopper.detach(handle, device, deadline);
                return "Device '" + name + "' left in place without a driver (handle " + id
                        + "); the next start of the application attaches to it";
            }
            String cannotKeep = "the " + device.transportName() + " transport cannot leave "
                    + (device.spec().recoverable() ? "a" : "a non-recoverable") + " device without a driver";
            List<String> users = BlockDeviceUsers.of(device.path());
            if (!users.isEmpty()) {
                if (!force) {
                    throw new DeviceInUseException(name, device.path(), users,
                            cannotKeep + ", so detaching would tear it down and fail their I/O",
                            "Unmount it and stop the processes using it, then detach again; or repeat the action "
                                    + "with \"force\": true to tear it down anyway.");
                }
                logger.warn(LogMessage.format("bdus device '%s' at %s: forced detach tears it down while in use (%s)",
                        name, device.path(), String.join("; ", users)));
            }
            handle.detachedByOperator();
            this.stopper.flushAndStop(handle, device, deadline);
            return cannotKeep.substring(0, 1).toUpperCase(Locale.ROOT) + cannotKeep.substring(1) + "; device '"
                    + name + "' was flushed and torn down";
        }
        finally {
            handle.unlock();
        }
    }

    @Override
    public String destroy(String name, boolean flush, boolean force) {
        DeviceHandle handle = this.registry.handle(name);
        Deadline deadline = Deadline.in(this.detachTimeout);
        handle.lock(deadline, "destroy");
        try {
            BlockDevice device = handle.serving();
            List<String> users = BlockDeviceUsers.of(device.path());
            if (!users.isEmpty()) {
                if (!force) {
                    throw new DeviceInUseException(name, device.path(), users,
                            "destroying it would fail their I/O",
                            "Unmount it and stop the processes using it, then destroy it again; or force it.");
                }
                logger.warn(LogMessage.format("bdus device '%s' at %s: forced destroy while in use (%s)", name,
                        device.path(), String.join("; ", users)));
            }
            handle.detachedByOperator();
            if (flush) {
                this.stopper.flushAndStop(handle, device, deadline);
            }
            else {
                this.stopper.stopWithoutFlush(handle, device, deadline);
            }
            return "Device '" + name + "' at " + device.path() + (flush ? " was flushed and" : " was")
                    + " torn down";
        }
        finally {
            handle.unlock();
        }
    }

}
