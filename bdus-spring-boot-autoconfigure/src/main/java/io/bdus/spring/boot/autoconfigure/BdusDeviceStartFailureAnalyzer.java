package io.bdus.spring.boot.autoconfigure;

import io.bdus.device.DeviceStartException;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Reports a device that could not be created at start-up: which device, at which stage,
 * and what to do (what the transports need, or the property to raise when it ran out of
 * time).
 */
class BdusDeviceStartFailureAnalyzer extends AbstractFailureAnalyzer<DeviceStartException> {

    private static final String NEEDS = "The fuse-loop transport needs root, /dev/fuse and /dev/loop-control; the "
            + "kbdus transport needs root and the kbdus kernel module (/dev/bdus-control). To start the application "
            + "without block devices, set bdus.enabled=false.";

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, DeviceStartException cause) {
        if (!(cause instanceof BdusDeviceStartException start)) {
            return new FailureAnalysis(cause.getMessage(), "Check the cause above. " + NEEDS, cause);
        }
        String stage = (start.stage() != null) ? start.stage() : "starting";
        StringBuilder description = new StringBuilder(String.valueOf(start.getMessage()));
        description.append(String.format("%n%n    Device: %s%n    Stage: %s", start.device(), stage));
        if (!start.timedOut()) {
            return new FailureAnalysis(description.toString(), "Check the cause above. " + NEEDS, cause);
        }
        String timeout = BdusDeviceStartException.text(start.timeout());
        description.append(String.format("%n    Timeout: %s (%s)", timeout, BdusDeviceStartException.TIMEOUT_PROPERTY));
        String action = "Find out why " + stage + " of device '" + start.device() + "' takes so long (a driver whose "
                + "initialize() blocks, a transport waiting for the kernel), or, if it needs longer, raise '"
                + BdusDeviceStartException.TIMEOUT_PROPERTY + "' (now " + timeout + ").";
        return new FailureAnalysis(description.toString(), action, cause);
    }

}
