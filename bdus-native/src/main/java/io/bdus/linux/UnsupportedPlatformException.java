package io.bdus.linux;

/** bdus cannot run on this operating system or architecture: it needs 64-bit Linux. */
public class UnsupportedPlatformException extends UnsupportedOperationException {

    private static final long serialVersionUID = 1L;

    private final String osName;

    private final String osArch;

    /**
     * @param osName the {@code os.name} found
     * @param osArch the {@code os.arch} found
     */
    public UnsupportedPlatformException(String osName, String osArch) {
        super("bdus needs 64-bit Linux; this is " + osName + " " + osArch);
        this.osName = osName;
        this.osArch = osArch;
    }

    /** The operating system found ({@code os.name}). */
    public String osName() {
        return this.osName;
    }

    /** The architecture found ({@code os.arch}). */
    public String osArch() {
        return this.osArch;
    }
}
