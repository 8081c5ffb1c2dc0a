package io.bdus.spring.boot.autoconfigure;

import java.util.LinkedHashMap;
import java.util.Map;

import io.bdus.driver.rados.InvalidRadosSettingsException;
import io.bdus.driver.rados.RadosDriver;
import io.bdus.driver.rados.RadosSettings;
import io.bdus.spring.boot.autoconfigure.BdusProperties.Device;
import io.bdus.spring.boot.autoconfigure.DeviceSettings.Setting;

import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.BeanDefinitionRegistryPostProcessor;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.EnvironmentAware;
import org.springframework.core.env.Environment;
import org.springframework.util.unit.DataSize;

/**
 * Registers a {@link RadosDriver} bean, {@code bdusRadosDriver.<device>}, for every device
 * whose own properties name a RADOS image ({@code bdus.devices.<name>.rados.pool} or
 * {@code .image}), before any bean is created. The device then finds its driver like any
 * driver bean: replacing it, ordering the shutdown after the device and the control socket
 * work as for a bean the application declares.
 */
final class RadosDriverBeans implements BeanDefinitionRegistryPostProcessor, EnvironmentAware {

    private static final String PREFIX = "bdusRadosDriver.";

    private Environment environment;

    @Override
    public void setEnvironment(Environment environment) {
        this.environment = environment;
    }

    /**
     * Name of the driver bean of a device served from RADOS.
     * @param device the device name
     * @return the bean name
     */
    static String beanName(String device) {
        return PREFIX + device;
    }

    /**
     * Whether a bean is the RADOS driver of some device, which no other device may use.
     * @param bean the bean name
     * @return whether it is
     */
    static boolean isDeviceDriver(String bean) {
        return bean.startsWith(PREFIX);
    }

    @Override
    public void postProcessBeanDefinitionRegistry(BeanDefinitionRegistry registry) {
        Binder binder = Binder.get(this.environment);
        Map<String, Device> devices = binder.bind(DeviceSettings.DEVICES, Bindable.mapOf(String.class, Device.class))
            .orElseGet(LinkedHashMap::new);
        Device defaults = binder.bind(DeviceSettings.DEFAULTS, Device.class).orElseGet(Device::new);
        devices.forEach((name, device) -> {
            DeviceSettings settings = new DeviceSettings(name, device, defaults);
            if (settings.servedFromRados() && !registry.containsBeanDefinition(beanName(name))) {
                RootBeanDefinition definition = new RootBeanDefinition(RadosDriver.class,
                        () -> new RadosDriver(settings(settings)));
                registry.registerBeanDefinition(beanName(name), definition);
            }
        });
    }

    /**
     * The RADOS settings of a device.
     * @param settings the device's settings
     * @return the RADOS settings
     * @throws InvalidBdusConfigurationException naming the property of the first invalid one
     */
    static RadosSettings settings(DeviceSettings settings) {
        Setting<String> pool = settings.radosPool();
        if (pool.value() == null || pool.value().isBlank()) {
            throw new InvalidBdusConfigurationException(pool.property(), "(not set)", "the name of a RADOS pool",
                    "Set '" + pool.property() + "' to the pool that holds the device's image, e.g. rbd.");
        }
        try {
            return RadosSettings.builder(pool.value(), settings.radosImage().value())
                .objectSize(bytes(settings.radosObjectSize().value()))
                .cephConf(settings.radosCephConf().value())
                .client(settings.radosClient().value())
                .keyring(settings.radosKeyring().value())
                .operationTimeout(settings.radosOperationTimeout().value())
                .breakLock(Boolean.TRUE.equals(settings.radosBreakLock().value()))
                .build();
        }
        catch (InvalidRadosSettingsException ex) {
            Setting<?> setting = settings.byField("rados." + ex.field());
            String property = (setting != null) ? setting.property() : settings.ownProperty("rados." + ex.field());
            Object value = (setting != null && setting.configured()) ? setting.value() : ex.value();
            throw new InvalidBdusConfigurationException(property, value, ex.allowed(),
                    "Change '" + property + "' to " + ex.allowed() + ".", ex);
        }
    }

    private static int bytes(DataSize size) {
        long bytes = size.toBytes();
        return (bytes < 0 || bytes > Integer.MAX_VALUE) ? -1 : (int) bytes;
    }

}
