package io.bdus.device;

import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * What a block device looks like to its clients. Build with {@link #builder(String, long)};
 * {@link Builder#build()} validates every field and names the first one out of range.
 *
 * @param name device name: letters, digits, '-' and '_', at most 32 characters
 * @param size size in bytes, a positive multiple of the logical block size
 * @param logicalBlockSize smallest addressable unit in bytes: a power of two in 512..4096
 * @param physicalBlockSize unit written atomically in bytes: a power of two, at least the
 *        logical block size and at most 65536
 * @param maxRequestSize largest read/write payload in bytes: a multiple of 4096 in
 *        4096..1048576 and at least the logical block size
 * @param maxConcurrentRequests requests the driver may have in flight at once: 1..256
 * @param readOnly whether clients may only read
 * @param rotational whether the block layer should treat the device as a spinning disk
 * @param recoverable whether the device outlives its driver (kbdus transport)
 * @param partitionScanning whether the kernel scans the device for partitions
 * @param requestTimeout how long a request may take before it fails with ETIMEDOUT; zero
 *        means no timeout; at most one hour
 */
public record DeviceSpec(String name, long size, int logicalBlockSize, int physicalBlockSize, int maxRequestSize,
        int maxConcurrentRequests, boolean readOnly, boolean rotational, boolean recoverable,
        boolean partitionScanning, Duration requestTimeout) {

    public static final int MIN_BLOCK_SIZE = 512;

    public static final int MAX_LOGICAL_BLOCK_SIZE = 4096;

    public static final int MAX_PHYSICAL_BLOCK_SIZE = 65536;

    public static final int PAGE_SIZE = 4096;

    public static final int MAX_REQUEST_SIZE = 1 << 20;

    public static final int MAX_CONCURRENT_REQUESTS = 256;

    public static final Duration MAX_REQUEST_TIMEOUT = Duration.ofHours(1);

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,32}");

    public DeviceSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(requestTimeout, "requestTimeout");
        validate(name, size, logicalBlockSize, physicalBlockSize, maxRequestSize, maxConcurrentRequests,
                requestTimeout);
    }

    public static Builder builder(String name, long size) {
        return new Builder(name, size);
    }

    /** A builder starting from this spec. */
    public Builder toBuilder() {
        return new Builder(this.name, this.size).logicalBlockSize(this.logicalBlockSize)
            .physicalBlockSize(this.physicalBlockSize)
            .maxRequestSize(this.maxRequestSize)
            .maxConcurrentRequests(this.maxConcurrentRequests)
            .readOnly(this.readOnly)
            .rotational(this.rotational)
            .recoverable(this.recoverable)
            .partitionScanning(this.partitionScanning)
            .requestTimeout(this.requestTimeout);
    }

    private static void validate(String name, long size, int logical, int physical, int maxRequest, int concurrency,
            Duration timeout) {
        if (!NAME.matcher(name).matches()) {
            throw new InvalidDeviceSpecException(name, "name", "'" + name + "'",
                    "1 to 32 letters, digits, '-' or '_'");
        }
        if (!isPowerOfTwo(logical) || logical < MIN_BLOCK_SIZE || logical > MAX_LOGICAL_BLOCK_SIZE) {
            throw new InvalidDeviceSpecException(name, "logical-block-size", logical,
                    "a power of two from 512 to 4096 bytes");
        }
        if (!isPowerOfTwo(physical) || physical < logical || physical > MAX_PHYSICAL_BLOCK_SIZE) {
            throw new InvalidDeviceSpecException(name, "physical-block-size", physical,
                    "a power of two from the logical block size (" + logical + ") to 65536 bytes");
        }
        if (size <= 0 || size % logical != 0) {
            throw new InvalidDeviceSpecException(name, "size", size,
                    "a positive multiple of the logical block size (" + logical + " bytes)");
        }
        if (maxRequest < PAGE_SIZE || maxRequest > MAX_REQUEST_SIZE || maxRequest % PAGE_SIZE != 0) {
            throw new InvalidDeviceSpecException(name, "max-request-size", maxRequest,
                    "a multiple of 4096 from 4096 to 1048576 bytes");
        }
        if (concurrency < 1 || concurrency > MAX_CONCURRENT_REQUESTS) {
            throw new InvalidDeviceSpecException(name, "max-concurrent-requests", concurrency, "1 to 256");
        }
        if (timeout.isNegative() || timeout.compareTo(MAX_REQUEST_TIMEOUT) > 0) {
            throw new InvalidDeviceSpecException(name, "request-timeout", timeout,
                    "0 (no timeout) to 1h");
        }
    }

    private static boolean isPowerOfTwo(long value) {
        return value > 0 && (value & (value - 1)) == 0;
    }

    /** Builds a {@link DeviceSpec}; defaults suit a general-purpose SSD-like device. */
    public static final class Builder {

        private final String name;

        private final long size;

        private int logicalBlockSize = 512;

        private int physicalBlockSize = 4096;

        private int maxRequestSize = 256 * 1024;

        private int maxConcurrentRequests = 4;

        private boolean readOnly;

        private boolean rotational;

        private boolean recoverable;

        private boolean partitionScanning = true;

        private Duration requestTimeout = Duration.ofSeconds(30);

        private boolean physicalSet;

        private Builder(String name, long size) {
            this.name = name;
            this.size = size;
        }

        public Builder logicalBlockSize(int bytes) {
            this.logicalBlockSize = bytes;
            return this;
        }

        /** Defaults to the larger of 4096 and the logical block size. */
        public Builder physicalBlockSize(int bytes) {
            this.physicalBlockSize = bytes;
            this.physicalSet = true;
            return this;
        }

        public Builder maxRequestSize(int bytes) {
            this.maxRequestSize = bytes;
            return this;
        }

        public Builder maxConcurrentRequests(int requests) {
            this.maxConcurrentRequests = requests;
            return this;
        }

        public Builder readOnly(boolean readOnly) {
            this.readOnly = readOnly;
            return this;
        }

        public Builder rotational(boolean rotational) {
            this.rotational = rotational;
            return this;
        }

        public Builder recoverable(boolean recoverable) {
            this.recoverable = recoverable;
            return this;
        }

        public Builder partitionScanning(boolean partitionScanning) {
            this.partitionScanning = partitionScanning;
            return this;
        }

        public Builder requestTimeout(Duration timeout) {
            this.requestTimeout = timeout;
            return this;
        }

        public DeviceSpec build() {
            int physical = this.physicalSet ? this.physicalBlockSize : Math.max(4096, this.logicalBlockSize);
            return new DeviceSpec(this.name, this.size, this.logicalBlockSize, physical, this.maxRequestSize,
                    this.maxConcurrentRequests, this.readOnly, this.rotational, this.recoverable,
                    this.partitionScanning, this.requestTimeout);
        }
    }
}
