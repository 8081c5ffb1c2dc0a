package io.bdus.transport.fuse;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import io.bdus.driver.Errno;
import io.bdus.linux.LibC;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** The kernel loop driver's user ABI ({@code include/uapi/linux/loop.h}). */
final class Loop {

    static final String CONTROL = "/dev/loop-control";

    static final long LOOP_CLR_FD = 0x4C01;

    static final long LOOP_CONFIGURE = 0x4C0A;

    static final long LOOP_CTL_GET_FREE = 0x4C82;

    static final int LO_FLAGS_READ_ONLY = 1;

    static final int LO_FLAGS_AUTOCLEAR = 4;

    static final int LO_FLAGS_PARTSCAN = 8;

    static final int LO_FLAGS_DIRECT_IO = 16;

    // struct loop_config: u32 fd, u32 block_size, struct loop_info64 info (232 bytes),
    // u64 __reserved[8]
    static final int CONFIG_FD = 0;
    static final int CONFIG_BLOCK_SIZE = 4;
    static final int CONFIG_INFO = 8;
    static final int CONFIG_SIZE = 8 + 232 + 64;

    // struct loop_info64: u64 lo_device, lo_inode, lo_rdevice, lo_offset, lo_sizelimit;
    // u32 lo_number, lo_encrypt_type, lo_encrypt_key_size, lo_flags; u8 lo_file_name[64]; ...
    static final int INFO_FLAGS = 52;
    static final int INFO_FILE_NAME = 56;
    static final int NAME_SIZE = 64;

    private static final Path SYS_BLOCK = Path.of("/sys/block");

    private Loop() {
    }

    /** Fills a {@code struct loop_config}. */
    static void config(Pointer config, int backingFd, int blockSize, int flags, String fileName) {
        config.clear(CONFIG_SIZE);
        config.setInt(CONFIG_FD, backingFd);
        config.setInt(CONFIG_BLOCK_SIZE, blockSize);
        config.setInt(CONFIG_INFO + INFO_FLAGS, flags);
        byte[] name = fileName.getBytes(StandardCharsets.UTF_8);
        config.write(CONFIG_INFO + INFO_FILE_NAME, name, 0, Math.min(name.length, NAME_SIZE - 1));
    }

    /**
     * Attaches {@code backingFd} to a free loop device and returns its open descriptor and number.
     * Another process may take the device we were given first: then ask again.
     */
    static int[] attach(int backingFd, int blockSize, int flags, String fileName, long deadlineNanos)
            throws IOException {
        try (Memory config = new Memory(CONFIG_SIZE)) {
            config(config, backingFd, blockSize, flags, fileName);
            int control = LibC.open(CONTROL, LibC.Flags.O_RDWR | LibC.Flags.O_CLOEXEC, 0);
            try {
                LastErrorException last = null;
                while (System.nanoTime() < deadlineNanos) {
                    int number = LibC.ioctl(control, LOOP_CTL_GET_FREE, Pointer.NULL);
                    int fd;
                    try {
                        fd = LibC.open("/dev/loop" + number, LibC.Flags.O_RDWR | LibC.Flags.O_CLOEXEC, 0);
                    }
                    catch (LastErrorException ex) {
                        // the node may not exist yet right after the device was added
                        last = ex;
                        sleep();
                        continue;
                    }
                    try {
                        LibC.ioctl(fd, LOOP_CONFIGURE, config);
                        return new int[] { fd, number };
                    }
                    catch (LastErrorException ex) {
                        closeQuietly(fd);
                        if (ex.getErrorCode() != Errno.EBUSY) {
                            throw new IOException("LOOP_CONFIGURE of /dev/loop" + number + " failed: errno "
                                    + ex.getErrorCode(), ex);
                        }
                        // another process configured it first
                        last = ex;
                        sleep();
                    }
                }
                throw new IOException("no free loop device could be attached in time", last);
            }
            finally {
                closeQuietly(control);
            }
        }
        catch (LastErrorException ex) {
            throw new IOException("loop device set-up failed: errno " + ex.getErrorCode(), ex);
        }
    }

    /** Loop device numbers whose backing file is {@code file}. */
    static List<Integer> backedBy(Path file) {
        List<Integer> found = new ArrayList<>();
        String wanted = file.toAbsolutePath().normalize().toString();
        try (Stream<Path> devices = Files.list(SYS_BLOCK)) {
            for (Path device : (Iterable<Path>) devices::iterator) {
                String name = device.getFileName().toString();
                if (!name.matches("loop\\d+")) {
                    continue;
                }
                String backing = backingFile(Integer.parseInt(name.substring(4)));
                if (backing != null && (backing.equals(wanted) || backing.equals(wanted + " (deleted)"))) {
                    found.add(Integer.parseInt(name.substring(4)));
                }
            }
        }
        catch (IOException ex) {
            // no /sys/block: nothing to find
        }
        return found;
    }

    /** The backing file of loop device {@code number}, or {@code null} when it has none. */
    static String backingFile(int number) {
        try {
            return Files.readString(SYS_BLOCK.resolve("loop" + number).resolve("loop/backing_file")).strip();
        }
        catch (IOException ex) {
            return null;
        }
    }

    /** Asks loop device {@code number} to detach (at once, or when its last user closes it). */
    static void detach(int number) {
        try {
            int fd = LibC.open("/dev/loop" + number, LibC.Flags.O_RDONLY | LibC.Flags.O_CLOEXEC, 0);
            try {
                LibC.ioctl(fd, LOOP_CLR_FD, Pointer.NULL);
            }
            finally {
                closeQuietly(fd);
            }
        }
        catch (LastErrorException ex) {
            // ENXIO: already detached
        }
    }

    static String sysfs(int number, String attribute) {
        try {
            return Files.readString(SYS_BLOCK.resolve("loop" + number).resolve(attribute)).strip();
        }
        catch (IOException ex) {
            return null;
        }
    }

    static void closeQuietly(int fd) {
        try {
            LibC.close(fd);
        }
        catch (LastErrorException ex) {
            // nothing to do
        }
    }

    private static void sleep() {
        try {
            Thread.sleep(5);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }
}
