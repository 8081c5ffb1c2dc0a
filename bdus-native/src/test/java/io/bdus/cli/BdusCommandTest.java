package io.bdus.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Exit codes and messages of usage errors, in process. */
class BdusCommandTest {

    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine commandLine = BdusCommand.commandLine();
        commandLine.setErr(new PrintWriter(this.err, true));
        commandLine.setOut(new PrintWriter(new StringWriter(), true));
        return commandLine.execute(args);
    }

    @Test
    void usageErrorsExitWithTwoInTwoLines() {
        assertThat(run("serve", "--size", "lots", "--state-dir", "/nonexistent")).isEqualTo(2);
        assertThat(this.err.toString()).isEqualTo("bdus serve: Invalid value for option '--size': 'lots' is not a "
                + "size: use " + ByteSize.UNITS_HELP + "\nTry 'bdus serve --help'.\n");
    }

    @Test
    void deviceSpecLimitsNameTheOption() {
        assertThat(run("serve", "--workers", "300", "--state-dir", "/nonexistent")).isEqualTo(2);
        assertThat(this.err.toString()).startsWith("bdus serve: Invalid value for option '--workers': 300 (allowed: 1 "
                + "to 256)");
    }

    @Test
    void theLatencyDriverOptionsGoTogether() {
        assertThat(run("serve", "--async", "--state-dir", "/nonexistent")).isEqualTo(2);
        assertThat(this.err.toString()).startsWith("bdus serve: --async needs --latency");
        this.err.getBuffer().setLength(0);
        assertThat(run("serve", "--latency", "1ms", "--file", "/nonexistent/disk.img", "--state-dir", "/nonexistent"))
            .isEqualTo(2);
        assertThat(this.err.toString()).startsWith("bdus serve: --latency serves a RAM disk");
        this.err.getBuffer().setLength(0);
        assertThat(run("serve", "--latency", "soon", "--state-dir", "/nonexistent")).isEqualTo(2);
        assertThat(this.err.toString()).startsWith("bdus serve: Invalid value for option '--latency': 'soon' is not a "
                + "latency");
    }

    @Test
    void aFailedCommandExitsWithOne() {
        assertThat(run("flush", "missing", "--state-dir", "/nonexistent")).isEqualTo(1);
        assertThat(this.err.toString()).startsWith("bdus flush: No bdus device named 'missing'");
    }

    @Test
    void noCommandIsAUsageError() {
        assertThat(run()).isEqualTo(2);
        assertThat(this.err.toString()).contains("Missing command");
    }
}
