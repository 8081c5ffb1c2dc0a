package io.bdus.transport.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import io.bdus.device.DeviceSpec;
import io.bdus.driver.Errno;
import io.bdus.driver.Operation;
import io.bdus.transport.Request;
import io.bdus.transport.RequestHandler;
import com.sun.jna.Pointer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.function.ToIntFunction;
import org.junit.jupiter.api.Test;

/**
 * Decoding and encoding of the /dev/fuse protocol against byte layouts, without a kernel: requests
 * are written into a {@link FuseRequest}'s views as the kernel would place them, replies read
 * back from its reply views.
 */
class FuseOperationsTest {

    private static final DeviceSpec SPEC = DeviceSpec.builder("unit", 1 << 20).maxRequestSize(64 * 1024).build();

    private static final Set<Operation> ALL = EnumSet.of(Operation.READ, Operation.WRITE, Operation.FLUSH,
            Operation.WRITE_ZEROES, Operation.DISCARD);

    private final List<String> seen = new ArrayList<>();

    private int answer;

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

    /** A request buffer of a session, with the protocol code that serves it. */
    private record Fuse(FuseRequest request, FuseOperations operations) {

        /** Decodes the request of {@code length} bytes; serves one for the driver with {@code driver}. */
        int dispatch(int length, ToIntFunction<Request> driver) {
            int reply = this.operations.decode(this.request, length);
            if (reply == FuseOperations.FOR_DRIVER) {
                reply = this.operations.answer(this.request, driver.applyAsInt(this.request));
            }
            return reply;
        }
    }

    private static Fuse channel(DeviceSpec spec, Set<Operation> operations) {
        return channel(new FuseSession(spec, operations, 16, io.bdus.linux.Owner.ROOT));
    }

    private static Fuse channel(FuseSession session) {
        return new Fuse(FuseRequest.forDevFuse(session.spec().maxRequestSize()), new FuseOperations(session));
    }

    private int dispatch(Fuse fuse, int length) {
        return fuse.dispatch(length, this::handle);
    }

    /**
     * Writes a fuse_in_header for a request whose argument has {@code argLength} bytes (zeroed)
     * and returns the view of the arguments.
     */
    private static ByteBuffer request(Fuse fuse, int opcode, long unique, int argLength) {
        ByteBuffer in = fuse.request().inHeader();
        in.putInt(0, 40 + argLength);
        in.putInt(4, opcode);
        in.putLong(8, unique);
        in.putLong(16, 1);
        in.putInt(24, 0);
        in.putInt(28, 0);
        in.putInt(32, 1234);
        in.putInt(36, 0);
        ByteBuffer args = fuse.request().opArgs();
        for (int i = 0; i < argLength; i++) {
            args.put(i, (byte) 0);
        }
        for (int i = 0; i < 128; i++) {
            fuse.request().outArgs().put(i, (byte) 0x7f);
        }
        return args;
    }

    private static ByteBuffer out(Fuse fuse) {
        return fuse.request().outArgs();
    }

    private static void assertReply(Fuse fuse, int length, long unique, int errno, int replyLength) {
        ByteBuffer header = fuse.request().outHeader();
        assertThat(replyLength).isEqualTo(length);
        assertThat(header.getInt(0)).isEqualTo(length);
        assertThat(header.getInt(4)).isEqualTo(-errno);
        assertThat(header.getLong(8)).isEqualTo(unique);
    }

    @Test
    void nativeOrderIsLittleEndian() {
        assertThat(ByteOrder.nativeOrder()).isEqualTo(ByteOrder.LITTLE_ENDIAN);
        assertThat(FuseProtocol.FUSE_DEV_IOC_CLONE).isEqualTo(0x8004E500L);
        assertThat(Loop.CONFIG_SIZE).isEqualTo(304);
    }

    @Test
    void initNegotiatesMinorPagesAndAsyncDirectIo() {
        Fuse channel = channel(SPEC, ALL);
        ByteBuffer b = request(channel, FuseProtocol.FUSE_INIT, 2, 64);
        b.putInt(0, 7);
        b.putInt(4, 45);
        b.putInt(8, 128 * 1024);
        b.putInt(12, 0xffffffff);
        int reply = dispatch(channel, 40 + 64);
        assertReply(channel, 16 + 64, 2, 0, reply);
        assertThat(out(channel).getInt(0)).isEqualTo(7);
        assertThat(out(channel).getInt(4)).isEqualTo(FuseProtocol.MAX_MINOR);
        assertThat(out(channel).getInt(8)).isEqualTo(128 * 1024);
        assertThat(out(channel).getInt(12)).isEqualTo(FuseProtocol.FUSE_ASYNC_READ | FuseProtocol.FUSE_BIG_WRITES
                | FuseProtocol.FUSE_ASYNC_DIO | FuseProtocol.FUSE_MAX_PAGES);
        assertThat(out(channel).getShort(16)).isEqualTo((short) 16);
        assertThat(out(channel).getShort(18)).isEqualTo((short) 12);
        assertThat(out(channel).getInt(20)).isEqualTo(64 * 1024);
        assertThat(out(channel).getShort(28)).isEqualTo((short) 16);
        assertThat(out(channel).getInt(32)).isZero();
    }

    @Test
    void initEnablesIoUringOnlyWhenWantedAndOffered() {
        for (boolean wanted : new boolean[] { true, false }) {
            for (boolean offered : new boolean[] { true, false }) {
                FuseSession session = new FuseSession(SPEC, ALL, 16, io.bdus.linux.Owner.ROOT, wanted);
                Fuse channel = channel(session);
                ByteBuffer b = request(channel, FuseProtocol.FUSE_INIT, 2, 64);
                b.putInt(0, 7);
                b.putInt(4, 45);
                b.putInt(12, FuseProtocol.FUSE_ASYNC_DIO | FuseProtocol.FUSE_INIT_EXT);
                b.putInt(16, offered ? FuseProtocol.FUSE_OVER_IO_URING_FLAGS2 : 0);
                assertReply(channel, 16 + 64, 2, 0, dispatch(channel, 40 + 64));
                boolean uring = wanted && offered;
                assertThat(session.uring()).as("wanted %s, offered %s", wanted, offered).isEqualTo(uring);
                assertThat(out(channel).getInt(4)).isEqualTo(uring ? 42 : FuseProtocol.MAX_MINOR);
                assertThat(out(channel).getInt(12) & FuseProtocol.FUSE_INIT_EXT).isEqualTo(
                        uring ? FuseProtocol.FUSE_INIT_EXT : 0);
                assertThat(out(channel).getInt(32)).isEqualTo(uring ? 1 << 9 : 0);
            }
        }
    }

    @Test
    void initIgnoresFlags2WithoutInitExt() {
        FuseSession session = new FuseSession(SPEC, ALL, 16, io.bdus.linux.Owner.ROOT, true);
        Fuse channel = channel(session);
        ByteBuffer b = request(channel, FuseProtocol.FUSE_INIT, 2, 64);
        b.putInt(0, 7);
        b.putInt(4, 45);
        b.putInt(16, FuseProtocol.FUSE_OVER_IO_URING_FLAGS2);
        dispatch(channel, 40 + 64);
        assertThat(session.uring()).isFalse();
        assertThat(out(channel).getInt(32)).isZero();
    }

    @Test
    void initKeepsAnOlderKernelsMinorAndRefusesTooOldOnes() {
        Fuse channel = channel(SPEC, ALL);
        ByteBuffer b = request(channel, FuseProtocol.FUSE_INIT, 2, 16);
        b.putInt(0, 7);
        b.putInt(4, 36);
        assertReply(channel, 16 + 64, 2, 0, dispatch(channel, 40 + 16));
        assertThat(out(channel).getInt(4)).isEqualTo(36);

        b = request(channel, FuseProtocol.FUSE_INIT, 3, 16);
        b.putInt(0, 7);
        b.putInt(4, 26);
        assertReply(channel, 16, 3, 71, dispatch(channel, 40 + 16));

        b = request(channel, FuseProtocol.FUSE_INIT, 4, 16);
        b.putInt(0, 8);
        b.putInt(4, 1);
        assertReply(channel, 16 + 24, 4, 0, dispatch(channel, 40 + 16));
        assertThat(out(channel).getInt(0)).isEqualTo(7);
    }

    @Test
    void getattrDescribesOneRegularFileOfTheDeviceSize() {
        Fuse channel = channel(SPEC, ALL);
        request(channel, FuseProtocol.FUSE_GETATTR, 5, 16);
        assertReply(channel, 16 + 104, 5, 0, dispatch(channel, 40 + 16));
        assertThat(out(channel).getLong(0)).isPositive();
        ByteBuffer attr = out(channel).slice(16, 88).order(ByteOrder.nativeOrder());
        assertThat(attr.getLong(0)).isEqualTo(1);
        assertThat(attr.getLong(8)).isEqualTo(1 << 20);
        assertThat(attr.getLong(16)).isEqualTo((1 << 20) / 512);
        assertThat(attr.getInt(60)).isEqualTo(0100600);
        assertThat(attr.getInt(64)).isEqualTo(1);
        assertThat(attr.getInt(80)).isEqualTo(4096);
    }

    @Test
    void getattrOfAReadOnlyDeviceDropsWritePermission() {
        Fuse channel = channel(SPEC.toBuilder().readOnly(true).build(), ALL);
        request(channel, FuseProtocol.FUSE_GETATTR, 5, 16);
        dispatch(channel, 40 + 16);
        assertThat(out(channel).getInt(16 + 60)).isEqualTo(0100400);
    }

    @Test
    void setattrAcceptsOnlyTheCurrentSize() {
        Fuse channel = channel(SPEC, ALL);
        ByteBuffer b = request(channel, FuseProtocol.FUSE_SETATTR, 6, 88);
        b.putInt(0, FuseProtocol.FATTR_SIZE | FuseProtocol.FATTR_FH);
        b.putLong(16, 1 << 20);
        assertReply(channel, 16 + 104, 6, 0, dispatch(channel, 40 + 88));

        b = request(channel, FuseProtocol.FUSE_SETATTR, 7, 88);
        b.putInt(0, FuseProtocol.FATTR_SIZE);
        b.putLong(16, 4096);
        assertReply(channel, 16, 7, Errno.EINVAL, dispatch(channel, 40 + 88));

        b = request(channel, FuseProtocol.FUSE_SETATTR, 8, 88);
        b.putInt(0, FuseProtocol.FATTR_MODE);
        assertReply(channel, 16, 8, Errno.EPERM, dispatch(channel, 40 + 88));
    }

    @Test
    void openRepliesDirectIo() {
        Fuse channel = channel(SPEC, ALL);
        ByteBuffer b = request(channel, FuseProtocol.FUSE_OPEN, 9, 8);
        b.putInt(0, 2 | 040000);
        assertReply(channel, 16 + 16, 9, 0, dispatch(channel, 40 + 8));
        assertThat(out(channel).getInt(8) & FuseProtocol.FOPEN_DIRECT_IO).isNotZero();

        Fuse readOnly = channel(SPEC.toBuilder().readOnly(true).build(), ALL);
        b = request(readOnly, FuseProtocol.FUSE_OPEN, 10, 8);
        b.putInt(0, 2);
        assertReply(readOnly, 16, 10, Errno.EROFS, dispatch(readOnly, 40 + 8));
    }

    @Test
    void onlyRootAndTheOwnerMayOpenTheFile() {
        FuseSession session = new FuseSession(SPEC, ALL, 16, new io.bdus.linux.Owner(1000, 1001));
        Fuse channel = channel(session);
        ByteBuffer b = request(channel, FuseProtocol.FUSE_GETATTR, 11, 16);
        dispatch(channel, 40 + 16);
        assertThat(out(channel).getInt(16 + 68)).isEqualTo(1000);
        assertThat(out(channel).getInt(16 + 72)).isEqualTo(1001);

        for (int uid : new int[] { 0, 1000 }) {
            b = request(channel, FuseProtocol.FUSE_OPEN, 12, 8);
            channel.request().inHeader().putInt(24, uid);
            b.putInt(0, 2);
            assertReply(channel, 16 + 16, 12, 0, dispatch(channel, 40 + 8));
        }
        for (int uid : new int[] { 65534, 1001 }) {
            b = request(channel, FuseProtocol.FUSE_OPEN, 13, 8);
            channel.request().inHeader().putInt(24, uid);
            channel.request().inHeader().putInt(28, 1001);
            b.putInt(0, 0);
            assertReply(channel, 16, 13, Errno.EACCES, dispatch(channel, 40 + 8));
        }
    }

    @Test
    void readFillsThePayloadAfterTheReplyHeader() {
        Fuse channel = channel(SPEC, ALL);
        ByteBuffer b = request(channel, FuseProtocol.FUSE_READ, 11, 40);
        b.putLong(8, 8192);
        b.putInt(16, 4096);
        assertReply(channel, 16 + 4096, 11, 0, dispatch(channel, 40 + 40));
        assertThat(this.seen).containsExactly("READ 8192 4096");
        assertThat(out(channel).get(0)).isEqualTo((byte) 0);
        assertThat(out(channel).get(4095)).isEqualTo((byte) 4095);
    }

    @Test
    void readErrorsAreReturnedAsNegativeErrno() {
        Fuse channel = channel(SPEC, ALL);
        this.answer = Errno.ENOSPC;
        ByteBuffer b = request(channel, FuseProtocol.FUSE_READ, 12, 40);
        b.putInt(16, 512);
        assertReply(channel, 16, 12, Errno.ENOSPC, dispatch(channel, 40 + 40));
    }

    @Test
    void writeTakesThePayloadAfterWriteIn() {
        Fuse channel = channel(SPEC, ALL);
        ByteBuffer b = request(channel, FuseProtocol.FUSE_WRITE, 13, 40 + 8192);
        b.putLong(8, 4096);
        b.putInt(16, 8192);
        channel.request().ioPayload().put(0, (byte) 0x11);
        channel.request().ioPayload().put(8191, (byte) 0x22);
        assertReply(channel, 16 + 8, 13, 0, dispatch(channel, 40 + 40 + 8192));
        assertThat(out(channel).getInt(0)).isEqualTo(8192);
        assertThat(this.seen).containsExactly("WRITE 4096 8192");
    }

    @Test
    void outOfRangeOrUnalignedRequestsFailWithoutReachingTheHandler() {
        Fuse channel = channel(SPEC, ALL);
        ByteBuffer b = request(channel, FuseProtocol.FUSE_READ, 14, 40);
        b.putLong(8, (1 << 20) - 512);
        b.putInt(16, 1024);
        assertReply(channel, 16, 14, Errno.EINVAL, dispatch(channel, 40 + 40));

        b = request(channel, FuseProtocol.FUSE_READ, 15, 40);
        b.putLong(8, 100);
        b.putInt(16, 512);
        assertReply(channel, 16, 15, Errno.EINVAL, dispatch(channel, 40 + 40));

        b = request(channel, FuseProtocol.FUSE_WRITE, 16, 40 + 512);
        b.putLong(8, 1 << 20);
        b.putInt(16, 512);
        assertReply(channel, 16, 16, Errno.EINVAL, dispatch(channel, 40 + 40 + 512));

        b = request(channel, FuseProtocol.FUSE_FALLOCATE, 17, 32);
        b.putLong(8, 0);
        b.putLong(16, 2 << 20);
        b.putInt(24, FuseProtocol.FALLOC_FL_PUNCH_HOLE | FuseProtocol.FALLOC_FL_KEEP_SIZE);
        assertReply(channel, 16, 17, Errno.EINVAL, dispatch(channel, 40 + 32));
        assertThat(this.seen).isEmpty();
    }

    @Test
    void readOnlyDevicesRefuseWrites() {
        Fuse channel = channel(SPEC.toBuilder().readOnly(true).build(), ALL);
        ByteBuffer b = request(channel, FuseProtocol.FUSE_WRITE, 18, 40 + 512);
        b.putInt(16, 512);
        assertReply(channel, 16, 18, Errno.EROFS, dispatch(channel, 40 + 40 + 512));
        assertThat(this.seen).isEmpty();
    }

    @Test
    void fsyncIsAFlushWhenTheDriverHasOne() {
        Fuse channel = channel(SPEC, ALL);
        ByteBuffer b = request(channel, FuseProtocol.FUSE_FSYNC, 19, 16);
        assertReply(channel, 16, 19, 0, dispatch(channel, 40 + 16));
        assertThat(this.seen).containsExactly("FLUSH 0 0");

        Fuse noFlush = channel(SPEC, EnumSet.of(Operation.READ, Operation.WRITE));
        b = request(noFlush, FuseProtocol.FUSE_FSYNC, 20, 16);
        assertReply(noFlush, 16, 20, 0, dispatch(noFlush, 40 + 16));
        assertThat(this.seen).hasSize(1);
    }

    private int fallocate(Fuse channel, int mode) {
        ByteBuffer b = request(channel, FuseProtocol.FUSE_FALLOCATE, 21, 32);
        b.putLong(8, 65536);
        b.putLong(16, 8192);
        b.putInt(24, mode);
        int reply = dispatch(channel, 40 + 32);
        assertThat(reply).isEqualTo(16);
        assertThat(channel.request().outHeader().getLong(8)).isEqualTo(21);
        return -channel.request().outHeader().getInt(4);
    }

    @Test
    void fallocateMapsPunchHoleAndZeroRange() {
        int punch = FuseProtocol.FALLOC_FL_PUNCH_HOLE | FuseProtocol.FALLOC_FL_KEEP_SIZE;
        int zero = FuseProtocol.FALLOC_FL_ZERO_RANGE | FuseProtocol.FALLOC_FL_KEEP_SIZE;
        Fuse all = channel(SPEC, ALL);
        assertThat(fallocate(all, punch)).isZero();
        assertThat(fallocate(all, zero)).isZero();
        assertThat(fallocate(all, FuseProtocol.FALLOC_FL_ZERO_RANGE)).isZero();
        assertThat(fallocate(all, 0)).isEqualTo(Errno.EOPNOTSUPP);
        assertThat(this.seen).containsExactly("WRITE_ZEROES 65536 8192 unmap=true",
                "WRITE_ZEROES 65536 8192 unmap=false", "WRITE_ZEROES 65536 8192 unmap=false");

        this.seen.clear();
        Fuse discardOnly = channel(SPEC, EnumSet.of(Operation.READ, Operation.WRITE, Operation.DISCARD));
        assertThat(fallocate(discardOnly, punch)).isZero();
        assertThat(fallocate(discardOnly, zero)).isEqualTo(Errno.EOPNOTSUPP);
        assertThat(this.seen).containsExactly("DISCARD 65536 8192");

        this.seen.clear();
        Fuse neither = channel(SPEC, EnumSet.of(Operation.READ, Operation.WRITE));
        assertThat(fallocate(neither, punch)).isEqualTo(Errno.EOPNOTSUPP);
        assertThat(this.seen).isEmpty();
    }

    @Test
    void statfsReportsTheLogicalBlockSize() {
        Fuse channel = channel(SPEC, ALL);
        request(channel, FuseProtocol.FUSE_STATFS, 22, 0);
        assertReply(channel, 16 + 80, 22, 0, dispatch(channel, 40));
        assertThat(out(channel).getLong(0)).isEqualTo((1 << 20) / 512);
        assertThat(out(channel).getInt(40)).isEqualTo(512);
        assertThat(out(channel).getInt(44)).isEqualTo(255);
    }

    @Test
    void requestsWithoutRepliesAndUnknownOpcodes() {
        Fuse channel = channel(SPEC, ALL);
        request(channel, FuseProtocol.FUSE_FORGET, 23, 8);
        assertThat(dispatch(channel, 40 + 8)).isZero();
        request(channel, FuseProtocol.FUSE_INTERRUPT, 24, 8);
        assertThat(dispatch(channel, 40 + 8)).isZero();
        request(channel, FuseProtocol.FUSE_LOOKUP, 25, 8);
        assertReply(channel, 16, 25, Errno.ENOSYS, dispatch(channel, 40 + 8));
        request(channel, FuseProtocol.FUSE_RELEASE, 26, 24);
        assertReply(channel, 16, 26, 0, dispatch(channel, 40 + 24));
        request(channel, FuseProtocol.FUSE_FLUSH, 27, 24);
        assertReply(channel, 16, 27, 0, dispatch(channel, 40 + 24));
        // a length that disagrees with the header is dropped
        request(channel, FuseProtocol.FUSE_GETATTR, 28, 16);
        assertThat(dispatch(channel, 40)).isZero();
    }

    @Test
    void aThrowingHandlerBecomesEio() {
        Fuse channel = channel(SPEC, ALL);
        request(channel, FuseProtocol.FUSE_READ, 29, 40).putInt(16, 512);
        assertThat(channel.operations().decode(channel.request(), 40 + 40)).isEqualTo(FuseOperations.FOR_DRIVER);
        RequestHandler throwing = request -> {
            throw new IllegalStateException("boom");
        };
        assertThat(channel.request().serve(throwing, null)).as("answered before returning").isTrue();
        assertReply(channel, 16, 29, Errno.EIO,
                channel.operations().answer(channel.request(), channel.request().answer()));
    }

    @Test
    void devFuseLayoutPutsBothPayloadsOnAPageBoundary() {
        FuseRequest request = FuseRequest.forDevFuse(64 * 1024);
        ByteBuffer payload = request.ioPayload();
        assertThat(payload.alignmentOffset(0, 4096)).isZero();
        assertThat(payload.capacity()).isGreaterThanOrEqualTo(64 * 1024);
        // a request is read to 80 bytes before the page: header, then arguments, then a WRITE's data
        request.inHeader().put(0, (byte) 1);
        request.opArgs().put(0, (byte) 2);
        request.opArgs().put(39, (byte) 3);
        payload.put(0, (byte) 4);
        Pointer frame = request.readFrame();
        assertThat(new byte[] { frame.getByte(0), frame.getByte(40), frame.getByte(79), frame.getByte(80) })
            .containsExactly(1, 2, 3, 4);
        assertThat(request.readSize()).isGreaterThanOrEqualTo(80 + 64 * 1024);
        // arguments longer than fuse_write_in (INIT, SETATTR) run on past the page start
        assertThat(request.opArgs().capacity()).isGreaterThanOrEqualTo(40 + 64 * 1024);
        // a reply is written from 16 bytes before the page: header, then a READ's data
        request.outHeader().put(15, (byte) 5);
        assertThat(request.replyFrame().getByte(15)).isEqualTo((byte) 5);
        assertThat(request.replyFrame().getByte(16)).isEqualTo((byte) 4);
        assertThat(request.outArgs().get(0)).isEqualTo((byte) 4);
    }
}
