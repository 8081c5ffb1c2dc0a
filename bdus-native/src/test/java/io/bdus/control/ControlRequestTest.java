package io.bdus.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import io.bdus.control.ControlRequest.Verb;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ControlRequestTest {

    @Test
    void linesRoundTrip() {
        for (ControlRequest request : new ControlRequest[] { ControlRequest.names(),
            ControlRequest.of(Verb.STATUS, "disk0"), ControlRequest.of(Verb.FLUSH, "a_b-1"),
            new ControlRequest(Verb.DETACH, "d", true, true), new ControlRequest(Verb.DESTROY, "d", true, false),
            new ControlRequest(Verb.DESTROY, "d", false, false) }) {
            assertThat(ControlRequest.parse(request.toLine())).isEqualTo(request);
        }
        assertThat(new ControlRequest(Verb.DESTROY, "d", true, false).toLine()).isEqualTo("destroy d force no-flush");
        assertThat(ControlRequest.parse("destroy d no-flush force")).isEqualTo(
                new ControlRequest(Verb.DESTROY, "d", true, false));
    }

    @ParameterizedTest
    @ValueSource(strings = { "", "NAMES", "names x", "status", "status ../etc", "status a b", "flush d force",
        "detach d no-flush", "destroy d force force", "destroy d  force", "status 012345678901234567890123456789012",
        "reboot now", "status d\u0000" })
    void everyFieldIsChecked(String line) {
        assertThatIllegalArgumentException().isThrownBy(() -> ControlRequest.parse(line));
    }
}
