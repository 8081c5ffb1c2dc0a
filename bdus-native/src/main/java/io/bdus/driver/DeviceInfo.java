package io.bdus.driver;

/**
 * What a driver learns about the device it serves.
 *
 * @param name the configured device name
 * @param size the size in bytes, a multiple of the logical block size
 * @param logicalBlockSize the smallest unit of addressing, in bytes
 * @param physicalBlockSize the unit the device writes atomically, in bytes
 * @param maxRequestSize the largest read or write payload the driver receives, in bytes
 * @param readOnly whether the device refuses writes
 * @param generation how many drivers served this device before this one (0 for the first)
 */
public record DeviceInfo(String name, long size, int logicalBlockSize, int physicalBlockSize,
        int maxRequestSize, boolean readOnly, int generation) {

    /** Whether this driver replaces an earlier one on a device that kept its data. */
    public boolean isReplacement() {
        return this.generation > 0;
    }
}
