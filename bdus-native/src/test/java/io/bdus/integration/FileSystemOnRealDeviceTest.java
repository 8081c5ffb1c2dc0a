package io.bdus.integration;

import static org.assertj.core.api.Assertions.assertThat;

import io.bdus.device.BlockDevice;
import io.bdus.device.DeviceSpec;
import io.bdus.driver.BlockDriver;
import io.bdus.testing.Shell;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Supplier;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** mkfs.ext4, mount, files written, unmounted, remounted and checksummed on a real device. */
class FileSystemOnRealDeviceTest extends RealDeviceTest {

    private static final long SIZE = 128L << 20;

    @ParameterizedTest
    @EnumSource(DriverStyle.class)
    void ext4OnRamDiskKeepsFilesAcrossRemount(DriverStyle style, @TempDir Path mnt) throws Exception {
        try (BlockDevice device = HostDevices.start(style, DeviceSpec.builder("fs-ram", SIZE).build(),
                HostDevices.storage("fs-ram", SIZE))) {
            checksumAcrossRemount(device, mnt, null);
        }
    }

    @ParameterizedTest
    @EnumSource(DriverStyle.class)
    void ext4OnPassthroughFileSurvivesANewDeviceOverTheSameFile(DriverStyle style, @TempDir Path dir) throws Exception {
        Supplier<BlockDriver> image = HostDevices.persistentStorage(dir, "disk");
        Path mnt = Files.createDirectory(dir.resolve("mnt"));
        String sums;
        try (BlockDevice device = HostDevices.start(style, DeviceSpec.builder("fs-file", SIZE).build(),
                image.get())) {
            sums = checksumAcrossRemount(device, mnt, null);
        }
        // A new device over the same backing file shows the same files.
        try (BlockDevice device = HostDevices.start(style, DeviceSpec.builder("fs-file2", SIZE).build(),
                image.get())) {
            Shell.ok("mount", device.path(), mnt.toString());
            try {
                assertThat(Shell.ok("sh", "-c", "cd " + mnt + "/data && sha256sum *")).isEqualTo(sums);
            }
            finally {
                Shell.ok("umount", mnt.toString());
            }
        }
    }

    /** Makes a file system, writes files, remounts and compares checksums; returns them. */
    private static String checksumAcrossRemount(BlockDevice device, Path mnt, String expected) throws Exception {
        String path = device.path();
        Shell.ok("mkfs.ext4", "-q", "-F", path);
        Shell.ok("mount", path, mnt.toString());
        String sums;
        try {
            Shell.ok("mkdir", mnt + "/data");
            for (int i = 0; i < 5; i++) {
                Shell.ok("dd", "if=/dev/urandom", "of=" + mnt + "/data/file" + i, "bs=1M", "count=" + (i + 1),
                        "status=none");
            }
            Shell.ok("sync");
            sums = Shell.ok("sh", "-c", "cd " + mnt + "/data && sha256sum *");
        }
        finally {
            Shell.ok("umount", mnt.toString());
        }
        Shell.ok("sh", "-c", "echo 3 > /proc/sys/vm/drop_caches");
        Shell.ok("mount", path, mnt.toString());
        try {
            assertThat(Shell.ok("sh", "-c", "cd " + mnt + "/data && sha256sum *")).isEqualTo(sums);
            assertThat(sums.lines()).hasSize(5);
        }
        finally {
            Shell.ok("umount", mnt.toString());
        }
        Shell.ok("fsck.ext4", "-n", "-f", path);
        return sums;
    }
}
