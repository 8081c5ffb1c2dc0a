package io.bdus.linux;

import static org.assertj.core.api.Assertions.assertThat;

import io.bdus.testing.CHeaders;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The flag values of {@link LibC} and {@link MemoryMapping} against the C library's headers. */
class LibCAbiTest {

    @Test
    void flagsMatchTheCHeaders(@TempDir Path dir) throws Exception {
        Map<String, Long> expected = new LinkedHashMap<>();
        expected.put("O_RDWR", (long) LibC.Flags.O_RDWR);
        expected.put("O_CREAT", (long) LibC.Flags.O_CREAT);
        expected.put("O_EXCL", (long) LibC.Flags.O_EXCL);
        expected.put("O_TRUNC", (long) LibC.Flags.O_TRUNC);
        expected.put("O_NONBLOCK", (long) LibC.Flags.O_NONBLOCK);
        expected.put("O_CLOEXEC", (long) LibC.Flags.O_CLOEXEC);
        expected.put("O_DIRECT", (long) LibC.Flags.O_DIRECT);
        expected.put("FALLOC_FL_KEEP_SIZE", (long) LibC.Flags.FALLOC_FL_KEEP_SIZE);
        expected.put("FALLOC_FL_PUNCH_HOLE", (long) LibC.Flags.FALLOC_FL_PUNCH_HOLE);
        expected.put("FALLOC_FL_ZERO_RANGE", (long) LibC.Flags.FALLOC_FL_ZERO_RANGE);
        expected.put("EFD_NONBLOCK", (long) LibC.Flags.EFD_NONBLOCK);
        expected.put("EFD_CLOEXEC", (long) LibC.Flags.EFD_CLOEXEC);
        expected.put("MS_NOSUID", LibC.Flags.MS_NOSUID);
        expected.put("MS_NODEV", LibC.Flags.MS_NODEV);
        expected.put("MS_NOEXEC", LibC.Flags.MS_NOEXEC);
        expected.put("MNT_DETACH", (long) LibC.Flags.MNT_DETACH);
        expected.put("PROT_READ", (long) MemoryMapping.PROT_READ);
        expected.put("PROT_WRITE", (long) MemoryMapping.PROT_WRITE);
        expected.put("MAP_SHARED", (long) MemoryMapping.MAP_SHARED);
        expected.put("MAP_POPULATE", (long) MemoryMapping.MAP_POPULATE);

        Map<String, Long> actual = CHeaders.evaluate(dir, List.of("<fcntl.h>", "<linux/falloc.h>",
                "<sys/eventfd.h>", "<sys/mman.h>", "<sys/mount.h>"), List.of(), expected.keySet());
        assertThat(actual).containsExactlyInAnyOrderEntriesOf(expected);
    }
}
