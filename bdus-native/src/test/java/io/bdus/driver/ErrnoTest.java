package io.bdus.driver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class ErrnoTest {

    @ParameterizedTest
    @CsvSource({ "28, 28", "67, 67", "110, 110", "5, 5", "1, 5", "12, 5", "22, 5", "95, 5", "4095, 5", "0, 5", "-3, 5" })
    void onlyNoSpaceNoLinkAndTimeoutReachClients(int driverErrno, int clientErrno) {
        assertThat(Errno.forClient(driverErrno)).isEqualTo(clientErrno);
    }

    @Test
    void exceptionRejectsErrnoOutsideTheKernelRange() {
        assertThatIllegalArgumentException().isThrownBy(() -> new BlockDriverException(0, "x"))
            .withMessageContaining("1..4095");
        assertThat(new BlockDriverException(Errno.ENOSPC, "full").errno()).isEqualTo(28);
    }
}
