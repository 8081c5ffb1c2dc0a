package io.bdus.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.jna.LastErrorException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class EventFdTest {

    @Test
    void countsSignalsFromSeveralThreadsUntilRead() throws Exception {
        try (EventFd event = EventFd.open(true)) {
            CompletableFuture<?>[] signallers = new CompletableFuture<?>[4];
            for (int i = 0; i < signallers.length; i++) {
                signallers[i] = CompletableFuture.runAsync(() -> {
                    for (int j = 0; j < 250; j++) {
                        event.signal();
                    }
                });
            }
            CompletableFuture.allOf(signallers).get(60, TimeUnit.SECONDS);
            assertThat(event.read()).isEqualTo(1000);
            assertThatThrownBy(event::read).isInstanceOfSatisfying(LastErrorException.class,
                    ex -> assertThat(ex.getErrorCode()).isEqualTo(11));
        }
    }

    @Test
    void aSignalAfterCloseIsDropped() {
        EventFd event = EventFd.open(false);
        assertThat(event.signal()).isTrue();
        event.close();
        event.close();
        assertThat(event.signal()).isFalse();
    }
}
