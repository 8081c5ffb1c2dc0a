package io.bdus.spring.boot.autoconfigure;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.bdus.device.DeviceRecords;
import io.bdus.linux.Owner;
import io.bdus.linux.SupportedPlatform;
import io.bdus.spring.boot.BdusDeviceActions;
import io.bdus.spring.boot.BdusDeviceCustomizer;
import io.bdus.spring.boot.BdusDeviceRegistrar;
import io.bdus.spring.boot.BdusDeviceRegistry;
import io.bdus.transport.Transport;
import io.bdus.transport.fuse.FuseLoopTransport;
import io.bdus.transport.kbdus.KbdusTransport;
import io.bdus.transport.ublk.UblkTransport;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * Auto-configuration for block devices served by {@code BlockDriver} beans: binds
 * {@code bdus.*}, provides the fuse-loop and kbdus transports, the
 * {@link BdusDeviceRegistry}, the {@link BdusDeviceActions} and the lifecycle that runs the
 * devices with the context. {@code bdus.enabled=false} turns it off.
 */
@AutoConfiguration
@ConditionalOnClass(Transport.class)
@ConditionalOnBooleanProperty(name = "bdus.enabled", matchIfMissing = true)
@EnableConfigurationProperties(BdusProperties.class)
public final class BdusAutoConfiguration {

    /** Name of the bean that runs the devices; driver beans are its dependencies. */
    static final String LIFECYCLE_BEAN = "bdusDeviceLifecycle";

    static final Path KBDUS_CONTROL = Path.of("/dev/bdus-control");

    /**
     * A RadosDriver bean for each device whose properties name a RADOS image.
     * @return the post-processor that registers them
     */
    @Bean
    static RadosDriverBeans bdusRadosDriverBeans() {
        return new RadosDriverBeans();
    }

    private static final Duration DEFAULT_SHUTDOWN_TIMEOUT = Duration.ofSeconds(30);

    /**
     * The devices, their lifecycle and the actions on them. Declaring a
     * {@link BdusDeviceRegistry} bean replaces all three.
     */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnMissingBean(BdusDeviceRegistry.class)
    static class Devices {

        @Bean
        DefaultBdusDeviceRegistry bdusDeviceRegistry(BdusProperties properties, ObjectProvider<Transport> transports,
                ConfigurableListableBeanFactory beanFactory, ObjectProvider<BdusDeviceRegistrar> registrars,
                ObjectProvider<BdusDeviceCustomizer> customizers, Environment environment) {
            DevicePlans.positive("bdus.start-timeout", properties.getStartTimeout());
            DevicePlans.positive("bdus.replace-timeout", properties.getReplaceTimeout());
            Map<String, DevicePlan> plans = DevicePlans.from(properties, beanFactory,
                    registrars.orderedStream().toList(), customizers.orderedStream().toList());
            Transport transport = null;
            if (!plans.isEmpty()) {
                // Before anything touches JNA, which cannot load elsewhere.
                SupportedPlatform.check(environment.getProperty("os.name"), environment.getProperty("os.arch"));
                List<Transport> candidates = transports.orderedStream().toList();
                transport = new TransportSelector(KBDUS_CONTROL).select(properties.getTransport(), candidates);
            }
            return new DefaultBdusDeviceRegistry(plans, transport);
        }

        @Bean(LIFECYCLE_BEAN)
        BdusDeviceLifecycle bdusDeviceLifecycle(DefaultBdusDeviceRegistry registry, BdusProperties properties,
                ConfigurableListableBeanFactory beanFactory, ApplicationEventPublisher publisher,
                Environment environment) {
            return new BdusDeviceLifecycle(registry, keptDevices(properties),
                    new DriverBeans(beanFactory, LIFECYCLE_BEAN), publisher, properties.getStartTimeout(),
                    shutdownTimeout(environment));
        }

        @Bean
        @ConditionalOnMissingBean(BdusDeviceActions.class)
        DefaultBdusDeviceActions bdusDeviceActions(DefaultBdusDeviceRegistry registry, BdusProperties properties,
                ConfigurableListableBeanFactory beanFactory, ApplicationEventPublisher publisher,
                Environment environment) {
            return new DefaultBdusDeviceActions(registry, new DriverBeans(beanFactory, LIFECYCLE_BEAN),
                    keptDevices(properties), publisher, properties.getReplaceTimeout(), shutdownTimeout(environment));
        }

        @Bean
        @ConditionalOnBooleanProperty(name = "bdus.control-socket.enabled", matchIfMissing = true)
        ControlSocketLifecycle bdusControlSocket(DefaultBdusDeviceRegistry registry, BdusDeviceActions actions,
                BdusProperties properties) {
            return new ControlSocketLifecycle(properties.getStateDir(), new RegistryControlledDevices(registry,
                    actions));
        }

        private static KeptDevices keptDevices(BdusProperties properties) {
            return new KeptDevices(new DeviceRecords(properties.getStateDir().resolve("devices")));
        }

        private static Duration shutdownTimeout(Environment environment) {
            return Binder.get(environment)
                .bind("spring.lifecycle.timeout-per-shutdown-phase", Duration.class)
                .orElse(DEFAULT_SHUTDOWN_TIMEOUT);
        }

    }

    /**
     * The built-in transports. Declaring any Transport bean replaces all of them.
     */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnMissingBean(Transport.class)
    static class Transports {

        /**
         * The fuse-loop transport, keeping its mounts under {@code <bdus.state-dir>/fuse-loop}.
         * @param properties the bdus properties
         * @return the transport
         */
        @Bean
        FuseLoopTransport fuseLoopTransport(BdusProperties properties) {
            // The application context stops devices in order (after the web server drains).
            return new FuseLoopTransport(properties.getStateDir().resolve(FuseLoopTransport.NAME), false,
                    fuseOwner(properties.getFuse().getOwner()), properties.getFuse().getIoUring());
        }

        private static Owner fuseOwner(String owner) {
            if (owner == null || owner.isBlank()) {
                return Owner.ROOT;
            }
            try {
                return Owner.parse(owner);
            }
            catch (IllegalArgumentException ex) {
                throw new InvalidBdusConfigurationException("bdus.fuse.owner", owner,
                        "user[:group], each a name in /etc/passwd and /etc/group or a number (" + ex.getMessage()
                                + ")",
                        "Set 'bdus.fuse.owner' to an existing user, e.g. 'bdus' or '1000:1000', or remove it so "
                                + "that only root may open the FUSE files.");
            }
        }

        /**
         * The kbdus transport (usable once the kbdus kernel module is loaded).
         * @return the transport
         */
        @Bean
        KbdusTransport kbdusTransport() {
            return new KbdusTransport();
        }

        /**
         * The ublk transport (usable where the kernel's ublk_drv is loaded).
         * @return the transport
         */
        @Bean
        UblkTransport ublkTransport() {
            return new UblkTransport();
        }

    }

}
