package io.bdus.transport.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import io.bdus.device.DeviceSpec;
import io.bdus.driver.Errno;
import io.bdus.driver.Operation;
import io.bdus.transport.Request;
import io.bdus.transport.RequestHandler;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Decoding and encoding of the /dev/fuse protocol against byte layouts, without a kernel. */
class FuseChannelTest {

    private static final DeviceSpec SPEC = DeviceSpec.builder("unit", 1 << 20).maxRequestSize(64 * 1024).build();

    private static final Set<Operation> ALL = EnumSet.of(Operation.READ, Operation.WRITE, Operation.FLUSH,
            Operation.WRITE_ZEROES, Operation.DISCARD);

    private final List<String> seen = new ArrayList<>();

    private int answer;

    private final RequestHandler handler = this::handle;

    private int handle(Request request) {
        this.seen.add(request.operation() + " " + request.offset() + " " + request.length()
                + (request.operation() == Operation.WRITE_ZEROES ? " unmap=" + request.mayUnmap() : ""));
        if (request.operation() == Operation.READ) {
            ByteBuffer payload = request.payload();
            for (int i = payload.position(); i < payload.limit(); i++) {
                payload.put(i, (byte) i);
            }
        }
        if (request.operation() == Operation.WRITE) {
            assertThat(request.payload().get(0)).isEqualTo((byte) 0x11);
            assertThat(request.payload().get(request.payload().limit() - 1)).isEqualTo((byte) 0x22);
        }
        return this.answer;
    }

    private static FuseChannel channel(DeviceSpec spec, Set<Operation> operations) {
        FuseSession session = new FuseSession(spec, operations, 16, io.bdus.linux.Owner.ROOT);
        return new FuseChannel(session, ByteBuffer.allocateDirect(session.readBufferSize()));
    }

    /** Writes a fuse_in_header for a request whose argument has {@code argLength} bytes. */
    private static ByteBuffer request(FuseChannel channel, int opcode, long unique, int argLength) {
        ByteBuffer b = channel.buffer();
        for (int i = 0; i < 128; i++) {
            b.put(i, (byte) 0x7f);
        }
        b.putInt(0, 40 + argLength);
        b.putInt(4, opcode);
        b.putLong(8, unique);
        b.putLong(16, 1);
        b.putInt(24, 0);
        b.putInt(28, 0);
        b.putInt(32, 1234);
        b.putInt(36, 0);
        for (int i = 40; i < 40 + argLength; i++) {
            b.put(i, (byte) 0);
        }
        return b;
    }

    private static void assertReply(ByteBuffer b, int length, long unique, int errno, int replyLength) {
        assertThat(replyLength).isEqualTo(length);
        assertThat(b.getInt(0)).isEqualTo(length);
        assertThat(b.getInt(4)).isEqualTo(-errno);
        assertThat(b.getLong(8)).isEqualTo(unique);
    }

    @Test
    void nativeOrderIsLittleEndian() {
        assertThat(ByteOrder.nativeOrder()).isEqualTo(ByteOrder.LITTLE_ENDIAN);
        assertThat(FuseProtocol.FUSE_DEV_IOC_CLONE).isEqualTo(0x8004E500L);
        assertThat(Loop.CONFIG_SIZE).isEqualTo(304);
    }

    @Test
    void initNegotiatesMinorPagesAndAsyncDirectIo() {
        FuseChannel channel = channel(SPEC, ALL);
        ByteBuffer b = request(channel, FuseProtocol.FUSE_INIT, 2, 64);
        b.putInt(40, 7);
        b.putInt(44, 45);
        b.putInt(48, 128 * 1024);
        b.putInt(52, 0xffffffff);
        int reply = channel.dispatch(40 + 64, this.handler);
        assertReply(b, 16 + 64, 2, 0, reply);
        assertThat(b.getInt(16)).isEqualTo(7);
        assertThat(b.getInt(20)).isEqualTo(FuseProtocol.MAX_MINOR);
        assertThat(b.getInt(24)).isEqualTo(128 * 1024);
        assertThat(b.getInt(28)).isEqualTo(FuseProtocol.FUSE_ASYNC_READ | FuseProtocol.FUSE_BIG_WRITES
                | FuseProtocol.FUSE_ASYNC_DIO | FuseProtocol.FUSE_MAX_PAGES);
        assertThat(b.getShort(32)).isEqualTo((short) 16);
        assertThat(b.getShort(34)).isEqualTo((short) 12);
        assertThat(b.getInt(36)).isEqualTo(64 * 1024);
        assertThat(b.getShort(44)).isEqualTo((short) 16);
        assertThat(b.getInt(48)).isZero();
    }

    @Test
    void initKeepsAnOlderKernelsMinorAndRefusesTooOldOnes() {
        FuseChannel channel = channel(SPEC, ALL);
        ByteBuffer b = request(channel, FuseProtocol.FUSE_INIT, 2, 16);
        b.putInt(40, 7);
        b.putInt(44, 36);
        assertReply(b, 16 + 64, 2, 0, channel.dispatch(40 + 16, this.handler));
        assertThat(b.getInt(20)).isEqualTo(36);

        b = request(channel, FuseProtocol.FUSE_INIT, 3, 16);
        b.putInt(40, 7);
        b.putInt(44, 26);
        assertReply(b, 16, 3, 71, channel.dispatch(40 + 16, this.handler));

        b = request(channel, FuseProtocol.FUSE_INIT, 4, 16);
        b.putInt(40, 8);
        b.putInt(44, 1);
        assertReply(b, 16 + 24, 4, 0, channel.dispatch(40 + 16, this.handler));
        assertThat(b.getInt(16)).isEqualTo(7);
    }

    @Test
    void getattrDescribesOneRegularFileOfTheDeviceSize() {
        FuseChannel channel = channel(SPEC, ALL);
        ByteBuffer b = request(channel, FuseProtocol.FUSE_GETATTR, 5, 16);
        assertReply(b, 16 + 104, 5, 0, channel.dispatch(40 + 16, this.handler));
        assertThat(b.getLong(16)).isPositive();
        int attr = 32;
        assertThat(b.getLong(attr)).isEqualTo(1);
        assertThat(b.getLong(attr + 8)).isEqualTo(1 << 20);
        assertThat(b.getLong(attr + 16)).isEqualTo((1 << 20) / 512);
        assertThat(b.getInt(attr + 60)).isEqualTo(0100600);
        assertThat(b.getInt(attr + 64)).isEqualTo(1);
        assertThat(b.getInt(attr + 80)).isEqualTo(4096);
    }

    @Test
    void getattrOfAReadOnlyDeviceDropsWritePermission() {
        FuseChannel channel = channel(SPEC.toBuilder().readOnly(true).build(), ALL);
        ByteBuffer b = request(channel, FuseProtocol.FUSE_GETATTR, 5, 16);
        channel.dispatch(40 + 16, this.handler);
        assertThat(b.getInt(32 + 60)).isEqualTo(0100400);
    }

    @Test
    void setattrAcceptsOnlyTheCurrentSize() {
        FuseChannel channel = channel(SPEC, ALL);
        ByteBuffer b = request(channel, FuseProtocol.FUSE_SETATTR, 6, 88);
        b.putInt(40, FuseProtocol.FATTR_SIZE | FuseProtocol.FATTR_FH);
        b.putLong(56, 1 << 20);
        assertReply(b, 16 + 104, 6, 0, channel.dispatch(40 + 88, this.handler));

        b = request(channel, FuseProtocol.FUSE_SETATTR, 7, 88);
        b.putInt(40, FuseProtocol.FATTR_SIZE);
        b.putLong(56, 4096);
        assertReply(b, 16, 7, Errno.EINVAL, channel.dispatch(40 + 88, this.handler));

        b = request(channel, FuseProtocol.FUSE_SETATTR, 8, 88);
        b.putInt(40, FuseProtocol.FATTR_MODE);
        assertReply(b, 16, 8, Errno.EPERM, channel.dispatch(40 + 88, this.handler));
    }

    @Test
    void openRepliesDirectIo() {
        FuseChannel channel = channel(SPEC, ALL);
        ByteBuffer b = request(channel, FuseProtocol.FUSE_OPEN, 9, 8);
        b.putInt(40, 2 | 040000);
        assertReply(b, 16 + 16, 9, 0, channel.dispatch(40 + 8, this.handler));
        assertThat(b.getInt(24) & FuseProtocol.FOPEN_DIRECT_IO).isNotZero();

        FuseChannel readOnly = channel(SPEC.toBuilder().readOnly(true).build(), ALL);
        b = request(readOnly, FuseProtocol.FUSE_OPEN, 10, 8);
        b.putInt(40, 2);
        assertReply(b, 16, 10, Errno.EROFS, readOnly.dispatch(40 + 8, this.handler));
    }

    @Test
    void onlyRootAndTheOwnerMayOpenTheFile() {
        FuseSession session = new FuseSession(SPEC, ALL, 16, new io.bdus.linux.Owner(1000, 1001));
        FuseChannel channel = new FuseChannel(session, ByteBuffer.allocateDirect(session.readBufferSize()));
        ByteBuffer b = request(channel, FuseProtocol.FUSE_GETATTR, 11, 16);
        channel.dispatch(40 + 16, this.handler);
        assertThat(b.getInt(32 + 68)).isEqualTo(1000);
        assertThat(b.getInt(32 + 72)).isEqualTo(1001);

        for (int uid : new int[] { 0, 1000 }) {
            b = request(channel, FuseProtocol.FUSE_OPEN, 12, 8);
            b.putInt(24, uid);
            b.putInt(40, 2);
            assertReply(b, 16 + 16, 12, 0, channel.dispatch(40 + 8, this.handler));
        }
        for (int uid : new int[] { 65534, 1001 }) {
            b = request(channel, FuseProtocol.FUSE_OPEN, 13, 8);
            b.putInt(24, uid);
            b.putInt(28, 1001);
            b.putInt(40, 0);
            assertReply(b, 16, 13, Errno.EACCES, channel.dispatch(40 + 8, this.handler));
        }
    }

    @Test
    void readFillsThePayloadAfterTheReplyHeader() {
        FuseChannel channel = channel(SPEC, ALL);
        ByteBuffer b = request(channel, FuseProtocol.FUSE_READ, 11, 40);
        b.putLong(48, 8192);
        b.putInt(56, 4096);
        assertReply(b, 16 + 4096, 11, 0, channel.dispatch(40 + 40, this.handler));
        assertThat(this.seen).containsExactly("READ 8192 4096");
        assertThat(b.get(16)).isEqualTo((byte) 0);
        assertThat(b.get(16 + 4095)).isEqualTo((byte) 4095);
    }

    @Test
    void readErrorsAreReturnedAsNegativeErrno() {
        FuseChannel channel = channel(SPEC, ALL);
        this.answer = Errno.ENOSPC;
        ByteBuffer b = request(channel, FuseProtocol.FUSE_READ, 12, 40);
        b.putInt(56, 512);
        assertReply(b, 16, 12, Errno.ENOSPC, channel.dispatch(40 + 40, this.handler));
    }

    @Test
    void writeTakesThePayloadAfterWriteIn() {
        FuseChannel channel = channel(SPEC, ALL);
        ByteBuffer b = request(channel, FuseProtocol.FUSE_WRITE, 13, 40 + 8192);
        b.putLong(48, 4096);
        b.putInt(56, 8192);
        b.put(80, (byte) 0x11);
        b.put(80 + 8191, (byte) 0x22);
        assertReply(b, 16 + 8, 13, 0, channel.dispatch(40 + 40 + 8192, this.handler));
        assertThat(b.getInt(16)).isEqualTo(8192);
        assertThat(this.seen).containsExactly("WRITE 4096 8192");
    }

    @Test
    void outOfRangeOrUnalignedRequestsFailWithoutReachingTheHandler() {
        FuseChannel channel = channel(SPEC, ALL);
        ByteBuffer b = request(channel, FuseProtocol.FUSE_READ, 14, 40);
        b.putLong(48, (1 << 20) - 512);
        b.putInt(56, 1024);
        assertReply(b, 16, 14, Errno.EINVAL, channel.dispatch(40 + 40, this.handler));

        b = request(channel, FuseProtocol.FUSE_READ, 15, 40);
        b.putLong(48, 100);
        b.putInt(56, 512);
        assertReply(b, 16, 15, Errno.EINVAL, channel.dispatch(40 + 40, this.handler));

        b = request(channel, FuseProtocol.FUSE_WRITE, 16, 40 + 512);
        b.putLong(48, 1 << 20);
        b.putInt(56, 512);
        assertReply(b, 16, 16, Errno.EINVAL, channel.dispatch(40 + 40 + 512, this.handler));

        b = request(channel, FuseProtocol.FUSE_FALLOCATE, 17, 32);
        b.putLong(48, 0);
        b.putLong(56, 2 << 20);
        b.putInt(64, FuseProtocol.FALLOC_FL_PUNCH_HOLE | FuseProtocol.FALLOC_FL_KEEP_SIZE);
        assertReply(b, 16, 17, Errno.EINVAL, channel.dispatch(40 + 32, this.handler));
        assertThat(this.seen).isEmpty();
    }

    @Test
    void readOnlyDevicesRefuseWrites() {
        FuseChannel channel = channel(SPEC.toBuilder().readOnly(true).build(), ALL);
        ByteBuffer b = request(channel, FuseProtocol.FUSE_WRITE, 18, 40 + 512);
        b.putInt(56, 512);
        assertReply(b, 16, 18, Errno.EROFS, channel.dispatch(40 + 40 + 512, this.handler));
        assertThat(this.seen).isEmpty();
    }

    @Test
    void fsyncIsAFlushWhenTheDriverHasOne() {
        FuseChannel channel = channel(SPEC, ALL);
        ByteBuffer b = request(channel, FuseProtocol.FUSE_FSYNC, 19, 16);
        assertReply(b, 16, 19, 0, channel.dispatch(40 + 16, this.handler));
        assertThat(this.seen).containsExactly("FLUSH 0 0");

        FuseChannel noFlush = channel(SPEC, EnumSet.of(Operation.READ, Operation.WRITE));
        b = request(noFlush, FuseProtocol.FUSE_FSYNC, 20, 16);
        assertReply(b, 16, 20, 0, noFlush.dispatch(40 + 16, this.handler));
        assertThat(this.seen).hasSize(1);
    }

    private int fallocate(FuseChannel channel, int mode) {
        ByteBuffer b = request(channel, FuseProtocol.FUSE_FALLOCATE, 21, 32);
        b.putLong(48, 65536);
        b.putLong(56, 8192);
        b.putInt(64, mode);
        int reply = channel.dispatch(40 + 32, this.handler);
        assertThat(reply).isEqualTo(16);
        assertThat(b.getLong(8)).isEqualTo(21);
        return -b.getInt(4);
    }

    @Test
    void fallocateMapsPunchHoleAndZeroRange() {
        int punch = FuseProtocol.FALLOC_FL_PUNCH_HOLE | FuseProtocol.FALLOC_FL_KEEP_SIZE;
        int zero = FuseProtocol.FALLOC_FL_ZERO_RANGE | FuseProtocol.FALLOC_FL_KEEP_SIZE;
        FuseChannel all = channel(SPEC, ALL);
        assertThat(fallocate(all, punch)).isZero();
        assertThat(fallocate(all, zero)).isZero();
        assertThat(fallocate(all, FuseProtocol.FALLOC_FL_ZERO_RANGE)).isZero();
        assertThat(fallocate(all, 0)).isEqualTo(Errno.EOPNOTSUPP);
        assertThat(this.seen).containsExactly("WRITE_ZEROES 65536 8192 unmap=true",
                "WRITE_ZEROES 65536 8192 unmap=false", "WRITE_ZEROES 65536 8192 unmap=false");

        this.seen.clear();
        FuseChannel discardOnly = channel(SPEC, EnumSet.of(Operation.READ, Operation.WRITE, Operation.DISCARD));
        assertThat(fallocate(discardOnly, punch)).isZero();
        assertThat(fallocate(discardOnly, zero)).isEqualTo(Errno.EOPNOTSUPP);
        assertThat(this.seen).containsExactly("DISCARD 65536 8192");

        this.seen.clear();
        FuseChannel neither = channel(SPEC, EnumSet.of(Operation.READ, Operation.WRITE));
        assertThat(fallocate(neither, punch)).isEqualTo(Errno.EOPNOTSUPP);
        assertThat(this.seen).isEmpty();
    }

    @Test
    void statfsReportsTheLogicalBlockSize() {
        FuseChannel channel = channel(SPEC, ALL);
        ByteBuffer b = request(channel, FuseProtocol.FUSE_STATFS, 22, 0);
        assertReply(b, 16 + 80, 22, 0, channel.dispatch(40, this.handler));
        assertThat(b.getLong(16)).isEqualTo((1 << 20) / 512);
        assertThat(b.getInt(16 + 40)).isEqualTo(512);
        assertThat(b.getInt(16 + 44)).isEqualTo(255);
    }

    @Test
    void requestsWithoutRepliesAndUnknownOpcodes() {
        FuseChannel channel = channel(SPEC, ALL);
        request(channel, FuseProtocol.FUSE_FORGET, 23, 8);
        assertThat(channel.dispatch(40 + 8, this.handler)).isZero();
        request(channel, FuseProtocol.FUSE_INTERRUPT, 24, 8);
        assertThat(channel.dispatch(40 + 8, this.handler)).isZero();
        ByteBuffer b = request(channel, FuseProtocol.FUSE_LOOKUP, 25, 8);
        assertReply(b, 16, 25, Errno.ENOSYS, channel.dispatch(40 + 8, this.handler));
        b = request(channel, FuseProtocol.FUSE_RELEASE, 26, 24);
        assertReply(b, 16, 26, 0, channel.dispatch(40 + 24, this.handler));
        b = request(channel, FuseProtocol.FUSE_FLUSH, 27, 24);
        assertReply(b, 16, 27, 0, channel.dispatch(40 + 24, this.handler));
        // a length that disagrees with the header is dropped
        request(channel, FuseProtocol.FUSE_GETATTR, 28, 16);
        assertThat(channel.dispatch(40, this.handler)).isZero();
    }

    @Test
    void aThrowingHandlerBecomesEio() {
        FuseChannel channel = channel(SPEC, ALL);
        ByteBuffer b = request(channel, FuseProtocol.FUSE_READ, 29, 40);
        b.putInt(56, 512);
        assertReply(b, 16, 29, Errno.EIO, channel.dispatch(40 + 40, request -> {
            throw new IllegalStateException("boom");
        }));
    }
}
