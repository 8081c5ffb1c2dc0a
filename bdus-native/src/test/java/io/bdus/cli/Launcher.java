package io.bdus.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs the real launcher, {@code scripts/bdus} (the path is the {@code bdus.launcher} system
 * property the build sets), as a subprocess, with its own state directory.
 */
final class Launcher {

    /** Generous: a JVM starts in a second on the host but in many under emulation. */
    static final int TIMEOUT_SECONDS = 300;

    private final Path stateDir;

    Launcher(Path stateDir) {
        this.stateDir = stateDir;
    }

    static Path script() {
        Path script = Path.of(System.getProperty("bdus.launcher", "../scripts/bdus")).toAbsolutePath().normalize();
        assertThat(script).as("the launcher (-Dbdus.launcher)").isExecutable();
        return script;
    }

    Path stateDir() {
        return this.stateDir;
    }

    /** Runs {@code bdus <args> --state-dir <dir>} to the end. */
    Result run(String... args) throws IOException, InterruptedException {
        Process process = start(args);
        CompletableFuture<String> out = drain(process.getInputStream());
        CompletableFuture<String> err = drain(process.getErrorStream());
        if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("bdus " + String.join(" ", args) + " did not finish in " + TIMEOUT_SECONDS + " s");
        }
        return new Result(process.exitValue(), out.join(), err.join());
    }

    /** Runs {@code bdus <args>} without adding a state directory. */
    static Result runPlain(String... args) throws IOException, InterruptedException {
        return new Launcher(null).run(args);
    }

    /** Starts {@code bdus serve <args>} and waits for its READY line. */
    Serving serve(String... args) throws Exception {
        List<String> serveArgs = new ArrayList<>(List.of("serve"));
        serveArgs.addAll(List.of(args));
        return new Serving(start(serveArgs.toArray(String[]::new)));
    }

    Process start(String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(script().toString()));
        command.addAll(List.of(args));
        if (this.stateDir != null) {
            command.add("--state-dir");
            command.add(this.stateDir.toString());
        }
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().remove("BDUS_STATE_DIR");
        Process process = builder.start();
        process.getOutputStream().close();
        return process;
    }

    static CompletableFuture<String> drain(InputStream stream) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
            }
            catch (IOException ex) {
                return "(unreadable: " + ex + ")";
            }
        });
    }

    /** Whether anything of this state directory is still mounted, attached or recorded. */
    List<String> leftovers() throws IOException {
        List<String> left = new ArrayList<>();
        String dir = this.stateDir.toString();
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            if (line.contains(dir)) {
                left.add("mount: " + line);
            }
        }
        try (var loops = Files.list(Path.of("/sys/block"))) {
            for (Path loop : (Iterable<Path>) loops::iterator) {
                Path backing = loop.resolve("loop/backing_file");
                if (Files.exists(backing) && Files.readString(backing).contains(dir)) {
                    left.add("loop device: " + loop.getFileName());
                }
            }
        }
        for (String sub : List.of("devices", "control", "fuse-loop")) {
            Path path = this.stateDir.resolve(sub);
            if (Files.isDirectory(path)) {
                try (var files = Files.list(path)) {
                    files.forEach(file -> left.add(sub + ": " + file.getFileName()));
                }
            }
        }
        return left;
    }

    /**
     * The result of one run.
     *
     * @param exitCode its exit code
     * @param out its stdout
     * @param err its stderr
     */
    record Result(int exitCode, String out, String err) {

        Result expect(int code) {
            assertThat(this.exitCode).as("exit code; stdout:%n%s%nstderr:%n%s", this.out, this.err).isEqualTo(code);
            return this;
        }

        @Override
        public String toString() {
            return "exit " + this.exitCode + "\nstdout:\n" + this.out + "stderr:\n" + this.err;
        }
    }

    /** A running {@code bdus serve} that printed READY. */
    static final class Serving implements AutoCloseable {

        final Process process;

        final String path;

        private final CompletableFuture<String> err;

        private final StringBuilder out = new StringBuilder();

        private final CompletableFuture<String> ready = new CompletableFuture<>();

        private final CompletableFuture<Void> outDone;

        Serving(Process process) throws Exception {
            this.process = process;
            this.err = drain(process.getErrorStream());
            this.outDone = CompletableFuture.runAsync(this::readOut);
            try {
                this.path = this.ready.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            }
            catch (Exception ex) {
                process.destroyForcibly();
                throw new AssertionError("bdus serve printed no READY line:\n" + stdout() + "\nstderr:\n"
                        + this.err.get(30, TimeUnit.SECONDS), ex);
            }
        }

        private void readOut() {
            try (var reader = this.process.inputReader(StandardCharsets.UTF_8)) {
                String line;
                while ((line = reader.readLine()) != null) {
                    synchronized (this.out) {
                        this.out.append(line).append('\n');
                    }
                    if (line.startsWith("READY ")) {
                        this.ready.complete(line.substring("READY ".length()));
                    }
                }
            }
            catch (IOException ex) {
                // process ended
            }
            this.ready.completeExceptionally(new IllegalStateException("stdout closed"));
        }

        long pid() {
            return this.process.pid();
        }

        String stdout() {
            synchronized (this.out) {
                return this.out.toString();
            }
        }

        /** Waits for the process to end by itself; returns its exit code. */
        int awaitExit() throws Exception {
            assertThat(this.process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)).as("serve ended").isTrue();
            this.outDone.get(30, TimeUnit.SECONDS);
            return this.process.exitValue();
        }

        String stderr() throws Exception {
            return this.err.get(30, TimeUnit.SECONDS);
        }

        void signal(String signal) throws Exception {
            new ProcessBuilder("kill", "-" + signal, Long.toString(pid())).inheritIO().start().waitFor();
        }

        @Override
        public void close() throws Exception {
            if (this.process.isAlive()) {
                signal("TERM");
                if (!this.process.waitFor(60, TimeUnit.SECONDS)) {
                    this.process.destroyForcibly();
                }
            }
        }
    }
}
