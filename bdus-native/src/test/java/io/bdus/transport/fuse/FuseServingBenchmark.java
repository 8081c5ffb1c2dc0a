package io.bdus.transport.fuse;

import io.bdus.device.BlockDevice;
import io.bdus.device.DeviceSpec;
import io.bdus.driver.BlockDriver;
import io.bdus.driver.Operation;
import io.bdus.driver.passthrough.PassthroughDriver;
import io.bdus.driver.ram.RamDiskDriver;
import io.bdus.linux.Owner;
import io.bdus.testing.HandlerCapture;
import io.bdus.transport.RequestHandler;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The fuse-loop serving loop without the two system calls: a 4 KiB READ or WRITE placed in a
 * pooled request buffer as {@code /dev/fuse} would place it, decoded, dispatched through a
 * started device's runtime to a reference driver, and its reply encoded. Run with
 * {@code -prof gc}: {@code gc.alloc.rate.norm} is the allocation per request. Not a test; run with
 * {@code ./mvnw -B -Pserving-benchmarks -pl bdus-native verify -DskipTests}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class FuseServingBenchmark {

    private static final long SIZE = 64L << 20;

    private static final int LENGTH = 4096;

    @Param({ "ram", "passthrough" })
    public String driver;

    @Param({ "READ", "WRITE" })
    public String operation;

    private BlockDevice device;

    private Path file;

    private RequestHandler handler;

    private FuseOperations operations;

    private FuseRequest request;

    private int opcode;

    private long offset;

    @Setup(Level.Trial)
    public void start() throws Exception {
        BlockDriver blockDriver;
        if (this.driver.equals("passthrough")) {
            // on tmpfs when there is one: the benchmark is the serving loop, not a disk
            Path shm = Path.of("/dev/shm");
            this.file = Files.isDirectory(shm) ? Files.createTempFile(shm, "bdus-bench", ".img")
                    : Files.createTempFile("bdus-bench", ".img");
            blockDriver = new PassthroughDriver(this.file);
        }
        else {
            blockDriver = new RamDiskDriver(SIZE);
        }
        DeviceSpec spec = DeviceSpec.builder("bench", SIZE).build();
        HandlerCapture transport = new HandlerCapture();
        this.device = BlockDevice.start(spec, blockDriver, transport, Duration.ofSeconds(30));
        this.handler = transport.handler();
        FuseSession session = new FuseSession(spec, EnumSet.allOf(Operation.class), 16, Owner.ROOT);
        this.operations = new FuseOperations(session);
        this.request = FuseRequest.forDevFuse(spec.maxRequestSize());
        this.opcode = this.operation.equals("READ") ? FuseProtocol.FUSE_READ : FuseProtocol.FUSE_WRITE;
    }

    @TearDown(Level.Trial)
    public void stop() throws Exception {
        this.device.stop(Duration.ofSeconds(30));
        if (this.file != null) {
            Files.deleteIfExists(this.file);
        }
    }

    /** One request: as the kernel writes it, decoded, served, answered. Returns the reply's length. */
    @Benchmark
    public int serveOneRequest() {
        FuseRequest r = this.request;
        long offset = this.offset;
        this.offset = (offset + LENGTH) & (SIZE - 1);
        boolean write = this.opcode == FuseProtocol.FUSE_WRITE;
        // fuse_in_header, then fuse_read_in or fuse_write_in (40 bytes each), then a WRITE's data
        int length = FuseRequest.WRITE_DATA_OFFSET + (write ? LENGTH : 0);
        ByteBuffer in = r.inHeader();
        in.putInt(FuseProtocol.IN_LEN, length);
        in.putInt(FuseProtocol.IN_OPCODE, this.opcode);
        in.putLong(FuseProtocol.IN_UNIQUE, offset + 2);
        ByteBuffer args = r.opArgs();
        args.putLong(FuseProtocol.RW_IN_OFFSET, offset);
        args.putInt(FuseProtocol.RW_IN_SIZE, LENGTH);
        args.putInt(FuseProtocol.RW_IN_FLAGS, 0);
        int reply = this.operations.decode(r, length);
        if (reply == FuseOperations.FOR_DRIVER && r.serve(this.handler, null) && r.claimAnswer()) {
            reply = this.operations.answer(r, r.answer());
        }
        return reply;
    }
}
