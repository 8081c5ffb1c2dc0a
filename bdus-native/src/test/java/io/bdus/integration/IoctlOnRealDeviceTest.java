package io.bdus.integration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import io.bdus.device.BlockDevice;
import io.bdus.device.DeviceSpec;
import io.bdus.driver.Errno;
import io.bdus.driver.ram.RamDiskDriver;
import io.bdus.linux.LibC;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Block-device ioctls reach a Java driver with the caller's access mode: an ioctl carrying
 * input from a process that opened the device read-only is refused (EBADF) before the
 * driver sees it, and the driver learns whether its caller may write. What a driver leaves
 * unwritten in an ioctl's output is zeroes, never bytes of an earlier request. (kbdus only:
 * the fuse-loop transport forwards no ioctls.)
 */
@EnabledIfSystemProperty(named = "bdus.test.transport", matches = "kbdus")
class IoctlOnRealDeviceTest extends RealDeviceTest {

    private static final long SIZE = 8L << 20;

    private static final int READ_STATE = ioc(2, 1, 4);

    private static final int SET_STATE = ioc(1, 2, 4);

    private static final int READ_BLOB = ioc(2, 3, 16);

    private static final int QUIET_BLOB = ioc(2, 4, 16);

    private final List<String> seen = new CopyOnWriteArrayList<>();

    private BlockDevice device;

    @AfterEach
    void stop() {
        if (this.device != null) {
            this.device.stop(HostDevices.TIMEOUT);
        }
    }

    @ParameterizedTest
    @EnumSource(DriverStyle.class)
    void ioctlsCarryTheCallersModeAndReadOnlyCallersCannotSendInput(DriverStyle style) throws Exception {
        RamDiskDriver driver = new RamDiskDriver(SIZE) {
            @Override
            public int ioctl(int command, ByteBuffer argument, boolean callerMayWrite) {
                IoctlOnRealDeviceTest.this.seen.add(Integer.toHexString(command) + (callerMayWrite ? " rw" : " ro"));
                if (command == READ_STATE) {
                    argument.putInt(0, callerMayWrite ? 2 : 1);
                }
                else if (command == READ_BLOB) {
                    for (int i = 0; i < 16; i++) {
                        argument.put(i, (byte) 0xAA);
                    }
                }
                // SET_STATE takes its input; QUIET_BLOB writes nothing back
                return 0;
            }
        };
        this.device = HostDevices.start(style, DeviceSpec.builder("ioctl", SIZE).maxConcurrentRequests(1).build(),
                driver);
        String path = this.device.path();
        try (Memory argument = new Memory(16)) {
            int readOnly = LibC.open(path, LibC.Flags.O_RDONLY | LibC.Flags.O_CLOEXEC, 0);
            try {
                LibC.ioctl(readOnly, READ_STATE, argument);
                assertThat(argument.getInt(0)).isEqualTo(1);
                argument.setInt(0, 7);
                assertThatThrownBy(() -> LibC.ioctl(readOnly, SET_STATE, argument))
                    .isInstanceOfSatisfying(LastErrorException.class,
                            (ex) -> assertThat(ex.getErrorCode()).isEqualTo(Errno.EBADF));

                LibC.ioctl(readOnly, READ_BLOB, argument);
                assertThat(argument.getByteArray(0, 16)).containsOnly((byte) 0xAA);
                argument.setMemory(0, 16, (byte) 0x55);
                LibC.ioctl(readOnly, QUIET_BLOB, argument);
                assertThat(argument.getByteArray(0, 16)).as("output the driver did not write").containsOnly(0);
            }
            finally {
                LibC.close(readOnly);
            }
            int readWrite = LibC.open(path, LibC.Flags.O_RDWR | LibC.Flags.O_CLOEXEC, 0);
            try {
                argument.setInt(0, 7);
                LibC.ioctl(readWrite, SET_STATE, argument);
                LibC.ioctl(readWrite, READ_STATE, argument);
                assertThat(argument.getInt(0)).isEqualTo(2);
            }
            finally {
                LibC.close(readWrite);
            }
        }
        assertThat(this.seen).containsExactly(hex(READ_STATE) + " ro", hex(READ_BLOB) + " ro", hex(QUIET_BLOB) + " ro",
                hex(SET_STATE) + " rw", hex(READ_STATE) + " rw");
    }

    /** {@code _IOC(dir, 'k', nr, size)}. */
    private static int ioc(int direction, int nr, int size) {
        return (direction << 30) | (size << 16) | ('k' << 8) | nr;
    }

    private static String hex(int command) {
        return Integer.toHexString(command);
    }
}
