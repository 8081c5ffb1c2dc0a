package io.bdus.spring.boot.autoconfigure.web;

import io.bdus.driver.ram.RamDiskDriver;
import io.bdus.spring.boot.autoconfigure.FakeTransport;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;

/**
 * A web application with one 1 MiB device served in memory by a transport double.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
class FakeDeviceApplication {

    @Bean
    FakeTransport fakeTransport() {
        return new FakeTransport("fuse-loop");
    }

    @Bean
    RamDiskDriver ram() {
        return new RamDiskDriver(1024 * 1024);
    }

}
