package io.bdus.transport.kbdus;

import io.bdus.device.BlockDevice;
import io.bdus.device.DeviceSpec;
import io.bdus.driver.BlockDriver;
import io.bdus.driver.passthrough.PassthroughDriver;
import io.bdus.driver.ram.RamDiskDriver;
import io.bdus.testing.HandlerCapture;
import io.bdus.transport.RequestHandler;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
 * The kbdus serving loop without its ioctl: a 4 KiB READ or WRITE item written into a slot
 * as the kernel writes it (the payload buffer page-aligned, as mmap'd ones are), decoded,
 * dispatched through a started device's runtime to a reference driver, and the reply put in
 * the slot. Run with {@code -prof gc}: {@code gc.alloc.rate.norm} is the allocation per
 * request. Not a test; run with
 * {@code ./mvnw -B -Pserving-benchmarks -pl bdus-native verify -DskipTests}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class KbdusServingBenchmark {

    private static final long SIZE = 64L << 20;

    private static final int LENGTH = 4096;

    @Param({ "ram", "passthrough" })
    public String driver;

    @Param({ "READ", "WRITE" })
    public String operation;

    private BlockDevice device;

    private Path file;

    private RequestHandler handler;

    private ByteBuffer slot;

    private KbdusRequest request;

    private int type;

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
        this.slot = ByteBuffer.allocateDirect(KbdusAbi.SLOT_SIZE).order(ByteOrder.nativeOrder());
        ByteBuffer buffer = ByteBuffer.allocateDirect(spec.maxRequestSize() + 4096).alignedSlice(4096);
        this.request = new KbdusRequest(-1, 0, this.slot, buffer);
        this.type = this.operation.equals("READ") ? KbdusAbi.ITEM_READ : KbdusAbi.ITEM_WRITE;
    }

    @TearDown(Level.Trial)
    public void stop() throws Exception {
        this.device.stop(Duration.ofSeconds(30));
        if (this.file != null) {
            Files.deleteIfExists(this.file);
        }
    }

    /** One request: the item as the kernel writes it, decoded, served, answered in the slot. */
    @Benchmark
    public int serveOneRequest() {
        long offset = this.offset;
        this.offset = (offset + LENGTH) & (SIZE - 1);
        ByteBuffer slot = this.slot;
        slot.put(KbdusAbi.ITEM_TYPE, (byte) this.type);
        slot.putInt(KbdusAbi.ITEM_ARG32, LENGTH);
        slot.putLong(KbdusAbi.ITEM_ARG64, offset);
        KbdusRequest r = this.request;
        int refusal = r.decode(r.itemType());
        r.answerInSlot((refusal == 0 && r.serve(this.handler)) ? r.answer() : refusal);
        return slot.getInt(KbdusAbi.REPLY_ERROR);
    }
}
