package io.bdus.spring.boot.autoconfigure;

import io.bdus.driver.BlockDriver;

import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;

/**
 * The {@link BlockDriver} beans devices use. Each one handed out is recorded as a
 * dependency of the bean that runs the devices, so that the container destroys a driver
 * bean only after the devices it serves are stopped.
 */
final class DriverBeans {

    private final ConfigurableListableBeanFactory beanFactory;

    private final String user;

    /**
     * @param beanFactory where the beans are
     * @param user name of the bean that runs the devices
     */
    DriverBeans(ConfigurableListableBeanFactory beanFactory, String user) {
        this.beanFactory = beanFactory;
        this.user = user;
    }

    /** Records that the devices use a bean, before it is even created. */
    void dependOn(String driverBean) {
        this.beanFactory.registerDependentBean(driverBean, this.user);
    }

    /**
     * A driver bean, for a device to use.
     * @throws org.springframework.beans.BeansException if it cannot be had
     */
    BlockDriver get(String driverBean) {
        dependOn(driverBean);
        return this.beanFactory.getBean(driverBean, BlockDriver.class);
    }

    boolean isDriver(String bean) {
        return this.beanFactory.containsBean(bean) && this.beanFactory.isTypeMatch(bean, BlockDriver.class);
    }

    boolean isPrototype(String bean) {
        return this.beanFactory.isPrototype(bean);
    }

    String[] names() {
        return this.beanFactory.getBeanNamesForType(BlockDriver.class, true, false);
    }

}
