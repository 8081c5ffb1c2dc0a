package io.bdus.linux;

import static io.bdus.testing.Shell.ok;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.bdus.testing.HostAssumptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Who uses a block device, seen on a real loop device. (Also run inside the kernel test VM,
 * whose kernel reads partition tables; some hosts' kernels do not.)
 */
class BlockDeviceUsersHostTest {

    @TempDir
    Path dir;

    private String loop;

    private void attach() throws Exception {
        HostAssumptions.assumeFuseLoop();
        HostAssumptions.assumeTool("sfdisk");
        HostAssumptions.assumeTool("mkfs.ext4");
        Path image = this.dir.resolve("disk.img");
        ok("truncate", "-s", "32M", image.toString());
        ok("sh", "-c", "echo ',,L' | sfdisk -q " + image);
        this.loop = ok("losetup", "--find", "--show", "--partscan", image.toString()).strip();
    }

    @AfterEach
    void detach() throws Exception {
        if (this.loop != null) {
            ok("losetup", "-d", this.loop);
        }
    }

    @Test
    void findsMountsAndProcessesHoldingTheDeviceOpen() throws Exception {
        attach();
        assertThat(BlockDeviceUsers.of(this.loop)).isEmpty();
        ok("mkfs.ext4", "-q", "-F", this.loop);
        Path mnt = Files.createDirectory(this.dir.resolve("mnt"));
        ok("mount", this.loop, mnt.toString());
        try {
            assertThat(BlockDeviceUsers.of(this.loop)).containsExactly("mounted at " + mnt + " (ext4)");
        }
        finally {
            ok("umount", mnt.toString());
        }
        Process holder = new ProcessBuilder("sh", "-c", "exec 3<" + this.loop + "; echo held; exec sleep 60").start();
        try {
            assertThat(new String(holder.getInputStream().readNBytes(5))).isEqualTo("held\n");
            assertThat(BlockDeviceUsers.of(this.loop)).containsExactly("open by pid " + holder.pid() + " (sleep)");
        }
        finally {
            holder.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        assertThat(BlockDeviceUsers.of(this.loop)).isEmpty();
        assertThat(BlockDeviceUsers.of("/dev/no-such-device")).isEmpty();
    }

    @Test
    void findsMountedPartitions() throws Exception {
        attach();
        String partition = this.loop + "p1";
        boolean scanned = Files.exists(Path.of("/sys/class/block", Path.of(partition).getFileName().toString()));
        if (!scanned) {
            System.out.println("SKIPPED partition case: this kernel found no partition on " + this.loop
                    + " (no MS-DOS partition table support); the kernel test VM runs it");
        }
        assumeTrue(scanned, "this kernel reads no MS-DOS partition tables");
        ok("mkfs.ext4", "-q", "-F", partition);
        Path mnt = Files.createDirectory(this.dir.resolve("mnt"));
        ok("mount", partition, mnt.toString());
        try {
            assertThat(BlockDeviceUsers.of(this.loop))
                .containsExactly("partition " + partition + " mounted at " + mnt + " (ext4)");
        }
        finally {
            ok("umount", mnt.toString());
        }
    }

    @Test
    void unescapesMountinfoPaths() {
        assertThat(BlockDeviceUsers.unescape("/mnt/with\\040space\\134x")).isEqualTo("/mnt/with space\\x");
    }
}
