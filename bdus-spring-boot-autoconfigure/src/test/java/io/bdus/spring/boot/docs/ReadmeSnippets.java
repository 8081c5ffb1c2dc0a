package io.bdus.spring.boot.docs;

import io.bdus.device.DeviceSpec;
import io.bdus.driver.BlockDriver;
import io.bdus.driver.ram.RamDiskDriver;
import io.bdus.spring.boot.BdusDeviceCustomizer;
import io.bdus.spring.boot.BdusDeviceRegistrar;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Scope;
import org.springframework.util.unit.DataSize;

/**
 * The Java snippets of the READMEs, verbatim, so that they compile (and
 * {@link ReadmeSnippetsTests} checks that each README snippet is here and works).
 */
@Configuration(proxyBeanMethods = false)
class ReadmeSnippets {

    // README.md, "Using the starter"

    @Bean
    BlockDriver ram() {
        return new RamDiskDriver(DataSize.ofMegabytes(256).toBytes());
    }

    // bdus-spring-boot-autoconfigure/README.md, "Devices in code"

    @Bean
    BdusDeviceRegistrar scratchDisks() {
        return (devices) -> {
            for (int i = 0; i < 2; i++) {
                devices.add(DeviceSpec.builder("scratch" + i, DataSize.ofMegabytes(64).toBytes()).build(), "scratch");
            }
        };
    }

    @Bean
    @Scope("prototype")
    RamDiskDriver scratch() {
        return new RamDiskDriver(DataSize.ofMegabytes(64).toBytes());
    }

    @Bean
    BdusDeviceCustomizer deeperQueues() {
        return (device) -> device.spec(device.spec().toBuilder().maxConcurrentRequests(16).build());
    }

}
