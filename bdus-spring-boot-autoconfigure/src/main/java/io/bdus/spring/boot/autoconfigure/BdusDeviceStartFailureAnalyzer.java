package io.bdus.spring.boot.autoconfigure;

import io.bdus.device.DeviceStartException;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Reports a device that could not be created at start-up, with what the transports need.
 */
class BdusDeviceStartFailureAnalyzer extends AbstractFailureAnalyzer<DeviceStartException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, DeviceStartException cause) {
        String action = "Check the cause above. The fuse-loop transport needs root, /dev/fuse and "
                + "/dev/loop-control; the kbdus transport needs root and the kbdus kernel module "
                + "(/dev/bdus-control). To start the application without block devices, set bdus.enabled=false.";
        return new FailureAnalysis(cause.getMessage(), action, cause);
    }

}
