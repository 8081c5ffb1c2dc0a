package io.bdus.spring.boot;

/**
 * Adjusts each device before it is created, after its properties and {@code bdus.defaults}
 * are applied and every {@link BdusDeviceRegistrar} has run. Declare it as a bean; several
 * run in {@link org.springframework.core.annotation.Order @Order} /
 * {@link org.springframework.core.Ordered Ordered} order.
 */
@FunctionalInterface
public interface BdusDeviceCustomizer {

    /**
     * Adjusts one device.
     * @param device the device, changeable
     */
    void customize(BdusDeviceDefinition device);

}
