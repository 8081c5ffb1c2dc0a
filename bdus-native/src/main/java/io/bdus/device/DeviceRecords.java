package io.bdus.device;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The devices of this machine as the processes that serve them recorded them, one file per
 * device in a directory (by default {@code /run/bdus/devices}, root only): a serving process
 * records its device when it starts and removes the record when the device goes away; a
 * device left in place without a driver stays recorded with its handle, so the next run (or
 * {@code bdus list}) finds it. Files are written whole (a new file renamed over the old),
 * so a reader never sees half a record.
 */
public final class DeviceRecords {

    /** Where the bdus command line and applications keep them unless told otherwise. */
    public static final Path DEFAULT_DIRECTORY = Path.of("/run/bdus/devices");

    private static final Logger logger = LoggerFactory.getLogger(DeviceRecords.class);

    private static final String SUFFIX = ".device";

    private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9_-]+");

    private final Path directory;

    public DeviceRecords(Path directory) {
        this.directory = directory.toAbsolutePath().normalize();
    }

    public Path directory() {
        return this.directory;
    }

    /** The file that holds (or would hold) the record of a device. */
    public Path file(String transport, String name) {
        if (!SAFE.matcher(transport).matches() || !SAFE.matcher(name).matches()) {
            throw new IllegalArgumentException("Not a transport and device name: '" + transport + "', '" + name + "'");
        }
        return this.directory.resolve(transport + "-" + name + SUFFIX);
    }

    /** Records a device, replacing an earlier record of the same transport and name. */
    public void save(DeviceRecord record) throws IOException {
        Files.createDirectories(this.directory);
        Files.setPosixFilePermissions(this.directory, PosixFilePermissions.fromString("rwx------"));
        Properties properties = new Properties();
        properties.setProperty("name", record.name());
        properties.setProperty("transport", record.transport());
        set(properties, "path", record.path());
        set(properties, "handle", record.handle());
        properties.setProperty("size", Long.toString(record.size()));
        properties.setProperty("pid", Long.toString(record.pid()));
        properties.setProperty("since", record.since().toString());
        properties.setProperty("kept", Boolean.toString(record.kept()));
        Path file = file(record.transport(), record.name());
        Path temporary = Files.createTempFile(this.directory, "." + file.getFileName(), ".tmp");
        try {
            try (Writer out = Files.newBufferedWriter(temporary, StandardCharsets.UTF_8)) {
                properties.store(out, "bdus device record");
            }
            try {
                Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
            catch (AtomicMoveNotSupportedException ex) {
                Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING);
            }
        }
        finally {
            Files.deleteIfExists(temporary);
        }
    }

    public Optional<DeviceRecord> find(String transport, String name) {
        return read(file(transport, name));
    }

    /** Every record, unreadable files skipped (and logged). */
    public List<DeviceRecord> all() {
        List<DeviceRecord> records = new ArrayList<>();
        if (!Files.isDirectory(this.directory)) {
            return records;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(this.directory, "*" + SUFFIX)) {
            for (Path file : files) {
                read(file).ifPresent(records::add);
            }
        }
        catch (IOException ex) {
            logger.warn("Cannot list device records in {}: {}", this.directory, ex.toString());
        }
        records.sort((a, b) -> (a.transport() + "-" + a.name()).compareTo(b.transport() + "-" + b.name()));
        return records;
    }

    /** Removes the record of a device; no record is fine. */
    public void delete(String transport, String name) throws IOException {
        Files.deleteIfExists(file(transport, name));
    }

    private static Optional<DeviceRecord> read(Path file) {
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        Properties properties = new Properties();
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(in);
            return Optional.of(new DeviceRecord(required(properties, "name"), required(properties, "transport"),
                    properties.getProperty("path"), properties.getProperty("handle"),
                    Long.parseLong(properties.getProperty("size", "0")), Long.parseLong(properties.getProperty("pid", "0")),
                    Instant.parse(required(properties, "since")),
                    Boolean.parseBoolean(properties.getProperty("kept", "false"))));
        }
        catch (IOException | RuntimeException ex) {
            logger.warn("Ignoring unreadable device record {}: {}", file, ex.toString());
            return Optional.empty();
        }
    }

    private static String required(Properties properties, String key) {
        String value = properties.getProperty(key);
        if (value == null) {
            throw new IllegalArgumentException("no '" + key + "'");
        }
        return value;
    }

    private static void set(Properties properties, String key, String value) {
        if (value != null) {
            properties.setProperty(key, value);
        }
    }
}
