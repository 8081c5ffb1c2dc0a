package io.bdus.spring.boot.autoconfigure;

import io.bdus.device.DeviceStartException;
import io.bdus.driver.rados.ImageInUseException;
import io.bdus.driver.rados.ImageMismatchException;
import org.jspecify.annotations.Nullable;

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
        String rados = radosAction(start.device(), cause);
        if (rados != null) {
            return new FailureAnalysis(description.toString(), rados, cause);
        }
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

    /** What to change when a RADOS image refused the device, naming the properties; else null. */
    private @Nullable String radosAction(String device, Throwable cause) {
        String rados = DeviceSettings.DEVICES + "." + device + ".rados";
        if (findCause(cause, ImageInUseException.class) != null) {
            return "Another device serves this RADOS image (see above). Stop it, or serve another image ('" + rados
                    + ".image'). If its holder is gone for good (the process crashed), set '" + rados
                    + ".break-lock' to true for one start: the old client is blocklisted, then its lock broken.";
        }
        if (findCause(cause, ImageMismatchException.class) != null) {
            return "Set '" + DeviceSettings.DEVICES + "." + device + ".size' and '" + rados
                    + ".object-size' to the image's values (see above), or serve another image ('" + rados
                    + ".image').";
        }
        if (findCause(cause, UnsatisfiedLinkError.class) != null) {
            return "Install Ceph's client library (apt-get install librados2), or serve the device with another "
                    + "driver.";
        }
        return null;
    }

}
