package io.bdus.demo;

import io.bdus.driver.passthrough.PassthroughDriver;
import io.bdus.driver.ram.RamDiskDriver;
import io.bdus.spring.boot.autoconfigure.BdusProperties;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.ApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The demo's configuration binds and its drivers are created; devices themselves need root
 * and are covered by the autoconfigure module's host tests, so they are off here.
 */
@SpringBootTest(properties = { "bdus.enabled=false", "demo.data-dir=target/demo-data" })
class DemoApplicationTests {

    @Autowired
    private ApplicationContext context;

    @Test
    void driversMatchTheConfiguredDevices() {
        assertThat(this.context.getBean("ram", RamDiskDriver.class).size()).isEqualTo(256L << 20);
        assertThat(this.context.getBean("file", PassthroughDriver.class).path().toString())
            .endsWith("target/demo-data/file.img");
        assertThat(this.context.getBean("file")).isNotSameAs(this.context.getBean("file"));
        assertThat(this.context.getBeansOfType(BdusProperties.class)).isEmpty();
    }

}
