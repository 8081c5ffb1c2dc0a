package io.bdus.spring.boot.autoconfigure;

import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

import io.bdus.device.DeviceSpec;
import io.bdus.device.InvalidDeviceSpecException;
import io.bdus.driver.BlockDriver;

import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.NoSuchBeanDefinitionException;
import org.springframework.util.unit.DataSize;

/**
 * Turns {@code bdus.devices.*} into {@link DevicePlan}s: maps each device to a
 * {@link DeviceSpec} (which checks the ranges) and finds the {@link BlockDriver} bean that
 * serves it. Every problem becomes an {@link InvalidBdusConfigurationException} naming the
 * property.
 */
final class DevicePlans {

    private DevicePlans() {
    }

    static Map<String, DevicePlan> from(BdusProperties properties, ListableBeanFactory beanFactory) {
        String[] drivers = beanFactory.getBeanNamesForType(BlockDriver.class, true, false);
        Map<String, DevicePlan> plans = new LinkedHashMap<>();
        Map<String, String> singletonUsers = new HashMap<>();
        properties.getDevices().forEach((name, device) -> {
            DeviceSpec spec = spec(name, device);
            String driverBean = driverBean(name, device.getDriver(), drivers, beanFactory);
            String previousUser = beanFactory.isPrototype(driverBean) ? null
                    : singletonUsers.putIfAbsent(driverBean, name);
            if (previousUser != null) {
                throw new InvalidBdusConfigurationException(property(name, "driver"), driverBean,
                        "a BlockDriver bean that serves no other device",
                        "Bean '" + driverBean + "' already serves device '" + previousUser
                                + "'. Declare one BlockDriver bean per device, make the bean prototype-scoped, "
                                + "or set '" + property(name, "driver") + "' to another bean.");
            }
            plans.put(name, new DevicePlan(spec, driverBean, device.isKeepOnShutdown()));
        });
        return plans;
    }

    static DeviceSpec spec(String name, BdusProperties.Device device) {
        if (device.getSize() == null) {
            throw new InvalidBdusConfigurationException(property(name, "size"), "(not set)",
                    "a positive multiple of the logical block size, e.g. 256MB",
                    "Set '" + property(name, "size") + "', e.g. to 256MB.");
        }
        try {
            DeviceSpec.Builder builder = DeviceSpec.builder(name, device.getSize().toBytes())
                .logicalBlockSize(bytes(name, "logical-block-size", device.getLogicalBlockSize()))
                .maxRequestSize(bytes(name, "max-request-size", device.getMaxRequestSize()))
                .maxConcurrentRequests(device.getMaxConcurrentRequests())
                .readOnly(device.isReadOnly())
                .rotational(device.isRotational())
                .recoverable(device.isRecoverable())
                .partitionScanning(device.isPartitionScanning())
                .requestTimeout(device.getRequestTimeout());
            if (device.getPhysicalBlockSize() != null) {
                builder.physicalBlockSize(bytes(name, "physical-block-size", device.getPhysicalBlockSize()));
            }
            return builder.build();
        }
        catch (InvalidDeviceSpecException ex) {
            if ("name".equals(ex.field())) {
                throw new InvalidBdusConfigurationException("bdus.devices", name, "device names of " + ex.allowed(),
                        "Rename the device '" + name + "' under 'bdus.devices' to " + ex.allowed() + ".", ex);
            }
            String property = property(name, ex.field());
            throw new InvalidBdusConfigurationException(property, configuredValue(device, ex), ex.allowed(),
                    "Change '" + property + "' to " + ex.allowed() + ".", ex);
        }
    }

    private static Object configuredValue(BdusProperties.Device device, InvalidDeviceSpecException ex) {
        return switch (ex.field()) {
            case "size" -> device.getSize();
            case "logical-block-size" -> device.getLogicalBlockSize();
            case "physical-block-size" ->
                (device.getPhysicalBlockSize() != null) ? device.getPhysicalBlockSize() : ex.value() + "B (default)";
            case "max-request-size" -> device.getMaxRequestSize();
            case "max-concurrent-requests" -> device.getMaxConcurrentRequests();
            case "request-timeout" -> device.getRequestTimeout();
            default -> ex.value();
        };
    }

    private static int bytes(String name, String field, DataSize size) {
        if (size == null) {
            throw new InvalidBdusConfigurationException(property(name, field), "(empty)", "a size such as 4KB");
        }
        long bytes = size.toBytes();
        if (bytes < 0 || bytes > Integer.MAX_VALUE) {
            // Out of int range: let DeviceSpec report the range using the clamped value.
            return (bytes < 0) ? -1 : Integer.MAX_VALUE;
        }
        return (int) bytes;
    }

    static String driverBean(String name, String configured, String[] drivers, ListableBeanFactory beanFactory) {
        String property = property(name, "driver");
        if (configured != null && !configured.isBlank()) {
            if (!beanFactory.containsBean(configured)) {
                throw new InvalidBdusConfigurationException(property, configured, beanList(drivers),
                        "Set '" + property + "' to the name of a BlockDriver bean" + choice(drivers)
                                + ", or declare a BlockDriver bean named '" + configured + "'.");
            }
            if (!beanFactory.isTypeMatch(configured, BlockDriver.class)) {
                throw new InvalidBdusConfigurationException(property, configured, beanList(drivers),
                        "Bean '" + configured + "' is a " + typeOf(configured, beanFactory)
                                + ", not an io.bdus.driver.BlockDriver. Set '" + property
                                + "' to the name of a BlockDriver bean" + choice(drivers) + ".");
            }
            return configured;
        }
        if (Arrays.asList(drivers).contains(name)) {
            return name;
        }
        if (drivers.length == 1) {
            return drivers[0];
        }
        if (drivers.length == 0) {
            throw new InvalidBdusConfigurationException(property, "(not set)", "the name of a BlockDriver bean",
                    "Declare a bean of type io.bdus.driver.BlockDriver (e.g. an io.bdus.driver.ram.RamDiskDriver) "
                            + "named '" + name + "', or set '" + property + "' to the name of one.");
        }
        throw new InvalidBdusConfigurationException(property, "(not set)", beanList(drivers),
                "There are several BlockDriver beans and none is named '" + name + "'. Set '" + property
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

    static String property(String device, String field) {
        return "bdus.devices." + device + "." + field;
    }

}
