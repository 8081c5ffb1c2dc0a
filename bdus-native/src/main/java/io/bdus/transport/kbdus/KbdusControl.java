package io.bdus.transport.kbdus;

import static io.bdus.transport.kbdus.KbdusAbi.*;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import io.bdus.driver.Errno;
import io.bdus.driver.Operation;
import io.bdus.linux.LibC;
import io.bdus.transport.DeviceGoneException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Operator actions on kbdus devices through {@code /dev/bdus-control}, from any process:
 * the module's version, a device's configuration, path-to-id, flush and destruction. Needs
 * root (CAP_SYS_ADMIN). Each call opens and closes the control device.
 */
public final class KbdusControl {

    /** The control device the module creates. */
    public static final String CONTROL_PATH = KbdusAbi.CONTROL_PATH;

    /** Prefix of device nodes: {@code /dev/bdus-<id>}. */
    public static final String DEVICE_PATH_PREFIX = KbdusAbi.DEVICE_PATH_PREFIX;

    private KbdusControl() {
    }

    /** The ABI version this runtime speaks: it works with modules of this major and a minor at least this. */
    public static Version supportedAbi() {
        return new Version(VERSION_MAJOR, VERSION_MINOR, 0);
    }

    /** Whether the module is loaded. */
    public static boolean isLoaded() {
        return Files.exists(Path.of(CONTROL_PATH));
    }

    /** The loaded module's ABI version (KBDUS_IOCTL_GET_VERSION). */
    public static Version moduleVersion() throws IOException {
        int fd = KbdusTransport.openControl();
        try (Memory version = new Memory(VERSION_SIZE)) {
            version.clear();
            LibC.ioctl(fd, IOCTL_GET_VERSION, version);
            return new Version(version.getInt(VERSION_MAJOR_OFFSET), version.getInt(VERSION_MINOR_OFFSET),
                    version.getInt(VERSION_PATCH_OFFSET));
        }
        catch (LastErrorException ex) {
            throw new IOException("KBDUS_IOCTL_GET_VERSION failed: errno " + ex.getErrorCode(), ex);
        }
        finally {
            LibC.close(fd);
        }
    }

    /**
     * The configuration of device {@code id}.
     *
     * @throws DeviceGoneException if there is no such device
     */
    public static KbdusDeviceConfig config(long id) throws IOException {
        int fd = KbdusTransport.openControl();
        try (Memory config = new Memory(DEVICE_CONFIG_SIZE)) {
            config.clear(DEVICE_CONFIG_SIZE);
            config.setLong(DC_ID, id);
            LibC.ioctl(fd, IOCTL_GET_DEVICE_CONFIG, config);
            return new KbdusDeviceConfig(id, config.getLong(DC_SIZE), config.getInt(DC_LOGICAL_BLOCK_SIZE),
                    config.getInt(DC_PHYSICAL_BLOCK_SIZE), config.getInt(DC_MAX_READ_WRITE_SIZE),
                    config.getInt(DC_MAX_OUTSTANDING_REQS), Integer.toUnsignedLong(config.getInt(DC_REQUEST_TIMEOUT_MS)),
                    operations(config), config.getByte(DC_READ_ONLY) != 0, config.getByte(DC_ROTATIONAL) != 0,
                    config.getByte(DC_RECOVERABLE) != 0);
        }
        catch (LastErrorException ex) {
            throw failure("KBDUS_IOCTL_GET_DEVICE_CONFIG", id, ex);
        }
        finally {
            LibC.close(fd);
        }
    }

    /**
     * The id of the kbdus device at {@code path} (symlinks followed).
     *
     * @throws IOException naming why when the path is not a whole kbdus device
     */
    public static long idOf(String path) throws IOException {
        int fd = KbdusTransport.openControl();
        try (Memory name = new Memory(path.getBytes(StandardCharsets.UTF_8).length + 1L);
                Memory argument = new Memory(16)) {
            name.setString(0, path, "UTF-8");
            argument.clear();
            argument.setPointer(0, name);
            LibC.ioctl(fd, IOCTL_DEVICE_PATH_TO_ID, argument);
            return argument.getLong(8);
        }
        catch (LastErrorException ex) {
            String why = switch (ex.getErrorCode()) {
                case Errno.ENOENT -> "no such file";
                case 15 /* ENOTBLK */ -> "not a block device";
                case Errno.EINVAL -> "not a kbdus device";
                case 10 /* ECHILD */ -> "a partition, not a whole kbdus device";
                case Errno.ENODEV -> "the kbdus device is gone";
                default -> "errno " + ex.getErrorCode();
            };
            throw new IOException(path + ": " + why, ex);
        }
        finally {
            LibC.close(fd);
        }
    }

    /**
     * Writes back the device's page cache and sends its driver a flush. The module waits,
     * uninterruptibly, for the driver to answer: the call runs aside and this returns after
     * {@code timeout} even if no driver answers (the waiting thread stays until one does).
     * Never call it for a device without a driver.
     *
     * @throws TimeoutException if the driver did not answer within {@code timeout}
     */
    public static void flush(long id, Duration timeout) throws IOException, TimeoutException {
        runAside("flush", id, IOCTL_FLUSH_DEVICE, timeout);
    }

    /**
     * Destroys device {@code id}, even a recoverable one, without flushing: pending and
     * future requests fail with EIO, its driver (if any) is told to terminate, and this
     * waits at most {@code timeout} until the device is gone. A gone device is a success.
     *
     * @throws TimeoutException if the device was still there after {@code timeout} (its
     *         driver did not close)
     */
    public static void destroy(long id, Duration timeout) throws IOException, TimeoutException {
        int fd = KbdusTransport.openControl();
        try (Memory argument = new Memory(8)) {
            argument.setLong(0, id);
            LibC.ioctl(fd, IOCTL_TRIGGER_DEVICE_DESTRUCTION, argument);
        }
        catch (LastErrorException ex) {
            throw failure("KBDUS_IOCTL_TRIGGER_DEVICE_DESTRUCTION", id, ex);
        }
        finally {
            LibC.close(fd);
        }
        runAside("wait until destroyed", id, IOCTL_WAIT_UNTIL_DEVICE_IS_DESTROYED, timeout);
    }

    private static void runAside(String what, long id, long request, Duration timeout)
            throws IOException, TimeoutException {
        CompletableFuture<Void> call = new CompletableFuture<>();
        Thread thread = new Thread(() -> {
            try {
                ioctlOnId(request, id);
                call.complete(null);
            }
            catch (Throwable ex) {
                call.completeExceptionally(ex);
            }
        }, "bdus-kbdus-" + what.replace(' ', '-') + "-" + id);
        thread.setDaemon(true);
        thread.start();
        try {
            call.get(Math.max(1, timeout.toMillis()), TimeUnit.MILLISECONDS);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IOException("Interrupted during the " + what + " of kbdus device " + id, ex);
        }
        catch (ExecutionException ex) {
            if (ex.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IOException(ex.getCause().getMessage(), ex.getCause());
        }
    }

    private static void ioctlOnId(long request, long id) throws IOException {
        int fd = KbdusTransport.openControl();
        try (Memory argument = new Memory(8)) {
            argument.setLong(0, id);
            LibC.ioctl(fd, request, argument);
        }
        catch (LastErrorException ex) {
            throw failure("ioctl " + Long.toHexString(request), id, ex);
        }
        finally {
            LibC.close(fd);
        }
    }

    private static IOException failure(String call, long id, LastErrorException ex) {
        int errno = ex.getErrorCode();
        if (errno == Errno.ENODEV || errno == Errno.EINVAL) {
            return new DeviceGoneException("kbdus device " + id + " does not exist (errno "
                    + errno + ")", ex);
        }
        return new IOException(call + " of kbdus device " + id + " failed: errno " + errno, ex);
    }

    private static Set<Operation> operations(Pointer config) {
        Map<Integer, Operation> flags = Map.of(DC_SUPPORTS_READ, Operation.READ, DC_SUPPORTS_WRITE, Operation.WRITE,
                DC_SUPPORTS_WRITE_ZEROES, Operation.WRITE_ZEROES, DC_SUPPORTS_FUA_WRITE, Operation.FUA_WRITE,
                DC_SUPPORTS_FLUSH, Operation.FLUSH, DC_SUPPORTS_DISCARD, Operation.DISCARD,
                DC_SUPPORTS_SECURE_ERASE, Operation.SECURE_ERASE, DC_SUPPORTS_IOCTL, Operation.IOCTL);
        Set<Operation> operations = EnumSet.noneOf(Operation.class);
        flags.forEach((offset, operation) -> {
            if (config.getByte(offset) != 0) {
                operations.add(operation);
            }
        });
        return operations;
    }

    /**
     * A kbdus ABI version.
     *
     * @param major incompatible changes
     * @param minor compatible additions
     * @param patch fixes
     */
    public record Version(int major, int minor, int patch) {

        /** Whether a runtime speaking {@code needed} works with a module speaking this version. */
        public boolean satisfies(Version needed) {
            return this.major == needed.major && this.minor >= needed.minor;
        }

        /** {@code major.minor}. */
        public String abi() {
            return this.major + "." + this.minor;
        }

        @Override
        public String toString() {
            return this.major + "." + this.minor + "." + this.patch;
        }
    }
}
