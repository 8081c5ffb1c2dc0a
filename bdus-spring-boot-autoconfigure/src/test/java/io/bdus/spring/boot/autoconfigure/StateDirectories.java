package io.bdus.spring.boot.autoconfigure;

import java.nio.file.Path;
import java.util.UUID;

/**
 * A state directory of its own for each test context, under the build directory: the
 * machine's {@code /run/bdus} is shared with every other process (and test run) that serves
 * devices, whose records a test must neither see nor disturb.
 */
public final class StateDirectories {

    private static final Path ROOT = Path.of("target", "test-state").toAbsolutePath();

    private StateDirectories() {
    }

    /** A {@code bdus.state-dir=...} property pointing at a fresh directory. */
    public static String property() {
        return "bdus.state-dir=" + ROOT.resolve(UUID.randomUUID().toString());
    }

}
