package io.bdus.spring.boot.autoconfigure;

import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Function;

import io.bdus.driver.rados.RadosSettings;
import io.bdus.spring.boot.autoconfigure.BdusProperties.Device;
import org.jspecify.annotations.Nullable;

import org.springframework.util.unit.DataSize;

/**
 * The settings of one device under {@code bdus.devices}: each is the device's own value,
 * else the one under {@code bdus.defaults}, else the built-in default; and each knows the
 * property it came from, so that a problem names what to change.
 */
final class DeviceSettings {

    static final String DEVICES = "bdus.devices";

    static final String DEFAULTS = "bdus.defaults";

    private final String name;

    private final Device device;

    private final Device defaults;

    DeviceSettings(String name, Device device, Device defaults) {
        this.name = name;
        this.device = device;
        this.defaults = defaults;
    }

    String name() {
        return this.name;
    }

    Setting<String> driver() {
        return setting("driver", Device::getDriver, null);
    }

    Setting<DataSize> size() {
        return setting("size", Device::getSize, null);
    }

    Setting<DataSize> logicalBlockSize() {
        return setting("logical-block-size", Device::getLogicalBlockSize, DataSize.ofBytes(512));
    }

    Setting<DataSize> physicalBlockSize() {
        return setting("physical-block-size", Device::getPhysicalBlockSize, null);
    }

    Setting<DataSize> maxRequestSize() {
        return setting("max-request-size", Device::getMaxRequestSize, DataSize.ofKilobytes(256));
    }

    Setting<Integer> maxConcurrentRequests() {
        return setting("max-concurrent-requests", Device::getMaxConcurrentRequests, 4);
    }

    Setting<Boolean> readOnly() {
        return setting("read-only", Device::getReadOnly, false);
    }

    Setting<Boolean> rotational() {
        return setting("rotational", Device::getRotational, false);
    }

    Setting<Boolean> recoverable() {
        return setting("recoverable", Device::getRecoverable, false);
    }

    Setting<Boolean> keepOnShutdown() {
        return setting("keep-on-shutdown", Device::getKeepOnShutdown, false);
    }

    Setting<Boolean> partitionScanning() {
        return setting("partition-scanning", Device::getPartitionScanning, true);
    }

    Setting<Duration> requestTimeout() {
        return setting("request-timeout", Device::getRequestTimeout, Duration.ofSeconds(30));
    }

    Setting<String> radosPool() {
        return setting("rados.pool", (device) -> device.getRados().getPool(), null);
    }

    Setting<String> radosImage() {
        return setting("rados.image", (device) -> device.getRados().getImage(), this.name);
    }

    Setting<DataSize> radosObjectSize() {
        return setting("rados.object-size", (device) -> device.getRados().getObjectSize(),
                DataSize.ofBytes(RadosSettings.DEFAULT_OBJECT_SIZE));
    }

    Setting<Path> radosCephConf() {
        return setting("rados.ceph-conf", (device) -> device.getRados().getCephConf(), null);
    }

    Setting<String> radosClient() {
        return setting("rados.client", (device) -> device.getRados().getClient(), RadosSettings.DEFAULT_CLIENT);
    }

    Setting<Path> radosKeyring() {
        return setting("rados.keyring", (device) -> device.getRados().getKeyring(), null);
    }

    Setting<Duration> radosOperationTimeout() {
        return setting("rados.operation-timeout", (device) -> device.getRados().getOperationTimeout(),
                RadosSettings.DEFAULT_OPERATION_TIMEOUT);
    }

    Setting<Boolean> radosBreakLock() {
        return setting("rados.break-lock", (device) -> device.getRados().getBreakLock(), false);
    }

    /**
     * Whether the device's own properties name a RADOS image ({@code rados.pool} or
     * {@code rados.image}): then a RadosDriver serves it.
     */
    boolean servedFromRados() {
        return this.device.getRados().getPool() != null || this.device.getRados().getImage() != null;
    }

    /**
     * A setting by its property name.
     * @param field the name under {@code bdus.devices.<name>}, e.g. {@code size}
     * @return the setting, or {@code null} for a name that is not a setting
     */
    @Nullable Setting<?> byField(String field) {
        return switch (field) {
            case "driver" -> driver();
            case "size" -> size();
            case "logical-block-size" -> logicalBlockSize();
            case "physical-block-size" -> physicalBlockSize();
            case "max-request-size" -> maxRequestSize();
            case "max-concurrent-requests" -> maxConcurrentRequests();
            case "read-only" -> readOnly();
            case "rotational" -> rotational();
            case "recoverable" -> recoverable();
            case "keep-on-shutdown" -> keepOnShutdown();
            case "partition-scanning" -> partitionScanning();
            case "request-timeout" -> requestTimeout();
            case "rados.pool" -> radosPool();
            case "rados.image" -> radosImage();
            case "rados.object-size" -> radosObjectSize();
            case "rados.client" -> radosClient();
            case "rados.operation-timeout" -> radosOperationTimeout();
            default -> null;
        };
    }

    /** The device's own property for a setting, e.g. {@code bdus.devices.disk0.size}. */
    String ownProperty(String field) {
        return DEVICES + "." + this.name + "." + field;
    }

    private <T> Setting<T> setting(String field, Function<Device, @Nullable T> getter, @Nullable T builtIn) {
        T own = getter.apply(this.device);
        if (own != null) {
            return new Setting<>(ownProperty(field), own, true);
        }
        T shared = getter.apply(this.defaults);
        if (shared != null) {
            return new Setting<>(DEFAULTS + "." + field, shared, true);
        }
        return new Setting<>(ownProperty(field), builtIn, false);
    }

    /**
     * One setting.
     *
     * @param property the property the value came from, or the device's own property when
     * the value is the built-in default
     * @param value the value, {@code null} when not set and without a built-in default
     * @param configured whether the value was configured rather than built in
     */
    record Setting<T>(String property, @Nullable T value, boolean configured) {

        boolean isSet() {
            return this.value != null;
        }

    }

}
