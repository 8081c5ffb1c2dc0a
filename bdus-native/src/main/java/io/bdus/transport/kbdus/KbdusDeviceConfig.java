package io.bdus.transport.kbdus;

import io.bdus.driver.Operation;
import java.util.Set;

/**
 * A kbdus device as the module reports it ({@code struct kbdus_device_config}, after the
 * kernel adjusted it).
 *
 * @param id the device id ({@code /dev/bdus-<id>})
 * @param size size in bytes
 * @param logicalBlockSize logical block size in bytes
 * @param physicalBlockSize physical block size in bytes
 * @param maxReadWriteSize largest read or write payload in bytes
 * @param maxOutstandingRequests requests the device holds at once
 * @param requestTimeoutMillis request timeout; 0 for none
 * @param operations the request types the device sends to its driver
 * @param readOnly whether clients may only read
 * @param rotational whether the device reports itself as rotational
 * @param recoverable whether the device outlives its driver
 */
public record KbdusDeviceConfig(long id, long size, int logicalBlockSize, int physicalBlockSize,
        int maxReadWriteSize, int maxOutstandingRequests, long requestTimeoutMillis, Set<Operation> operations,
        boolean readOnly, boolean rotational, boolean recoverable) {

    public KbdusDeviceConfig {
        operations = Set.copyOf(operations);
    }

    /** The block device node. */
    public String path() {
        return KbdusAbi.DEVICE_PATH_PREFIX + this.id;
    }
}
