package io.bdus.transport.fuse;

import static io.bdus.testing.Shell.ok;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIOException;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.bdus.device.DeviceSpec;
import io.bdus.driver.Operation;
import io.bdus.linux.Owner;
import io.bdus.testing.FuseIoUringParameter;
import io.bdus.testing.HostAssumptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The io_uring modes of fuse-loop on this host's kernel: a real /dev/loopN served over the
 * rings, and what {@code on} and {@code auto} do while the fuse module parameter is off. The
 * test sets the parameter and puts it back as it was, saying so.
 */
class FuseIoUringHostTest {

    private static final Set<Operation> ALL = EnumSet.of(Operation.READ, Operation.WRITE, Operation.FLUSH);

    private static final int MIB = 1 << 20;

    private static final Path PARAMETER = FuseIoUring.MODULE_PARAMETER;

    @TempDir
    Path state;

    private String previous;

    @BeforeEach
    void requireKernel() throws Exception {
        HostAssumptions.assumeFuseLoop();
        if (!Files.exists(PARAMETER)) {
            System.out.println("SKIPPED FUSE over io_uring host test: " + PARAMETER + " is missing");
        }
        assumeTrue(Files.exists(PARAMETER), PARAMETER + " is missing: no FUSE over io_uring in this kernel");
        this.previous = Files.readString(PARAMETER).trim();
    }

    @AfterEach
    void restoreParameter() throws Exception {
        if (this.previous != null && !Files.readString(PARAMETER).trim().equals(this.previous)) {
            FuseIoUringParameter.set(PARAMETER, this.previous);
        }
    }

    private FuseLoopTransport transport(FuseIoUring mode) {
        return new FuseLoopTransport(this.state.resolve("state"), true, Owner.ROOT, mode);
    }

    @Test
    void onServesEveryRequestOverTheRings() throws Exception {
        FuseIoUringParameter.set(PARAMETER, "Y");
        FuseLoopTransport transport = transport(FuseIoUring.ON);
        DeviceSpec spec = DeviceSpec.builder("ring", 16 * MIB).maxConcurrentRequests(4).build();
        Path pattern = this.state.resolve("pattern");
        Path back = this.state.resolve("back");
        try (ServedDevice served = new ServedDevice(transport, spec, ALL)) {
            assertThat(transport.requestPath(served.path)).contains("io_uring");
            ok("dd", "if=/dev/urandom", "of=" + pattern, "bs=1M", "count=4", "status=none");
            ok("dd", "if=" + pattern, "of=" + served.path, "bs=64k", "seek=1M", "oflag=direct,seek_bytes",
                    "conv=fsync", "status=none");
            assertThat(Arrays.copyOfRange(served.handler.data(), MIB, 5 * MIB)).isEqualTo(Files.readAllBytes(pattern));
            ok("dd", "if=" + served.path, "of=" + back, "bs=128k", "skip=1M", "count=4M",
                    "iflag=direct,skip_bytes,count_bytes", "status=none");
            assertThat(back).hasSameBinaryContentAs(pattern);
            // 64 writes of 64 KiB and 32 reads of 128 KiB at least, all over the rings
            assertThat(transport.uringRequests(served.path).orElseThrow()).isGreaterThanOrEqualTo(96);
        }
    }

    @Test
    void onFailsNamingTheParameterWhenItIsOff() throws Exception {
        FuseIoUringParameter.set(PARAMETER, "N");
        FuseLoopTransport transport = transport(FuseIoUring.ON);
        DeviceSpec spec = DeviceSpec.builder("refused", 16 * MIB).build();
        assertThatIOException().isThrownBy(() -> new ServedDevice(transport, spec, ALL).close())
            .withMessageContaining("io-uring mode on")
            .withMessageContaining(PARAMETER + " is N");
        assertThat(this.state.resolve("state")).doesNotExist();
    }

    @Test
    void autoFallsBackToDevFuseWhenTheParameterIsOff() throws Exception {
        FuseIoUringParameter.set(PARAMETER, "N");
        FuseLoopTransport transport = transport(FuseIoUring.AUTO);
        DeviceSpec spec = DeviceSpec.builder("classic", 16 * MIB).maxConcurrentRequests(4).build();
        try (ServedDevice served = new ServedDevice(transport, spec, ALL)) {
            assertThat(transport.requestPath(served.path)).contains("/dev/fuse");
            ok("dd", "if=/dev/zero", "of=" + served.path, "bs=64k", "count=16", "oflag=direct", "status=none");
            assertThat(transport.uringRequests(served.path)).contains(0L);
        }
    }
}
