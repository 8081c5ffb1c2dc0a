package io.bdus.spring.boot.autoconfigure.actuate;

import java.util.LinkedHashMap;
import java.util.Map;

import io.bdus.spring.boot.BdusDeviceRegistry;
import io.bdus.spring.boot.autoconfigure.BdusAutoConfiguration;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.HealthContributor;
import org.springframework.context.annotation.Bean;

/**
 * Auto-configuration for the {@code bdus} health contributor: one entry per device, so
 * {@code /actuator/health/bdus/<device>} works.
 */
@AutoConfiguration(after = BdusAutoConfiguration.class)
@ConditionalOnClass({ HealthContributor.class, ConditionalOnEnabledHealthIndicator.class })
@ConditionalOnBean(BdusDeviceRegistry.class)
@ConditionalOnEnabledHealthIndicator("bdus")
public final class BdusHealthContributorAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean(name = "bdusHealthContributor")
    CompositeHealthContributor bdusHealthContributor(BdusDeviceRegistry devices) {
        Map<String, HealthContributor> contributors = new LinkedHashMap<>();
        for (String name : devices.names()) {
            contributors.put(name, new BdusDeviceHealthIndicator(devices, name));
        }
        return CompositeHealthContributor.fromMap(contributors);
    }

}
