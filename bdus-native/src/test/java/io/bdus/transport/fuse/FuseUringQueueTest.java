package io.bdus.transport.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import io.bdus.device.DeviceSpec;
import io.bdus.driver.Errno;
import io.bdus.driver.Operation;
import io.bdus.linux.Owner;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.EnumSet;
import org.junit.jupiter.api.Test;

/**
 * The FUSE-over-io_uring entry layout against byte layouts, without a kernel: requests are
 * written into an entry's header area and payload as the kernel places them, copied into a
 * pooled request and decoded; replies are copied back and read as the kernel reads them.
 */
class FuseUringQueueTest {

    private static final DeviceSpec SPEC = DeviceSpec.builder("ring", 1 << 20).maxRequestSize(64 * 1024).build();

    private final FuseSession session = new FuseSession(SPEC, EnumSet.of(Operation.READ, Operation.WRITE), 16,
            Owner.ROOT, true);

    private final FuseOperations operations = new FuseOperations(this.session);

    private final FuseUringQueue.Entry entry = new FuseUringQueue.Entry(3,
            FuseUringQueue.payloadSize(SPEC.maxRequestSize()));

    private final FuseRequest request = FuseRequest.forDevFuse(SPEC.maxRequestSize());

    /** Places a request as the kernel does: fuse_in_header, op_in, ring_ent_in_out, payload. */
    private void kernelWrites(int opcode, long unique, ByteBuffer opIn, int payloadLength) {
        ByteBuffer h = this.entry.header;
        int argLength = opIn.remaining();
        h.putInt(FuseProtocol.URING_IN_OUT + FuseProtocol.IN_LEN, 40 + argLength + payloadLength);
        h.putInt(FuseProtocol.URING_IN_OUT + FuseProtocol.IN_OPCODE, opcode);
        h.putLong(FuseProtocol.URING_IN_OUT + FuseProtocol.IN_UNIQUE, unique);
        h.putLong(FuseProtocol.URING_IN_OUT + FuseProtocol.IN_NODEID, 1);
        h.put(FuseProtocol.URING_OP_IN, opIn, 0, argLength);
        h.putLong(FuseProtocol.URING_ENT_FLAGS, 0);
        h.putLong(FuseProtocol.URING_ENT_COMMIT_ID, unique);
        h.putInt(FuseProtocol.URING_ENT_PAYLOAD_SZ, payloadLength);
    }

    private static ByteBuffer rw(long offset, int size) {
        ByteBuffer b = ByteBuffer.allocate(40).order(ByteOrder.nativeOrder());
        b.putLong(FuseProtocol.RW_IN_OFFSET, offset);
        b.putInt(FuseProtocol.RW_IN_SIZE, size);
        return b;
    }

    @Test
    void entriesRegisterAHeaderAreaAndAPageAlignedPayloadOfAtLeastMaxWrite() {
        assertThat(FuseProtocol.URING_HEADER_SIZE).isEqualTo(128 + 128 + 32);
        assertThat(FuseUringQueue.payloadSize(4096)).isEqualTo(8192);
        assertThat(FuseUringQueue.payloadSize(64 * 1024 + 1)).isEqualTo(68 * 1024);
        ByteBuffer iovec = this.entry.iovec;
        long header = iovec.getLong(0);
        long payload = iovec.getLong(16);
        assertThat(iovec.getLong(8)).isEqualTo(FuseProtocol.URING_HEADER_SIZE);
        assertThat(iovec.getLong(24)).isEqualTo(64 * 1024);
        assertThat(header % 8).isZero();
        assertThat(payload % DeviceSpec.PAGE_SIZE).isZero();
        assertThat(this.entry.header.capacity()).isEqualTo(FuseProtocol.URING_HEADER_SIZE);
        assertThat(this.entry.payload.capacity()).isEqualTo(64 * 1024);
    }

    @Test
    void aWriteIsCopiedIntoTheDevFuseLayoutAndItsReplyIntoThePayload() {
        for (int i = 0; i < 8192; i++) {
            this.entry.payload.put(i, (byte) (i * 7));
        }
        kernelWrites(FuseProtocol.FUSE_WRITE, 77, rw(4096, 8192), 8192);
        int length = FuseUringQueue.fetch(this.entry.header, this.entry.payload, this.request);
        assertThat(length).isEqualTo(40 + 40 + 8192);
        assertThat(this.operations.decode(this.request, length)).isEqualTo(FuseOperations.FOR_DRIVER);
        assertThat(this.request.operation()).isEqualTo(Operation.WRITE);
        assertThat(this.request.offset()).isEqualTo(4096);
        ByteBuffer data = this.request.payload();
        assertThat(data.remaining()).isEqualTo(8192);
        assertThat(data.get(1)).isEqualTo((byte) 7);
        assertThat(data.get(8191)).isEqualTo((byte) (8191 * 7));

        int reply = this.operations.answer(this.request, 0);
        FuseUringQueue.copyReply(this.entry.header, this.entry.payload, this.request, reply);
        ByteBuffer h = this.entry.header;
        assertThat(h.getInt(FuseProtocol.URING_IN_OUT + FuseProtocol.OUT_ERROR)).isZero();
        assertThat(h.getLong(FuseProtocol.URING_IN_OUT + FuseProtocol.OUT_UNIQUE)).isEqualTo(77);
        // fuse_write_out travels in the payload
        assertThat(h.getInt(FuseProtocol.URING_ENT_PAYLOAD_SZ)).isEqualTo(FuseProtocol.WRITE_OUT_SIZE);
        assertThat(this.entry.payload.getInt(0)).isEqualTo(8192);
    }

    @Test
    void aReadsDataGoesBackInThePayloadWithItsSize() {
        kernelWrites(FuseProtocol.FUSE_READ, 78, rw(0, 4096), 0);
        int length = FuseUringQueue.fetch(this.entry.header, this.entry.payload, this.request);
        assertThat(this.operations.decode(this.request, length)).isEqualTo(FuseOperations.FOR_DRIVER);
        ByteBuffer data = this.request.payload();
        for (int i = 0; i < 4096; i++) {
            data.put(i, (byte) 0x5a);
        }
        int reply = this.operations.answer(this.request, 0);
        FuseUringQueue.copyReply(this.entry.header, this.entry.payload, this.request, reply);
        assertThat(this.entry.header.getInt(FuseProtocol.URING_ENT_PAYLOAD_SZ)).isEqualTo(4096);
        assertThat(this.entry.payload.get(4095)).isEqualTo((byte) 0x5a);
    }

    @Test
    void anErrorReplyCarriesNoPayload() {
        kernelWrites(FuseProtocol.FUSE_READ, 79, rw(0, 4096), 0);
        this.entry.header.putInt(FuseProtocol.URING_ENT_PAYLOAD_SZ, 4096);
        FuseUringQueue.errorReply(this.entry.header, 79, Errno.ETIMEDOUT);
        ByteBuffer h = this.entry.header;
        assertThat(h.getInt(FuseProtocol.URING_IN_OUT + FuseProtocol.OUT_LEN)).isEqualTo(16);
        assertThat(h.getInt(FuseProtocol.URING_IN_OUT + FuseProtocol.OUT_ERROR)).isEqualTo(-Errno.ETIMEDOUT);
        assertThat(h.getLong(FuseProtocol.URING_IN_OUT + FuseProtocol.OUT_UNIQUE)).isEqualTo(79);
        assertThat(h.getInt(FuseProtocol.URING_ENT_PAYLOAD_SZ)).isZero();
    }

    @Test
    void malformedEntriesAreRefusedBeforeAnyCopy() {
        ByteBuffer h = this.entry.header;
        // commit id other than the request's unique
        kernelWrites(FuseProtocol.FUSE_READ, 80, rw(0, 4096), 0);
        h.putLong(FuseProtocol.URING_ENT_COMMIT_ID, 81);
        assertThat(FuseUringQueue.fetch(h, this.entry.payload, this.request)).isEqualTo(-1);
        // payload larger than the entry's buffer
        kernelWrites(FuseProtocol.FUSE_WRITE, 82, rw(0, 4096), 4096);
        h.putInt(FuseProtocol.URING_ENT_PAYLOAD_SZ, -1);
        assertThat(FuseUringQueue.fetch(h, this.entry.payload, this.request)).isEqualTo(-1);
        // a length shorter than fuse_in_header
        kernelWrites(FuseProtocol.FUSE_READ, 83, rw(0, 4096), 0);
        h.putInt(FuseProtocol.URING_IN_OUT + FuseProtocol.IN_LEN, 39);
        assertThat(FuseUringQueue.fetch(h, this.entry.payload, this.request)).isEqualTo(-1);
        // an argument longer than op_in
        kernelWrites(FuseProtocol.FUSE_READ, 84, rw(0, 4096), 0);
        h.putInt(FuseProtocol.URING_IN_OUT + FuseProtocol.IN_LEN, 40 + 129);
        assertThat(FuseUringQueue.fetch(h, this.entry.payload, this.request)).isEqualTo(-1);
        // unique 0 is a notification, never a request
        kernelWrites(FuseProtocol.FUSE_READ, 0, rw(0, 4096), 0);
        assertThat(FuseUringQueue.fetch(h, this.entry.payload, this.request)).isEqualTo(-1);
    }
}
