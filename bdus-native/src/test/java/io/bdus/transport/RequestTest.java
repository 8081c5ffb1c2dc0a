package io.bdus.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.bdus.driver.Errno;
import io.bdus.driver.Operation;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** A request answered before its handler returns, or later on another thread. */
class RequestTest {

    private final List<String> sent = new ArrayList<>();

    private final Request request = new Request() {
        @Override
        protected void sendLater(int errno) {
            RequestTest.this.sent.add(Thread.currentThread().getName() + " " + errno);
        }
    }.set(Operation.FLUSH, 0, 0, null, false);

    @Test
    void anAnswerBeforeReturningIsLeftForTheTransportsThread() {
        assertThat(this.request.handTo(r -> r.reply(Errno.ENOSPC))).isTrue();
        assertThat(this.request.errno()).isEqualTo(Errno.ENOSPC);
        assertThat(this.sent).isEmpty();
    }

    @Test
    void anAnswerAfterReturningIsSentByTheAnsweringThread() throws Exception {
        AtomicReference<Request> later = new AtomicReference<>();
        assertThat(this.request.handTo(later::set)).isFalse();
        Thread answering = new Thread(() -> later.get().reply(0), "answering");
        answering.start();
        answering.join();
        assertThat(this.sent).containsExactly("answering 0");
        // and it can be handed over again
        assertThat(this.request.handTo(r -> r.reply(0))).isTrue();
    }

    @Test
    void aSecondAnswerIsDroppedNotSent() {
        AtomicReference<Request> later = new AtomicReference<>();
        this.request.handTo(later::set);
        later.get().reply(0);
        later.get().reply(Errno.EIO);
        assertThat(this.sent).hasSize(1);
    }

    @Test
    void aThrowingHandlerAnswersEio() {
        assertThat(this.request.handTo(r -> {
            throw new IllegalStateException("bug");
        })).isTrue();
        assertThat(this.request.errno()).isEqualTo(Errno.EIO);
    }

    @Test
    void answersRacingTheReturnAreSentExactlyOnce() throws Exception {
        for (int i = 0; i < 2000; i++) {
            List<String> before = List.copyOf(this.sent);
            CompletableFuture<Void> answer = new CompletableFuture<>();
            boolean inline = this.request.handTo(r -> answer.completeAsync(() -> {
                r.reply(0);
                return null;
            }));
            answer.get();
            int sentLater = this.sent.size() - before.size();
            assertThat(sentLater).as("iteration %d", i).isEqualTo(inline ? 0 : 1);
        }
    }
}
