package io.bdus.integration;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a host command and captures its output; for tests that drive real tools. */
final class Shell {

    private Shell() {
    }

    record Result(int exitCode, String output) {

        Result requireSuccess() {
            if (this.exitCode != 0) {
                throw new AssertionError("command failed with exit code " + this.exitCode + ":\n" + this.output);
            }
            return this;
        }
    }

    static Result run(String... command) throws IOException, InterruptedException {
        return run(120, command);
    }

    static Result run(int timeoutSeconds, String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(List.of(command)).redirectErrorStream(true).start();
        process.getOutputStream().close();
        byte[] output = process.getInputStream().readAllBytes();
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not finish in " + timeoutSeconds + " s");
        }
        return new Result(process.exitValue(), new String(output, StandardCharsets.UTF_8));
    }

    static String ok(String... command) throws IOException, InterruptedException {
        return run(command).requireSuccess().output();
    }
}
