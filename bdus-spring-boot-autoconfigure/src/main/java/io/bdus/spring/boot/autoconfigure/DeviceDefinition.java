package io.bdus.spring.boot.autoconfigure;

import io.bdus.device.DeviceSpec;
import io.bdus.spring.boot.BdusDeviceDefinition;
import org.jspecify.annotations.Nullable;

import org.springframework.util.Assert;

/**
 * A device being configured, from its properties or a registrar, open to customizers; it
 * remembers which property its driver bean came from, for the report of a bad one.
 */
final class DeviceDefinition implements BdusDeviceDefinition {

    private DeviceSpec spec;

    private @Nullable String driverBean;

    private @Nullable String driverProperty;

    private final @Nullable String ownDriverProperty;

    private boolean keepOnShutdown;

    private DeviceDefinition(DeviceSpec spec, @Nullable String driverBean, @Nullable String driverProperty,
            @Nullable String ownDriverProperty, boolean keepOnShutdown) {
        this.spec = spec;
        this.driverBean = driverBean;
        this.driverProperty = driverProperty;
        this.ownDriverProperty = ownDriverProperty;
        this.keepOnShutdown = keepOnShutdown;
    }

    /** A device under {@code bdus.devices}; every invalid setting fails naming its property. */
    static DeviceDefinition of(DeviceSettings settings) {
        DeviceSettings.Setting<String> driver = settings.driver();
        if (settings.servedFromRados()) {
            String own = settings.ownProperty("driver");
            if (driver.isSet() && driver.property().equals(own)) {
                throw new InvalidBdusConfigurationException(own, driver.value(),
                        "no driver bean for a device served from RADOS",
                        "Device '" + settings.name() + "' names both a driver bean and a RADOS image. Remove '" + own
                                + "', or remove the '" + settings.ownProperty("rados") + ".*' settings.");
            }
            RadosDriverBeans.settings(settings);
            return new DeviceDefinition(DevicePlans.spec(settings), RadosDriverBeans.beanName(settings.name()), null,
                    own, Boolean.TRUE.equals(settings.keepOnShutdown().value()));
        }
        return new DeviceDefinition(DevicePlans.spec(settings), driver.value(),
                driver.isSet() ? driver.property() : null, settings.ownProperty("driver"),
                Boolean.TRUE.equals(settings.keepOnShutdown().value()));
    }

    /** A device a registrar added. */
    static DeviceDefinition registered(DeviceSpec spec, String driverBean) {
        return new DeviceDefinition(spec, driverBean, null, null, false);
    }

    @Override
    public String name() {
        return this.spec.name();
    }

    @Override
    public DeviceSpec spec() {
        return this.spec;
    }

    @Override
    public void spec(DeviceSpec spec) {
        Assert.notNull(spec, "spec must not be null");
        Assert.isTrue(spec.name().equals(name()),
                () -> "A customizer cannot rename device '" + name() + "' (to '" + spec.name() + "')");
        this.spec = spec;
    }

    @Override
    public @Nullable String driverBean() {
        return this.driverBean;
    }

    @Override
    public void driverBean(String driverBean) {
        Assert.hasText(driverBean, "driverBean must not be empty");
        this.driverBean = driverBean;
        this.driverProperty = null;
    }

    /**
     * The property the driver bean name came from.
     * @return the property, or {@code null} when it was set in code (or not set)
     */
    @Nullable String driverProperty() {
        return this.driverProperty;
    }

    /**
     * The device's own {@code driver} property.
     * @return the property, or {@code null} for a device a registrar added
     */
    @Nullable String ownDriverProperty() {
        return this.ownDriverProperty;
    }

    @Override
    public boolean keepOnShutdown() {
        return this.keepOnShutdown;
    }

    @Override
    public void keepOnShutdown(boolean keepOnShutdown) {
        this.keepOnShutdown = keepOnShutdown;
    }

    DevicePlan plan(String driverBean) {
        return new DevicePlan(this.spec, driverBean, this.keepOnShutdown);
    }

}
