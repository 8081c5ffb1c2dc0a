package io.bdus.spring.boot.docs;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousFileChannel;
import java.nio.channels.CompletionHandler;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import io.bdus.device.DeviceSpec;
import io.bdus.driver.AsyncBlockDriver;
import io.bdus.driver.BlockDriver;
import io.bdus.driver.Completion;
import io.bdus.driver.Errno;
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

    // README.md, "Writing a driver"

    class AsyncFileDriver implements AsyncBlockDriver {

        private final AsynchronousFileChannel file;

        AsyncFileDriver(Path path) throws IOException {
            this.file = AsynchronousFileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
        }

        @Override
        public void read(ByteBuffer buffer, long offset, Completion completion) {
            this.file.read(buffer, offset, offset, new Transfer(buffer, completion, false));
        }

        @Override
        public void write(ByteBuffer buffer, long offset, Completion completion) {
            this.file.write(buffer, offset, offset, new Transfer(buffer, completion, true));
        }

        /** Goes on until the whole buffer is transferred (a transfer may be partial), then completes. */
        private final class Transfer implements CompletionHandler<Integer, Long> {

            private final ByteBuffer buffer;

            private final Completion completion;

            private final boolean write;

            Transfer(ByteBuffer buffer, Completion completion, boolean write) {
                this.buffer = buffer;
                this.completion = completion;
                this.write = write;
            }

            @Override
            public void completed(Integer bytes, Long offset) {
                if (bytes < 0) {
                    this.completion.fail(Errno.EIO);
                }
                else if (!this.buffer.hasRemaining()) {
                    this.completion.complete();
                }
                else if (this.write) {
                    AsyncFileDriver.this.file.write(this.buffer, offset + bytes, offset + bytes, this);
                }
                else {
                    AsyncFileDriver.this.file.read(this.buffer, offset + bytes, offset + bytes, this);
                }
            }

            @Override
            public void failed(Throwable failure, Long offset) {
                this.completion.fail(failure);
            }
        }
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
