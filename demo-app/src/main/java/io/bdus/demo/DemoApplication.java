package io.bdus.demo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import io.bdus.driver.passthrough.PassthroughDriver;
import io.bdus.driver.ram.RamDiskDriver;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.util.unit.DataSize;

/**
 * Serves two block devices: {@code ram}, a RAM disk, and {@code file}, a pass-through to a
 * file under {@code demo.data-dir}. Run as root; see README.md.
 */
@SpringBootApplication
public class DemoApplication {

    public static void main(String[] args) {
        SpringApplication.run(DemoApplication.class, args);
    }

    /** Serves the device {@code ram} (the bean name matches the device name). */
    @Bean
    RamDiskDriver ram(@Value("${bdus.devices.ram.size}") DataSize size) {
        return new RamDiskDriver(size.toBytes());
    }

    /** Serves the device {@code file}; a replace opens the file again with a fresh instance. */
    @Bean
    @org.springframework.context.annotation.Scope("prototype")
    PassthroughDriver file(@Value("${demo.data-dir:./demo-data}") Path dataDir) throws IOException {
        Files.createDirectories(dataDir);
        return new PassthroughDriver(dataDir.resolve("file.img").toAbsolutePath());
    }

}
