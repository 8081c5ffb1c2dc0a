package io.bdus.driver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class AsyncBlockDriverTest {

    @Test
    void capabilitiesAreTheOverriddenAsynchronousMethods() {
        AsyncBlockDriver readOnly = (buffer, offset, completion) -> completion.complete();
        assertThat(readOnly.supportedOperations()).containsExactly(Operation.READ);
        assertThat(readOnly.concurrency()).isEqualTo(Concurrency.PARALLEL);
        assertThat(new Echo().supportedOperations()).containsExactlyInAnyOrder(Operation.READ, Operation.WRITE,
                Operation.FLUSH, Operation.IOCTL);
    }

    @Test
    void blockingCallsWaitForACompletionFromAnotherThread() throws IOException {
        Echo driver = new Echo();
        ByteBuffer buffer = ByteBuffer.allocate(512);
        driver.read(buffer, 0);
        assertThat(buffer.position()).isEqualTo(512);
        assertThat(driver.ioctl(7, ByteBuffer.allocate(8), true)).isEqualTo(7);
        assertThat(driver.ioctl(7, ByteBuffer.allocate(8))).isEqualTo(7);
    }

    @Test
    void failuresReachTheBlockingCaller() {
        Echo driver = new Echo();
        assertThatThrownBy(() -> driver.write(ByteBuffer.allocate(512), 0)).isInstanceOfSatisfying(
                BlockDriverException.class, ex -> assertThat(ex.errno()).isEqualTo(Errno.ENOSPC));
        assertThatThrownBy(driver::flush).isInstanceOf(IllegalStateException.class).hasMessage("thrown");
        assertThatThrownBy(() -> driver.discard(0, 512)).isInstanceOfSatisfying(BlockDriverException.class,
                ex -> assertThat(ex.errno()).isEqualTo(Errno.EOPNOTSUPP));
    }

    @Test
    void onlyTheFirstCompletionCounts() throws IOException {
        AsyncBlockDriver driver = (buffer, offset, completion) -> {
            buffer.position(buffer.limit());
            completion.complete();
            completion.fail(Errno.EIO);
            completion.fail(new IOException("late"));
        };
        driver.read(ByteBuffer.allocate(512), 0);
    }

    /** Completes reads and ioctls on another thread; fails writes with ENOSPC; its flush throws. */
    static class Echo implements AsyncBlockDriver {

        @Override
        public void read(ByteBuffer buffer, long offset, Completion completion) {
            CompletableFuture.runAsync(() -> {
                buffer.position(buffer.limit());
                completion.complete();
            });
        }

        @Override
        public void write(ByteBuffer buffer, long offset, Completion completion) {
            completion.fail(Errno.ENOSPC);
        }

        @Override
        public void flush(Completion completion) {
            throw new IllegalStateException("thrown");
        }

        @Override
        public void ioctl(int command, ByteBuffer argument, boolean callerMayWrite, Completion completion) {
            CompletableFuture.runAsync(() -> completion.complete(command));
        }
    }
}
