package io.bdus.transport.ublk;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
import io.bdus.driver.Errno;
import io.bdus.driver.Operation;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** What a tag's descriptor may say, and how a bad one fails that request only. */
class UblkRequestTest {

    private static final long SIZE = 1L << 20;

    private static final int BUFFER = 64 << 10;

    private final ByteBuffer descriptor = ByteBuffer.allocateDirect(UblkAbi.IO_DESC_SIZE).order(ByteOrder.nativeOrder());

    private final ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER + 4096).alignedSlice(4096);

    private final long address = Pointer.nativeValue(Native.getDirectBufferPointer(this.buffer));

    private UblkRequest request(int logicalBlockSize, Set<Operation> operations) {
        return new UblkRequest(3, this.descriptor, this.buffer, this.address, SIZE, logicalBlockSize, operations);
    }

    private UblkRequest all() {
        return request(512, EnumSet.of(Operation.READ, Operation.WRITE, Operation.FUA_WRITE, Operation.FLUSH,
                Operation.DISCARD, Operation.WRITE_ZEROES));
    }

    private void describe(int opFlags, long sectors, long start, long addr) {
        this.descriptor.putInt(UblkAbi.IOD_OP_FLAGS, opFlags);
        this.descriptor.putInt(UblkAbi.IOD_NR_SECTORS, (int) sectors);
        this.descriptor.putLong(UblkAbi.IOD_START_SECTOR, start);
        this.descriptor.putLong(UblkAbi.IOD_ADDR, addr);
    }

    @Test
    void aReadGetsThePayloadViewAndCommitsItsBytes() {
        UblkRequest request = all();
        describe(UblkAbi.IO_OP_READ, 16, 8, this.address);
        assertThat(request.decode()).isZero();
        assertThat(request.operation()).isEqualTo(Operation.READ);
        assertThat(request.offset()).isEqualTo(4096);
        assertThat(request.payload().remaining()).isEqualTo(8192);
        assertThat(request.result(0)).isEqualTo(8192);
        assertThat(request.result(Errno.ENOSPC)).isEqualTo(-Errno.ENOSPC);
    }

    @Test
    void flagsSelectFuaWritesAndUnmappingWriteZeroes() {
        UblkRequest request = all();
        describe(UblkAbi.IO_OP_WRITE | UblkAbi.IO_F_FUA, 1, 0, this.address);
        assertThat(request.decode()).isZero();
        assertThat(request.operation()).isEqualTo(Operation.FUA_WRITE);
        assertThat(request.result(0)).isEqualTo(512);
        describe(UblkAbi.IO_OP_WRITE_ZEROES, 8, 0, 0);
        assertThat(request.decode()).isZero();
        assertThat(request.mayUnmap()).isTrue();
        assertThat(request.length()).isEqualTo(4096);
        assertThat(request.result(0)).isZero();
        describe(UblkAbi.IO_OP_WRITE_ZEROES | UblkAbi.IO_F_NOUNMAP, 8, 0, 0);
        assertThat(request.decode()).isZero();
        assertThat(request.mayUnmap()).isFalse();
        describe(UblkAbi.IO_OP_FLUSH, 0, 0, 0);
        assertThat(request.decode()).isZero();
        assertThat(request.operation()).isEqualTo(Operation.FLUSH);
    }

    @Test
    void rangesOutsideTheDeviceFailWithEio() {
        UblkRequest request = all();
        long sectors = SIZE >> 9;
        describe(UblkAbi.IO_OP_READ, 1, sectors, this.address);
        assertThat(request.decode()).isEqualTo(Errno.EIO);
        describe(UblkAbi.IO_OP_DISCARD, 2, sectors - 1, 0);
        assertThat(request.decode()).isEqualTo(Errno.EIO);
        describe(UblkAbi.IO_OP_DISCARD, 0xffffffffL, 1, 0);
        assertThat(request.decode()).isEqualTo(Errno.EIO);
        describe(UblkAbi.IO_OP_WRITE, 1, Long.MIN_VALUE, this.address);
        assertThat(request.decode()).isEqualTo(Errno.EIO);
        describe(UblkAbi.IO_OP_READ, 0, 0, this.address);
        assertThat(request.decode()).isEqualTo(Errno.EIO);
        assertThat(request.result(Errno.EIO)).isEqualTo(-Errno.EIO);
    }

    @Test
    void sizesTheBufferCannotHoldOrAnotherBufferFailWithEio() {
        UblkRequest request = all();
        describe(UblkAbi.IO_OP_READ, (BUFFER >> 9) + 1, 0, this.address);
        assertThat(request.decode()).isEqualTo(Errno.EIO);
        describe(UblkAbi.IO_OP_WRITE, 1, 0, this.address + 4096);
        assertThat(request.decode()).isEqualTo(Errno.EIO);
    }

    @Test
    void partialLogicalBlocksFailWithEio() {
        UblkRequest request = request(4096, EnumSet.of(Operation.READ));
        describe(UblkAbi.IO_OP_READ, 8, 1, this.address);
        assertThat(request.decode()).isEqualTo(Errno.EIO);
        describe(UblkAbi.IO_OP_READ, 4, 0, this.address);
        assertThat(request.decode()).isEqualTo(Errno.EIO);
        describe(UblkAbi.IO_OP_READ, 8, 8, this.address);
        assertThat(request.decode()).isZero();
    }

    @Test
    void opsTheDeviceDoesNotAdvertiseFailWithEopnotsupp() {
        UblkRequest request = request(512, EnumSet.of(Operation.READ));
        describe(UblkAbi.IO_OP_DISCARD, 8, 0, 0);
        assertThat(request.decode()).isEqualTo(Errno.EOPNOTSUPP);
        describe(UblkAbi.IO_OP_WRITE, 1, 0, this.address);
        assertThat(request.decode()).isEqualTo(Errno.EOPNOTSUPP);
        describe(UblkAbi.IO_OP_WRITE_SAME, 1, 0, this.address);
        assertThat(request.decode()).isEqualTo(Errno.EOPNOTSUPP);
        describe(0x7f, 1, 0, this.address);
        assertThat(request.decode()).isEqualTo(Errno.EOPNOTSUPP);
    }
}
