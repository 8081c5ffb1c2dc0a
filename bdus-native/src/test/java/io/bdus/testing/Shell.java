package io.bdus.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs host commands (mkfs, mount, dd, fio, ...) for tests and captures their output. */
public final class Shell {

    private Shell() {
    }

    public record Result(int exitCode, String output) {

        public Result requireSuccess() {
            if (this.exitCode != 0) {
                throw new AssertionError("command failed with exit code " + this.exitCode + ":\n" + this.output);
            }
            return this;
        }
    }

    public static Result run(String... command) throws IOException, InterruptedException {
        return run(120, command);
    }

    public static Result run(int timeoutSeconds, String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(List.of(command)).redirectErrorStream(true).start();
        process.getOutputStream().close();
        byte[] output = process.getInputStream().readAllBytes();
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not finish in " + timeoutSeconds + " s");
        }
        return new Result(process.exitValue(), new String(output, StandardCharsets.UTF_8));
    }

    /** Runs a command, failing with its output when it exits non-zero; returns its output. */
    public static String ok(String... command) throws IOException, InterruptedException {
        return run(command).requireSuccess().output();
    }
}
