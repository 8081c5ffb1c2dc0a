package io.bdus.spring.boot.autoconfigure.metrics;

import io.bdus.spring.boot.BdusDeviceRegistry;
import io.bdus.spring.boot.autoconfigure.BdusAutoConfiguration;
import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * Auto-configuration for Micrometer meters of block devices.
 */
@AutoConfiguration(after = BdusAutoConfiguration.class)
@ConditionalOnClass(MeterRegistry.class)
@ConditionalOnBean(BdusDeviceRegistry.class)
public final class BdusMetricsAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    BdusMetrics bdusMetrics(BdusDeviceRegistry devices) {
        return new BdusMetrics(devices);
    }

}
