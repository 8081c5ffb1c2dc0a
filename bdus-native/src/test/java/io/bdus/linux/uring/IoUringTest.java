package io.bdus.linux.uring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import io.bdus.linux.EventFd;
import io.bdus.linux.LibC;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The io_uring binding against the host kernel's io_uring. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class IoUringTest {

    private static final int EBADF = 9;

    private static final int EOPNOTSUPP = 95;

    private static final int POLLIN = 1;

    /** Completions recorded in arrays, so that draining allocates nothing. */
    private static final class Recorder implements CompletionHandler {

        final long[] userData = new long[4096];

        final int[] results = new int[4096];

        int count;

        @Override
        public void onCompletion(long data, int result, int flags) {
            this.userData[this.count] = data;
            this.results[this.count] = result;
            this.count++;
        }
    }

    @Test
    void nopsRoundTripWithTheirUserDataAcrossManyTurnsOfTheRing() throws Exception {
        try (IoUring ring = IoUring.open(8, 0)) {
            assertThat(ring.submissionQueueEntries()).isEqualTo(8);
            assertThat(ring.completionQueueEntries()).isEqualTo(16);
            assertThat(ring.features() & IoUring.FEAT_SINGLE_MMAP).isNotZero();
            Recorder recorder = new Recorder();
            long next = 1000;
            for (int round = 0; round < 50; round++) {
                for (int i = 0; i < 5; i++) {
                    ring.next().nop(next++);
                }
                assertThat(ring.submitAndWait(5)).isEqualTo(5);
                assertThat(ring.complete(recorder)).isEqualTo(5);
            }
            assertThat(recorder.count).isEqualTo(250);
            for (int i = 0; i < recorder.count; i++) {
                assertThat(recorder.userData[i]).isEqualTo(1000 + i);
                assertThat(recorder.results[i]).isZero();
            }
        }
    }

    @Test
    void readsAFileIntoNativeMemory(@TempDir Path dir) throws Exception {
        byte[] content = new byte[8192];
        for (int i = 0; i < content.length; i++) {
            content[i] = (byte) (i * 31 + 7);
        }
        Path file = dir.resolve("data");
        Files.write(file, content);
        int fd = LibC.open(file.toString(), LibC.Flags.O_RDONLY | LibC.Flags.O_CLOEXEC, 0);
        try (IoUring ring = IoUring.open(4, 0); Memory buffer = new Memory(4096)) {
            ring.next().read(fd, Pointer.nativeValue(buffer), 4096, 4096, 42);
            ring.submitAndWait(1);
            Recorder recorder = new Recorder();
            ring.complete(recorder);
            assertThat(recorder.count).isEqualTo(1);
            assertThat(recorder.userData[0]).isEqualTo(42);
            assertThat(recorder.results[0]).isEqualTo(4096);
            byte[] read = buffer.getByteArray(0, 4096);
            for (int i = 0; i < read.length; i++) {
                assertThat(read[i]).isEqualTo(content[4096 + i]);
            }
        }
        finally {
            LibC.close(fd);
        }
    }

    @Test
    void anEventfdReadInTheRingWakesAWaitingThread() throws Exception {
        try (IoUring ring = IoUring.open(4, 0); EventFd event = EventFd.open(false);
                Memory counter = new Memory(8)) {
            counter.setLong(0, 0);
            ring.next().read(event.fd(), Pointer.nativeValue(counter), 8, -1, 7);
            ring.submit();
            CompletableFuture<Void> signaller = CompletableFuture.runAsync(() -> {
                sleep(200);
                event.signal();
            });
            long start = System.nanoTime();
            ring.submitAndWait(1);
            long waited = System.nanoTime() - start;
            Recorder recorder = new Recorder();
            assertThat(ring.complete(recorder)).isEqualTo(1);
            assertThat(recorder.userData[0]).isEqualTo(7);
            assertThat(recorder.results[0]).isEqualTo(8);
            assertThat(counter.getLong(0)).isEqualTo(1);
            assertThat(waited).isGreaterThan(TimeUnit.MILLISECONDS.toNanos(100));
            signaller.get();
        }
    }

    @Test
    void aPollOnAnEventfdCompletesWhenItIsSignalled() throws Exception {
        try (IoUring ring = IoUring.open(4, 0); EventFd event = EventFd.open(true)) {
            ring.next().pollAdd(event.fd(), POLLIN, 9);
            ring.submit();
            Recorder recorder = new Recorder();
            assertThat(ring.complete(recorder)).isZero();
            event.signal();
            event.signal();
            ring.submitAndWait(1);
            assertThat(ring.complete(recorder)).isEqualTo(1);
            assertThat(recorder.userData[0]).isEqualTo(9);
            assertThat(recorder.results[0] & POLLIN).isEqualTo(POLLIN);
            assertThat(event.read()).isEqualTo(2);
        }
    }

    @Test
    void aFullSubmissionQueueHandsOutNoEntryUntilSubmitted() throws Exception {
        try (IoUring ring = IoUring.open(4, 0)) {
            for (int i = 0; i < 4; i++) {
                SubmissionEntry entry = ring.next();
                assertThat(entry).isNotNull();
                entry.nop(i);
            }
            assertThat(ring.next()).isNull();
            assertThat(ring.pending()).isEqualTo(4);
            assertThat(ring.submit()).isEqualTo(4);
            assertThat(ring.pending()).isZero();
            assertThat(ring.next()).isNotNull();
        }
    }

    @Test
    void completionsBeyondTheCompletionQueueAreKeptNotDropped() throws Exception {
        try (IoUring ring = IoUring.open(4, 0)) {
            assertThat(ring.features() & IoUring.FEAT_NODROP).isNotZero();
            int submitted = 0;
            for (int round = 0; round < 5; round++) {
                for (int i = 0; i < 4; i++) {
                    ring.next().nop(submitted++);
                }
                while (ring.pending() > 0) {
                    ring.submit();
                }
            }
            // 20 completions for an 8-entry completion queue: the rest wait in the kernel.
            Recorder recorder = new Recorder();
            while (recorder.count < submitted) {
                ring.complete(recorder);
                if (recorder.count < submitted) {
                    ring.submitAndWait(1);
                }
            }
            TreeSet<Long> seen = new TreeSet<>();
            for (int i = 0; i < recorder.count; i++) {
                seen.add(recorder.userData[i]);
            }
            assertThat(seen).hasSize(20).first().isEqualTo(0L);
            assertThat(seen.last()).isEqualTo(19L);
        }
    }

    @Test
    void failuresArriveAsNegativeErrnos(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("plain");
        Files.writeString(file, "x");
        int fd = LibC.open(file.toString(), LibC.Flags.O_RDONLY | LibC.Flags.O_CLOEXEC, 0);
        // Far above any descriptor this process has open (a closed one could be reused by the ring).
        int closed = 1 << 20;
        try (IoUring ring = IoUring.open(4, IoUring.SETUP_SQE128); Memory buffer = new Memory(16)) {
            ring.next().read(closed, Pointer.nativeValue(buffer), 16, 0, 1);
            // A plain file has no driver commands.
            ring.next().uringCommand(fd, 0x1234, 2).putCommandLong(72, -1L);
            ring.submitAndWait(2);
            Recorder recorder = new Recorder();
            ring.complete(recorder);
            List<String> outcomes = new ArrayList<>();
            for (int i = 0; i < recorder.count; i++) {
                outcomes.add(recorder.userData[i] + ":" + recorder.results[i]);
            }
            assertThat(outcomes).containsExactlyInAnyOrder("1:" + -EBADF, "2:" + -EOPNOTSUPP);
        }
        finally {
            LibC.close(fd);
        }
    }

    @Test
    void theCommandAreaIs16BytesOr80WithBigEntries() throws Exception {
        try (IoUring small = IoUring.open(2, 0); IoUring big = IoUring.open(2, IoUring.SETUP_SQE128)) {
            assertThat(small.flags() & IoUring.SETUP_SQE128).isZero();
            assertThat(small.next().commandSize()).isEqualTo(16);
            assertThat(big.next().commandSize()).isEqualTo(80);
            SubmissionEntry entry = small.next();
            entry.putCommandLong(8, 1);
            assertThatThrownBy(() -> entry.putCommandLong(9, 1)).isInstanceOf(IndexOutOfBoundsException.class)
                .hasMessageContaining("16-byte command area");
            assertThatThrownBy(() -> entry.putCommandInt(-1, 1)).isInstanceOf(IndexOutOfBoundsException.class);
        }
    }

    @Test
    void aWaitWithATimeoutReturnsWhenNothingCompletes() throws Exception {
        try (IoUring ring = IoUring.open(2, 0)) {
            long start = System.nanoTime();
            assertThat(ring.submitAndWait(1, TimeUnit.MILLISECONDS.toNanos(100))).isZero();
            assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(90));
            assertThat(ring.ready()).isZero();
        }
    }

    @Test
    void theProbeKnowsNopAndUringCommands() throws Exception {
        try (IoUring ring = IoUring.open(2, 0)) {
            assertThat(ring.supports(IoUringOp.NOP)).isTrue();
            assertThat(ring.supports(IoUringOp.URING_CMD)).isTrue();
            assertThat(ring.supports(250)).isFalse();
        }
    }

    @Test
    void badSizesAreRefusedNamingTheAllowedRange() {
        assertThatThrownBy(() -> IoUring.open(0, 0)).hasMessage("io_uring entries: 0 (allowed: 1 to 32768)");
        assertThatThrownBy(() -> IoUring.open(8, 4, 0))
            .hasMessage("io_uring CQ entries: 4 (allowed: 0, or at least the 8 SQ entries)");
    }

    @Test
    void aClosedRingRefusesToSubmit() throws Exception {
        IoUring ring = IoUring.open(2, 0);
        ring.close();
        ring.close();
        assertThatThrownBy(ring::submit).hasMessageContaining("is closed");
    }

    @Test
    void submittingAndCompletingAllocatesNothing() throws Exception {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory
            .getThreadMXBean();
        try (IoUring ring = IoUring.open(32, 0)) {
            Recorder recorder = new Recorder();
            CompletionHandler sink = (userData, result, flags) -> recorder.count++;
            roundTrips(ring, sink, 20_000);
            long before = threads.getCurrentThreadAllocatedBytes();
            roundTrips(ring, sink, 100_000);
            long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            // 1.6 million operations: anything per operation would show as megabytes.
            assertThat(allocated).isLessThan(64 * 1024);
        }
    }

    private static void roundTrips(IoUring ring, CompletionHandler sink, int rounds) throws Exception {
        for (int round = 0; round < rounds; round++) {
            for (int i = 0; i < 16; i++) {
                ring.next().nop(i);
            }
            ring.submitAndWait(16);
            ring.complete(sink);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }
}
