package io.bdus.spring.boot.autoconfigure.actuate;

import io.bdus.spring.boot.BdusDeviceActions;
import io.bdus.spring.boot.BdusDeviceRegistry;
import io.bdus.spring.boot.autoconfigure.BdusAutoConfiguration;

import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * Auto-configuration for the {@code bdus} Actuator endpoint.
 */
@AutoConfiguration(after = BdusAutoConfiguration.class)
@ConditionalOnClass({ Endpoint.class, ConditionalOnAvailableEndpoint.class })
@ConditionalOnBean({ BdusDeviceRegistry.class, BdusDeviceActions.class })
@ConditionalOnAvailableEndpoint(BdusEndpoint.class)
public final class BdusEndpointAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    BdusEndpoint bdusEndpoint(BdusDeviceRegistry devices, BdusDeviceActions actions) {
        return new BdusEndpoint(devices, actions);
    }

}
