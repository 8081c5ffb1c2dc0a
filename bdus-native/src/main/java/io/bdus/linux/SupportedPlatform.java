package io.bdus.linux;

import java.util.Locale;
import java.util.Set;

/**
 * Whether bdus can run here: 64-bit Linux, as {@link LibC} requires. Decided from the
 * {@code os.name} and {@code os.arch} system properties alone, so it can be asked before any
 * JNA class is loaded (loading {@link LibC} elsewhere fails with an
 * {@link ExceptionInInitializerError}).
 */
public final class SupportedPlatform {

    /** {@code os.arch} values of 64-bit JVMs, as JNA's {@code Platform.is64Bit()} knows them. */
    private static final Set<String> ARCHITECTURES_64 = Set.of("amd64", "x86_64", "x86-64", "aarch64", "arm64",
            "ppc64", "ppc64le", "s390x", "riscv64", "loongarch64", "mips64", "mips64el", "sparcv9", "ia64");

    private SupportedPlatform() {
    }

    /** Whether this JVM's operating system and architecture are supported. */
    public static boolean isCurrentSupported() {
        return isSupported(System.getProperty("os.name"), System.getProperty("os.arch"));
    }

    /** Whether {@code osName} and {@code osArch} (values of the system properties) are supported. */
    public static boolean isSupported(String osName, String osArch) {
        return osName != null && osName.startsWith("Linux") && osArch != null
                && ARCHITECTURES_64.contains(osArch.toLowerCase(Locale.ROOT));
    }

    /**
     * Fails unless this JVM runs on 64-bit Linux.
     *
     * @throws UnsupportedPlatformException naming the operating system and architecture
     */
    public static void checkCurrent() {
        check(System.getProperty("os.name"), System.getProperty("os.arch"));
    }

    /**
     * Fails unless {@code osName} and {@code osArch} describe 64-bit Linux.
     *
     * @throws UnsupportedPlatformException naming them
     */
    public static void check(String osName, String osArch) {
        if (!isSupported(osName, osArch)) {
            throw new UnsupportedPlatformException(osName, osArch);
        }
    }
}
