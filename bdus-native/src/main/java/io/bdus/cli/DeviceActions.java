package io.bdus.cli;

import io.bdus.cli.KnownDevice.Presence;
import io.bdus.control.ControlException;
import io.bdus.device.DeviceRecord;
import io.bdus.transport.DeviceGoneException;
import io.bdus.transport.kbdus.KbdusControl;
import io.bdus.transport.kbdus.KbdusTransport;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeoutException;

/**
 * Carries out {@code flush}, {@code detach} and {@code destroy} on a device: through its
 * owner's control socket when a live process serves it, else directly (kbdus ioctls on
 * {@code /dev/bdus-control}; for fuse-loop, the clean-up of what a dead owner left).
 */
final class DeviceActions {

    /** How long the module may take to destroy a device once asked. */
    static final Duration DESTROY_TIMEOUT = Duration.ofSeconds(60);

    private final DeviceInventory inventory;

    DeviceActions(DeviceInventory inventory) {
        this.inventory = inventory;
    }

    String flush(KnownDevice device) {
        if (device.presence() == Presence.OWNED) {
            return byOwner(device, "flush", () -> this.inventory.control().flush(device.record().pid(), device.name()));
        }
        throw new CommandFailedException(capitalized(device.describe()) + " " + whyNoFlush(device) + ".\n"
                + nextStep(device));
    }

    String detach(KnownDevice device, boolean force) {
        switch (device.presence()) {
            case OWNED:
                return byOwner(device, "detach",
                        () -> this.inventory.control().detach(device.record().pid(), device.name(), force));
            case KEPT:
                return capitalized(device.describe()) + " is already detached and kept (kbdus id " + device.kbdusId()
                        + "); nothing to do. Serve it again with: bdus serve --attach " + device.kbdusId();
            case GONE:
                throw new CommandFailedException(capitalized(device.describe()) + " is gone; nothing to detach.\n"
                        + "Remove its record with: bdus destroy " + device.label());
            default:
                break;
        }
        requireNoLiveOwner(device, "detach");
        if (device.transport().equals(KbdusTransport.NAME) && device.record() != null && recoverable(device)) {
            String handle = Long.toString(device.kbdusId());
            save(device, device.record().keptWith(handle));
            return "Recorded " + device.describe() + " as kept: its owner, pid " + device.record().pid()
                    + ", ended and it waits for a driver. Serve it again with: bdus serve --attach " + handle;
        }
        if (device.transport().equals(KbdusTransport.NAME)) {
            throw new CommandFailedException("bdus has no record of who serves " + device.describe()
                    + "; nothing to detach.\nDestroy it with 'bdus destroy " + device.label() + "' if it is unused.");
        }
        InUseRefusal.check(device, "detach", force);
        this.inventory.controlSockets().deleteStale();
        return "The " + device.transport() + " transport cannot keep a device without a driver: "
                + cleanFuseLoop(device);
    }

    String destroy(KnownDevice device, boolean flush, boolean force) {
        if (device.presence() == Presence.OWNED) {
            return byOwner(device, "destroy",
                    () -> this.inventory.control().destroy(device.record().pid(), device.name(), flush, force));
        }
        if (device.presence() == Presence.GONE) {
            if (device.mountPoint() != null) {
                cleanFuseLoop(device);
            }
            deleteRecord(device);
            return capitalized(device.describe()) + " was already gone; removed its record.";
        }
        requireNoLiveOwner(device, "destroy");
        InUseRefusal.check(device, "destroy", force);
        this.inventory.controlSockets().deleteStale();
        String notFlushed = flush ? " Not flushed: it " + whyNoFlush(device) + "." : "";
        if (device.transport().equals(KbdusTransport.NAME)) {
            destroyKbdus(device);
            deleteRecord(device);
            return "Destroyed " + device.describe() + " (kbdus id " + device.kbdusId() + ")." + notFlushed;
        }
        return capitalized(cleanFuseLoop(device)) + notFlushed;
    }

    private String whyNoFlush(KnownDevice device) {
        boolean kbdus = device.transport().equals(KbdusTransport.NAME);
        return switch (device.presence()) {
            case KEPT -> "has no driver to answer a flush (it was flushed when its driver detached)";
            case ORPHANED -> kbdus
                    ? "has no driver to answer a flush: its owner, pid " + device.lastPid() + ", ended"
                    : "can no longer serve requests: its owner, pid " + device.lastPid() + ", ended";
            case UNRECORDED -> kbdus
                    ? "has no record of a driver, and a flush of a device without one waits for one"
                    : "is served by pid " + device.pid() + ", which keeps no record or control socket";
            case GONE -> "is gone";
            case OWNED -> "is served by its owner";
        };
    }

    private static String nextStep(KnownDevice device) {
        if (device.transport().equals(KbdusTransport.NAME) && device.presence() != Presence.GONE) {
            return "Serve it again with 'bdus serve --attach " + device.kbdusId() + " --file ...', or destroy it with "
                    + "'bdus destroy " + device.label() + "'.";
        }
        return "Remove it with 'bdus destroy " + device.label() + "'.";
    }

    /** Refuses to act behind the back of a live process that serves the device without a control socket. */
    private static void requireNoLiveOwner(KnownDevice device, String verb) {
        if (device.pid() > 0) {
            throw new CommandFailedException(capitalized(device.describe()) + " is served by pid " + device.pid()
                    + ", which keeps no record or control socket here: bdus cannot " + verb + " it.\n"
                    + "Stop that process (it tears its devices down), or use its own controls.");
        }
    }

    private String byOwner(KnownDevice device, String verb, OwnerCall call) {
        long pid = device.record().pid();
        if (device.status() == null) {
            throw new CommandFailedException(capitalized(device.describe()) + " is served by pid " + pid
                    + ", which does not answer on its control socket (" + device.ownerProblem() + ").\n"
                    + "Stop that process with SIGTERM (it flushes and tears its devices down), or use its own controls.");
        }
        try {
            return call.run();
        }
        catch (ControlException ex) {
            if (ex.inUse()) {
                throw InUseRefusal.refusal(device, verb, ex.users());
            }
            throw new CommandFailedException("Could not " + verb + " " + device.describe() + " (served by pid " + pid
                    + "): " + ex.getMessage() + ".\nSee the owner's log for details.", ex);
        }
        catch (IOException ex) {
            throw new CommandFailedException("Could not " + verb + " " + device.describe() + ": " + ex.getMessage()
                    + ".\nCheck that pid " + pid + " still runs ('bdus list').", ex);
        }
    }

    private static boolean recoverable(KnownDevice device) {
        try {
            return KbdusControl.config(device.kbdusId()).recoverable();
        }
        catch (IOException ex) {
            return false;
        }
    }

    private static void destroyKbdus(KnownDevice device) {
        try {
            KbdusControl.destroy(device.kbdusId(), DESTROY_TIMEOUT);
        }
        catch (DeviceGoneException ex) {
            // gone meanwhile: destroyed all the same
        }
        catch (TimeoutException ex) {
            throw new CommandFailedException("Asked the kbdus module to destroy " + device.describe() + ", but it is "
                    + "still there after " + DESTROY_TIMEOUT.toSeconds() + " s: its driver did not close.\n"
                    + "Find the process holding /dev/bdus-control ('fuser -v /dev/bdus-control') and stop it.");
        }
        catch (IOException ex) {
            throw new CommandFailedException("Could not destroy " + device.describe() + ": " + ex.getMessage() + ".\n"
                    + "Check that the kbdus module is loaded and that you are root.", ex);
        }
    }

    /** Cleans what a dead owner left of a fuse-loop device, like the transport's stale sweep. */
    private String cleanFuseLoop(KnownDevice device) {
        if (device.mountPoint() == null) {
            deleteRecord(device);
            return device.describe() + " left nothing behind; removed its record.";
        }
        try {
            this.inventory.mountPoints().clean(device.mountPoint());
        }
        catch (IOException | IllegalStateException ex) {
            throw new CommandFailedException("Could not clean up " + device.describe() + ": " + ex.getMessage() + ".\n"
                    + "Check " + device.mountPoint().file() + " and 'losetup --list'.", ex);
        }
        deleteRecord(device);
        return "cleaned up " + device.describe() + " of pid " + device.mountPoint().pid() + ", which ended: "
                + (device.mountPoint().loops().isEmpty() ? "" : "loop device detached, ") + "FUSE mount removed"
                + (device.record() != null ? ", record deleted." : ".");
    }

    private void save(KnownDevice device, DeviceRecord record) {
        try {
            this.inventory.records().save(record);
        }
        catch (IOException ex) {
            throw new CommandFailedException("Could not record " + device.describe() + " in "
                    + this.inventory.records().directory() + ": " + ex.getMessage() + ".", ex);
        }
    }

    private void deleteRecord(KnownDevice device) {
        if (device.record() == null) {
            return;
        }
        try {
            this.inventory.records().delete(device.transport(), device.name());
        }
        catch (IOException ex) {
            throw new CommandFailedException("Could not delete the record of " + device.describe() + " in "
                    + this.inventory.records().directory() + ": " + ex.getMessage() + ".", ex);
        }
    }

    static String capitalized(String text) {
        return text.isEmpty() ? text : Character.toUpperCase(text.charAt(0)) + text.substring(1);
    }

    /** One control request to the owner. */
    @FunctionalInterface
    private interface OwnerCall {

        String run() throws IOException;
    }
}
