package io.bdus.transport.kbdus;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import io.bdus.device.DeviceSpec;
import io.bdus.driver.Operation;
import io.bdus.linux.LibC;
import io.bdus.transport.ServingPlan;
import io.bdus.transport.Transport;
import io.bdus.transport.TransportDevice;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;

/**
 * The {@code kbdus} transport: devices {@code /dev/bdus-<id>} of our kernel module, served
 * through mmap'd request slots with one {@code ioctl} per request (reply to the previous
 * request and wait for the next in one call). Needs the module loaded and CAP_SYS_ADMIN.
 */
public final class KbdusTransport implements Transport {

    public static final String NAME = "kbdus";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Optional<String> unavailableReason() {
        if (!Files.exists(Path.of(KbdusAbi.CONTROL_PATH))) {
            return Optional.of(KbdusAbi.CONTROL_PATH + " is missing: the kbdus kernel module is not loaded "
                    + "(build and load it as kernel/README.md describes)");
        }
        if (LibC.geteuid() != 0) {
            return Optional.of("the kbdus transport needs root (CAP_SYS_ADMIN) to create devices");
        }
        return Optional.empty();
    }

    @Override
    public TransportDevice create(DeviceSpec spec, Set<Operation> operations, ServingPlan plan) throws IOException {
        int fd = openControl();
        try {
            checkVersion(fd);
            return KbdusDevice.create(fd, spec, operations, plan);
        }
        catch (IOException | RuntimeException ex) {
            LibC.close(fd);
            throw ex;
        }
    }

    @Override
    public TransportDevice attach(String handle, DeviceSpec spec, Set<Operation> operations, ServingPlan plan)
            throws IOException {
        long id;
        try {
            id = Long.parseLong(handle);
        }
        catch (NumberFormatException ex) {
            throw new IOException("Not a kbdus device id: '" + handle + "'", ex);
        }
        int fd = openControl();
        try {
            checkVersion(fd);
            return KbdusDevice.attach(fd, id, spec, operations, plan);
        }
        catch (IOException | RuntimeException ex) {
            LibC.close(fd);
            throw ex;
        }
    }

    static int openControl() throws IOException {
        try {
            return LibC.open(KbdusAbi.CONTROL_PATH, LibC.Flags.O_RDWR | LibC.Flags.O_CLOEXEC, 0);
        }
        catch (LastErrorException ex) {
            throw new IOException("Cannot open " + KbdusAbi.CONTROL_PATH + ": errno " + ex.getErrorCode(), ex);
        }
    }

    /** Fails unless the module speaks the ABI major version this code was written for. */
    static void checkVersion(int fd) throws IOException {
        try (Memory version = new Memory(KbdusAbi.VERSION_SIZE)) {
            version.clear();
            LibC.ioctl(fd, KbdusAbi.IOCTL_GET_VERSION, version);
            int major = version.getInt(KbdusAbi.VERSION_MAJOR_OFFSET);
            int minor = version.getInt(KbdusAbi.VERSION_MINOR_OFFSET);
            if (major != KbdusAbi.VERSION_MAJOR || minor < KbdusAbi.VERSION_MINOR) {
                throw new IOException("The loaded kbdus module speaks ABI " + major + "." + minor
                        + "; this runtime needs " + KbdusAbi.VERSION_MAJOR + "." + KbdusAbi.VERSION_MINOR
                        + " or a later minor version");
            }
        }
        catch (LastErrorException ex) {
            throw new IOException("KBDUS_IOCTL_GET_VERSION failed: errno " + ex.getErrorCode(), ex);
        }
    }
}
