package io.bdus.transport.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import io.bdus.device.DeviceSpec;
import io.bdus.driver.Operation;
import io.bdus.linux.Owner;
import io.bdus.transport.Request;
import io.bdus.transport.RequestPool;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Who answers a FUSE request, and when its buffer goes back to the pool. */
class FuseRequestTest {

    private static final long TIMEOUT = 1_000_000_000L;

    private final FuseSession session = new FuseSession(DeviceSpec.builder("unit", 1 << 20).build(),
            EnumSet.of(Operation.READ), 16, Owner.ROOT);

    private final FuseOperations operations = new FuseOperations(this.session);

    private final FuseRequest request = FuseRequest.forDevFuse(4096);

    private final RequestPool<FuseRequest> pool = new RequestPool<>(List.of(this.request));

    private final AtomicReference<Request> handed = new AtomicReference<>();

    FuseRequestTest() {
        this.request.joining(this.pool, this.operations);
    }

    /** Takes the pool's request and decodes a READ of 4 KiB with {@code unique} into it. */
    private void readRequest(long unique) throws InterruptedException {
        assertThat(this.pool.take()).isSameAs(this.request);
        this.request.inHeader().putInt(0, 80).putInt(4, FuseProtocol.FUSE_READ).putLong(8, unique);
        this.request.opArgs().putLong(FuseProtocol.RW_IN_OFFSET, 0).putInt(FuseProtocol.RW_IN_SIZE, 4096);
        assertThat(this.operations.decode(this.request, 80)).isEqualTo(FuseOperations.FOR_DRIVER);
    }

    @Test
    void anOverdueRequestIsExpiredOnceAndKeepsItsBufferUntilTheDriverAnswers() throws Exception {
        readRequest(41);
        assertThat(this.request.serve(this.handed::set, null)).as("answered later").isFalse();
        long start = System.nanoTime();
        assertThat(this.request.expire(start, TIMEOUT)).as("not overdue yet").isZero();
        assertThat(this.request.expire(start + 2 * TIMEOUT, TIMEOUT)).isEqualTo(41);
        assertThat(this.request.expire(start + 3 * TIMEOUT, TIMEOUT)).as("expired once").isZero();
        assertThat(this.pool.outstanding()).as("the late driver still owns the buffer").isEqualTo(1);

        // the late answer is dropped (no channel is needed to drop it) and the buffer comes back
        this.handed.get().reply(0);
        assertThat(this.pool.outstanding()).isZero();
    }

    @Test
    void aRequestAnsweredInTimeIsNeverExpired() throws Exception {
        readRequest(42);
        assertThat(this.request.serve(request -> request.reply(0), null)).as("answered inline").isTrue();
        assertThat(this.request.claimAnswer()).isTrue();
        assertThat(this.request.expire(System.nanoTime() + 2 * TIMEOUT, TIMEOUT)).isZero();
        assertThat(this.operations.answer(this.request, this.request.answer())).isEqualTo(16 + 4096);
    }

    @Test
    void theNextUseOfTheBufferIsNotExpiredForTheLastOne() throws Exception {
        readRequest(43);
        this.request.serve(this.handed::set, null);
        long overdue = System.nanoTime() + 2 * TIMEOUT;
        assertThat(this.request.expire(overdue, TIMEOUT)).isEqualTo(43);
        this.handed.get().reply(0);
        readRequest(44);
        this.request.serve(this.handed::set, null);
        assertThat(this.request.expire(System.nanoTime(), TIMEOUT)).isZero();
        assertThat(this.request.claimAnswer()).as("the runtime answers request 44").isTrue();
    }
}
