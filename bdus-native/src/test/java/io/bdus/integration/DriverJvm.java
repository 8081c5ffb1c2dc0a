package io.bdus.integration;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A driver in a JVM of its own (a main class of this package that prints
 * {@code READY <id> <path>} once its device is available), so that tests can kill it as a
 * crash would and attach a new one.
 */
final class DriverJvm {

    private static final String JVM_FATAL_ERROR = "A fatal error has been detected by the Java Runtime";

    final Process process;

    final BufferedReader output;

    final String id;

    final String path;

    private DriverJvm(Process process, BufferedReader output, String[] ready) {
        this.process = process;
        this.output = output;
        this.id = ready[1];
        this.path = ready[2];
    }

    /**
     * Starts a driver JVM and waits for READY. Under QEMU/TCG a fresh JVM sometimes dies in
     * just-compiled code (a known emulation fault, see kernel/vm/vmrun): that one is started
     * again, once.
     */
    static DriverJvm start(Class<?> main, String... arguments) throws Exception {
        try {
            return startOnce(main, arguments);
        }
        catch (AssertionError ex) {
            if (!String.valueOf(ex.getMessage()).contains(JVM_FATAL_ERROR)) {
                throw ex;
            }
            System.out.println("Driver JVM died of an emulation fault before serving; starting it again");
            return startOnce(main, arguments);
        }
    }

    private static DriverJvm startOnce(Class<?> main, String... arguments) throws Exception {
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "-cp", System.getProperty("java.class.path"), main.getName()));
        command.addAll(List.of(arguments));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        BufferedReader output = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8));
        return new DriverJvm(process, output, awaitLine(output, "READY ").split(" "));
    }

    /** SIGKILL, as a crash would. */
    void kill() throws InterruptedException {
        this.process.destroyForcibly();
        assertThat(this.process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    }

    /** Reads the driver's output until a line starting with {@code prefix}. */
    static String awaitLine(BufferedReader output, String prefix) throws Exception {
        StringBuilder seen = new StringBuilder();
        String line;
        while ((line = output.readLine()) != null) {
            if (line.startsWith(prefix)) {
                return line;
            }
            seen.append(line).append('\n');
        }
        throw new AssertionError("child driver ended before printing " + prefix + ":\n" + seen);
    }
}
