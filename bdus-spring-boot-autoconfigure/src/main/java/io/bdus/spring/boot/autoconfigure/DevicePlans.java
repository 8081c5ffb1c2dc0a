package io.bdus.spring.boot.autoconfigure;

import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.bdus.device.DeviceSpec;
import io.bdus.device.InvalidDeviceSpecException;
import io.bdus.driver.BlockDriver;
import io.bdus.spring.boot.BdusDeviceCustomizer;
import io.bdus.spring.boot.BdusDeviceDefinition;
import io.bdus.spring.boot.BdusDeviceRegistrar;
import io.bdus.spring.boot.autoconfigure.DeviceSettings.Setting;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.NoSuchBeanDefinitionException;
import org.springframework.util.Assert;
import org.springframework.util.unit.DataSize;

/**
 * Turns {@code bdus.devices.*} (with {@code bdus.defaults.*}), the devices of
 * {@link BdusDeviceRegistrar}s and the changes of {@link BdusDeviceCustomizer}s into
 * {@link DevicePlan}s: maps each device to a {@link DeviceSpec} (which checks the ranges) and
 * finds the {@link BlockDriver} bean that serves it. Every problem with a property becomes an
 * {@link InvalidBdusConfigurationException} naming the property the value came from.
 */
final class DevicePlans {

    private DevicePlans() {
    }

    static Map<String, DevicePlan> from(BdusProperties properties, ListableBeanFactory beanFactory) {
        return from(properties, beanFactory, List.of(), List.of());
    }

    static Map<String, DevicePlan> from(BdusProperties properties, ListableBeanFactory beanFactory,
            List<BdusDeviceRegistrar> registrars, List<BdusDeviceCustomizer> customizers) {
        Map<String, DeviceDefinition> definitions = new LinkedHashMap<>();
        properties.getDevices()
            .forEach((name, device) -> definitions.put(name,
                    DeviceDefinition.of(new DeviceSettings(name, device, properties.getDefaults()))));
        BdusDeviceRegistrar.Devices registrations = (spec, driverBean) -> register(definitions, spec, driverBean);
        registrars.forEach((registrar) -> registrar.registerDevices(registrations));
        for (DeviceDefinition definition : definitions.values()) {
            customizers.forEach((customizer) -> customizer.customize(definition));
        }
        // A RADOS-backed device's own driver bean is no candidate for any other device.
        String[] drivers = Arrays.stream(beanFactory.getBeanNamesForType(BlockDriver.class, true, false))
            .filter((bean) -> !RadosDriverBeans.isDeviceDriver(bean))
            .toArray(String[]::new);
        Map<String, DevicePlan> plans = new LinkedHashMap<>();
        Map<String, String> singletonUsers = new HashMap<>();
        definitions.forEach((name, definition) -> {
            String driverBean = driverBean(definition, drivers, beanFactory);
            String previousUser = beanFactory.isPrototype(driverBean) ? null
                    : singletonUsers.putIfAbsent(driverBean, name);
            if (previousUser != null) {
                throw sharedDriver(definition, driverBean, previousUser);
            }
            plans.put(name, definition.plan(driverBean));
        });
        return plans;
    }

    private static BdusDeviceDefinition register(Map<String, DeviceDefinition> definitions, DeviceSpec spec,
            String driverBean) {
        Assert.notNull(spec, "spec must not be null");
        Assert.hasText(driverBean, () -> "A driver bean is needed for device '" + spec.name() + "'");
        if (definitions.containsKey(spec.name())) {
            throw new IllegalArgumentException("A BdusDeviceRegistrar adds device '" + spec.name()
                    + "', but a device of that name exists already");
        }
        DeviceDefinition definition = DeviceDefinition.registered(spec, driverBean);
        definitions.put(spec.name(), definition);
        return definition;
    }

    private static RuntimeException sharedDriver(DeviceDefinition definition, String driverBean, String previousUser) {
        String action = "Bean '" + driverBean + "' already serves device '" + previousUser
                + "'. Declare one BlockDriver bean per device, make the bean prototype-scoped, or ";
        String own = definition.ownDriverProperty();
        if (own == null || (definition.driverProperty() == null && definition.driverBean() != null)) {
            return new IllegalArgumentException("Device '" + definition.name() + "' cannot be served by bean '"
                    + driverBean + "' set in code: " + action + "serve it with another bean.");
        }
        String property = (definition.driverProperty() != null) ? definition.driverProperty() : own;
        return new InvalidBdusConfigurationException(property, driverBean,
                "a BlockDriver bean that serves no other device", action + "set '" + own + "' to another bean.");
    }

    /**
     * The spec of a device under {@code bdus.devices}.
     * @param settings its settings
     * @return the spec
     * @throws InvalidBdusConfigurationException naming the property of the first invalid
     * setting
     */
    static DeviceSpec spec(DeviceSettings settings) {
        String name = settings.name();
        Setting<DataSize> size = settings.size();
        if (size.value() == null) {
            throw new InvalidBdusConfigurationException(size.property(), "(not set)",
                    "a positive multiple of the logical block size, e.g. 256MB",
                    "Set '" + size.property() + "', e.g. to 256MB (or '" + DeviceSettings.DEFAULTS
                            + ".size' for every device).");
        }
        try {
            DeviceSpec.Builder builder = DeviceSpec.builder(name, size.value().toBytes())
                .logicalBlockSize(bytes(settings.logicalBlockSize()))
                .maxRequestSize(bytes(settings.maxRequestSize()))
                .maxConcurrentRequests(value(settings.maxConcurrentRequests()))
                .readOnly(value(settings.readOnly()))
                .rotational(value(settings.rotational()))
                .recoverable(value(settings.recoverable()))
                .partitionScanning(value(settings.partitionScanning()))
                .requestTimeout(value(settings.requestTimeout()));
            Setting<DataSize> physical = settings.physicalBlockSize();
            if (physical.isSet()) {
                builder.physicalBlockSize(bytes(physical));
            }
            return builder.build();
        }
        catch (InvalidDeviceSpecException ex) {
            if ("name".equals(ex.field())) {
                throw new InvalidBdusConfigurationException(DeviceSettings.DEVICES, name,
                        "device names of " + ex.allowed(),
                        "Rename the device '" + name + "' under '" + DeviceSettings.DEVICES + "' to " + ex.allowed()
                                + ".", ex);
            }
            Setting<?> setting = settings.byField(ex.field());
            String property = (setting != null) ? setting.property() : settings.ownProperty(ex.field());
            Object value = (setting != null && setting.configured()) ? setting.value()
                    : ex.value() + (isSize(ex.field()) ? "B" : "") + " (default)";
            throw new InvalidBdusConfigurationException(property, value, ex.allowed(),
                    "Change '" + property + "' to " + ex.allowed() + ".", ex);
        }
    }

    private static boolean isSize(String field) {
        return field.equals("size") || field.endsWith("block-size") || field.equals("max-request-size");
    }

    private static <T> T value(Setting<T> setting) {
        T value = setting.value();
        Assert.state(value != null, () -> "No built-in default for " + setting.property());
        return value;
    }

    private static int bytes(Setting<DataSize> setting) {
        long bytes = value(setting).toBytes();
        if (bytes < 0 || bytes > Integer.MAX_VALUE) {
            // Out of int range: let DeviceSpec report the range using the clamped value.
            return (bytes < 0) ? -1 : Integer.MAX_VALUE;
        }
        return (int) bytes;
    }

    /**
     * Checks a timeout property.
     * @param property the property
     * @param timeout its value
     * @return the value
     * @throws InvalidBdusConfigurationException if it is not positive
     */
    static Duration positive(String property, @Nullable Duration timeout) {
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new InvalidBdusConfigurationException(property, (timeout != null) ? timeout : "(empty)",
                    "a positive duration, e.g. 60s");
        }
        return timeout;
    }

    static String driverBean(DeviceDefinition definition, String[] drivers, ListableBeanFactory beanFactory) {
        String name = definition.name();
        String configured = definition.driverBean();
        String own = definition.ownDriverProperty();
        if (configured != null && !configured.isBlank()) {
            String property = definition.driverProperty();
            String problem = null;
            String action = null;
            if (!beanFactory.containsBean(configured)) {
                problem = "there is no bean named '" + configured + "'";
                action = "Set '" + own + "' to the name of a BlockDriver bean" + choice(drivers)
                        + ", or declare a BlockDriver bean named '" + configured + "'.";
            }
            else if (!beanFactory.isTypeMatch(configured, BlockDriver.class)) {
                problem = "bean '" + configured + "' is a " + typeOf(configured, beanFactory)
                        + ", not an io.bdus.driver.BlockDriver";
                action = "Bean '" + configured + "' is a " + typeOf(configured, beanFactory)
                        + ", not an io.bdus.driver.BlockDriver. Set '" + own
                        + "' to the name of a BlockDriver bean" + choice(drivers) + ".";
            }
            if (problem == null) {
                return configured;
            }
            if (property == null || own == null) {
                throw new IllegalArgumentException("Device '" + name + "' is to be served by bean '" + configured
                        + "' (set in code), but " + problem + "; " + beanList(drivers));
            }
            throw new InvalidBdusConfigurationException(property, configured, beanList(drivers), action);
        }
        if (Arrays.asList(drivers).contains(name)) {
            return name;
        }
        if (drivers.length == 1) {
            return drivers[0];
        }
        if (drivers.length == 0) {
            throw new InvalidBdusConfigurationException(own, "(not set)", "the name of a BlockDriver bean",
                    "Declare a bean of type io.bdus.driver.BlockDriver (e.g. an io.bdus.driver.ram.RamDiskDriver) "
                            + "named '" + name + "', or set '" + own + "' to the name of one.");
        }
        throw new InvalidBdusConfigurationException(own, "(not set)", beanList(drivers),
                "There are several BlockDriver beans and none is named '" + name + "'. Set '" + own
                        + "' to one of " + String.join(", ", drivers) + ".");
    }

    private static String typeOf(String bean, ListableBeanFactory beanFactory) {
        try {
            Class<?> type = beanFactory.getType(bean, false);
            return (type != null) ? type.getName() : "bean of unknown type";
        }
        catch (NoSuchBeanDefinitionException ex) {
            return "bean of unknown type";
        }
    }

    private static String beanList(String[] drivers) {
        return (drivers.length == 0) ? "the name of a BlockDriver bean (there are none)"
                : "the name of a BlockDriver bean: " + String.join(", ", drivers);
    }

    private static String choice(String[] drivers) {
        return (drivers.length == 0) ? "" : " (" + String.join(", ", drivers) + ")";
    }

}
