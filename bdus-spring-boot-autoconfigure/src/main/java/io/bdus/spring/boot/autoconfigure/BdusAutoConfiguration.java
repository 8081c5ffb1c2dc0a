package io.bdus.spring.boot.autoconfigure;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.bdus.device.DeviceRecords;
import io.bdus.linux.Owner;
import io.bdus.transport.Transport;
import io.bdus.transport.fuse.FuseLoopTransport;
import io.bdus.transport.kbdus.KbdusTransport;

import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.ObjectProvider;
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
 * {@code bdus.*}, provides the fuse-loop and kbdus transports and the {@link BdusDevices}
 * lifecycle.
 * {@code bdus.enabled=false} turns it off.
 */
@AutoConfiguration
@ConditionalOnClass(Transport.class)
@ConditionalOnBooleanProperty(name = "bdus.enabled", matchIfMissing = true)
@EnableConfigurationProperties(BdusProperties.class)
public final class BdusAutoConfiguration {

    static final Path KBDUS_CONTROL = Path.of("/dev/bdus-control");

    private static final Duration DEFAULT_SHUTDOWN_TIMEOUT = Duration.ofSeconds(30);

    @Bean
    @ConditionalOnMissingBean
    BdusDevices bdusDevices(BdusProperties properties, ObjectProvider<Transport> transports,
            ListableBeanFactory beanFactory, ApplicationEventPublisher publisher, Environment environment) {
        Map<String, DevicePlan> plans = DevicePlans.from(properties, beanFactory);
        Transport transport = null;
        if (!plans.isEmpty()) {
            List<Transport> candidates = transports.orderedStream().toList();
            transport = new TransportSelector(KBDUS_CONTROL).select(properties.getTransport(), candidates);
        }
        Duration shutdownTimeout = Binder.get(environment)
            .bind("spring.lifecycle.timeout-per-shutdown-phase", Duration.class)
            .orElse(DEFAULT_SHUTDOWN_TIMEOUT);
        return new BdusDevices(plans, transport, beanFactory, publisher, shutdownTimeout,
                new DeviceRecords(properties.getStateDir().resolve("devices")));
    }

    /**
     * The built-in transports. Declaring any Transport bean replaces both.
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
                    fuseOwner(properties.getFuse().getOwner()));
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

    }

}
