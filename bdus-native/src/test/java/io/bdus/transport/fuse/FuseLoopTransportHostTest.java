package io.bdus.transport.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import io.bdus.device.DeviceSpec;
import io.bdus.driver.Operation;
import io.bdus.testing.HostAssumptions;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Set;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FuseLoopTransportHostTest {

    private static final Set<Operation> ALL = EnumSet.of(Operation.READ, Operation.WRITE, Operation.FLUSH,
            Operation.WRITE_ZEROES, Operation.DISCARD);

    @TempDir
    Path state;

    FuseLoopTransport transport;

    @BeforeEach
    void setUp() {
        HostAssumptions.assumeFuseLoop();
        this.transport = new FuseLoopTransport(this.state);
    }

    @Test
    void writesAndReadsWithDd() throws Exception {
        DeviceSpec spec = DeviceSpec.builder("ddtest", 16 << 20).maxConcurrentRequests(4).build();
        try (ServedDevice served = new ServedDevice(this.transport, spec, ALL)) {
            HostAssumptions.run("dd", "if=/dev/urandom", "of=" + this.state.resolve("pattern"), "bs=1M", "count=4");
            HostAssumptions.run("dd", "if=" + this.state.resolve("pattern"), "of=" + served.path, "bs=64k",
                    "seek=1M", "oflag=direct,seek_bytes", "conv=fsync");
            byte[] expected = java.nio.file.Files.readAllBytes(this.state.resolve("pattern"));
            assertThat(Arrays.copyOfRange(served.handler.data(), 1 << 20, 5 << 20)).isEqualTo(expected);
            HostAssumptions.run("dd", "if=" + served.path, "of=" + this.state.resolve("back"), "bs=128k",
                    "skip=1M", "count=4M", "iflag=direct,skip_bytes,count_bytes");
            assertThat(this.state.resolve("back")).hasSameBinaryContentAs(this.state.resolve("pattern"));
        }
    }
}
