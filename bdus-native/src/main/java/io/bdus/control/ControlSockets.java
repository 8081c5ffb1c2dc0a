package io.bdus.control;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Where serving processes listen: {@code <state>/control/<pid>.sock}, the directory 0700
 * and each socket 0600, both root's.
 */
public final class ControlSockets {

    private static final Pattern SOCKET = Pattern.compile("(\\d{1,10})\\.sock");

    private final Path directory;

    /** @param directory the control directory, e.g. {@code /run/bdus/control} */
    public ControlSockets(Path directory) {
        this.directory = directory.toAbsolutePath().normalize();
    }

    /** The control directory of a state directory. */
    public static ControlSockets in(Path stateDirectory) {
        return new ControlSockets(stateDirectory.resolve("control"));
    }

    public Path directory() {
        return this.directory;
    }

    /** The socket process {@code pid} listens on (if it serves devices). */
    public Path socketOf(long pid) {
        return this.directory.resolve(pid + ".sock");
    }

    void createDirectory() throws IOException {
        Files.createDirectories(this.directory);
        Files.setPosixFilePermissions(this.directory, PosixFilePermissions.fromString("rwx------"));
    }

    /** Deletes sockets left by processes that no longer run. */
    public void deleteStale() {
        if (!Files.isDirectory(this.directory)) {
            return;
        }
        try (Stream<Path> files = Files.list(this.directory)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                Matcher matcher = SOCKET.matcher(file.getFileName().toString());
                if (matcher.matches() && !ProcessHandle.of(Long.parseLong(matcher.group(1)))
                    .map(ProcessHandle::isAlive).orElse(false)) {
                    Files.deleteIfExists(file);
                }
            }
        }
        catch (IOException ex) {
            // stale sockets only cost a failed connect
        }
    }
}
