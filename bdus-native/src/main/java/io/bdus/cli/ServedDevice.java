package io.bdus.cli;

import io.bdus.control.ControlledDevices;
import io.bdus.control.DeviceStatus;
import io.bdus.device.BlockDevice;
import io.bdus.device.DeviceInUseException;
import io.bdus.device.DeviceListener;
import io.bdus.device.DeviceRecord;
import io.bdus.device.DeviceRecords;
import io.bdus.linux.BlockDeviceUsers;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The one device {@code bdus serve} serves, as its control socket offers it, and its end:
 * every way the device can stop (a signal, a control request, a failure) goes through here,
 * once, keeping its record in step.
 */
final class ServedDevice implements ControlledDevices, DeviceListener {

    static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);

    private final DeviceRecords records;

    private final PrintStream log;

    private final CountDownLatch ended = new CountDownLatch(1);

    private volatile BlockDevice device;

    private volatile Throwable failure;

    private boolean stopped;

    ServedDevice(DeviceRecords records, PrintStream log) {
        this.records = records;
        this.log = log;
    }

    /** Starts tracking {@code device} once it serves: records it. */
    void serving(BlockDevice device) throws IOException {
        synchronized (this) {
            this.device = device;
        }
        this.records.save(DeviceRecord.serving(device, device.handle()));
    }

    BlockDevice device() {
        return this.device;
    }

    @Override
    public void failed(BlockDevice device, Throwable cause) {
        this.failure = cause;
        this.ended.countDown();
    }

    /** Waits until the device was stopped by a request, or failed, or {@code signalled} counts down. */
    void awaitEnd(CountDownLatch signalled) throws InterruptedException {
        while (this.ended.getCount() > 0 && signalled.getCount() > 0) {
            this.ended.await(200, TimeUnit.MILLISECONDS);
        }
    }

    Throwable failure() {
        return this.failure;
    }

    /**
     * Stops at the end of {@code serve}: a recoverable device is left in place if
     * {@code keep}, else it is flushed and torn down. Does nothing if already stopped.
     */
    synchronized void stop(boolean keep) {
        if (this.stopped || this.device == null) {
            return;
        }
        BlockDevice device = this.device;
        if (keep && device.canDetach()) {
            String handle = keepInPlace(device);
            this.log.println("bdus serve: left " + describe(device) + " in place (kbdus id " + handle
                    + "); serve it again with: bdus serve --attach " + handle);
            return;
        }
        if (device.state().isServing()) {
            try {
                device.flush();
            }
            catch (IOException | RuntimeException ex) {
                this.log.println("bdus serve: flush of " + describe(device) + " before stopping failed: " + ex.getMessage());
            }
        }
        tearDown(device);
    }

    @Override
    public synchronized List<String> names() {
        return (this.stopped || this.device == null) ? List.of() : List.of(this.device.name());
    }

    @Override
    public DeviceStatus status(String name) {
        return DeviceStatus.of(served(name));
    }

    @Override
    public String flush(String name) throws IOException {
        BlockDevice device = served(name);
        device.flush();
        return "Flushed " + describe(device) + ".";
    }

    @Override
    public synchronized String detach(String name, boolean force) throws IOException {
        BlockDevice device = served(name);
        if (device.canDetach()) {
            String handle = keepInPlace(device);
            return "Left " + describe(device) + " in place without a driver (kbdus id " + handle + "); serve it again "
                    + "with: bdus serve --attach " + handle;
        }
        String cannotKeep = "the " + device.transportName() + " transport cannot keep "
                + (device.spec().recoverable() ? "a" : "a non-recoverable") + " device without a driver";
        refuseIfInUse(device, force, cannotKeep + ", so detaching would tear it down");
        device.flush();
        tearDown(device);
        return DeviceActions.capitalized(cannotKeep) + ": flushed and tore down " + describe(device) + ".";
    }

    @Override
    public synchronized String destroy(String name, boolean flush, boolean force) throws IOException {
        BlockDevice device = served(name);
        refuseIfInUse(device, force, "destroying it would fail their I/O");
        if (flush) {
            try {
                device.flush();
            }
            catch (IOException ex) {
                throw new IOException("flush of " + describe(device) + " failed (" + ex.getMessage() + "), so it was "
                        + "not destroyed; destroy it without flushing with --no-flush", ex);
            }
        }
        tearDown(device);
        return "Destroyed " + describe(device) + (flush ? " after flushing it." : " without flushing it first.");
    }

    private BlockDevice served(String name) {
        BlockDevice device = this.device;
        synchronized (this) {
            if (device == null || this.stopped || !device.name().equals(name)) {
                throw new IllegalArgumentException("Process " + ProcessHandle.current().pid() + " serves no device '"
                        + name + "'");
            }
        }
        if (!device.state().isServing()) {
            throw new IllegalStateException(describe(device) + " is " + device.state() + ", not serving");
        }
        return device;
    }

    private static void refuseIfInUse(BlockDevice device, boolean force, String consequence) {
        List<String> users = BlockDeviceUsers.of(device.path());
        if (!users.isEmpty() && !force) {
            throw new DeviceInUseException(device.name(), device.path(), users, consequence,
                    "Unmount it and stop the processes using it, or force the action.");
        }
    }

    private String keepInPlace(BlockDevice device) {
        String handle = device.detach(STOP_TIMEOUT);
        try {
            this.records.save(DeviceRecord.serving(device, handle).keptWith(handle));
        }
        catch (IOException ex) {
            this.log.println("bdus serve: could not record kept " + describe(device) + " in " + this.records.directory()
                    + ": " + ex.getMessage());
        }
        end();
        return handle;
    }

    private void tearDown(BlockDevice device) {
        device.stop(STOP_TIMEOUT);
        try {
            this.records.delete(device.transportName(), device.name());
        }
        catch (IOException ex) {
            this.log.println("bdus serve: could not delete the record of " + describe(device) + ": " + ex.getMessage());
        }
        end();
    }

    private void end() {
        this.stopped = true;
        this.ended.countDown();
    }

    static String describe(BlockDevice device) {
        Object requests = device.transportDetails().get("requests");
        return "device '" + device.name() + "' (" + device.transportName()
                + ((requests != null) ? " over " + requests : "") + ", " + device.path() + ")";
    }
}
