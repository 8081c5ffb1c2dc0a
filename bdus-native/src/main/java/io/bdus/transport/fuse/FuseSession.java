package io.bdus.transport.fuse;

import io.bdus.device.DeviceSpec;
import io.bdus.driver.Operation;
import io.bdus.linux.Owner;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/** What the channels of one FUSE connection share: the device and the negotiated protocol. */
final class FuseSession {

    private final DeviceSpec spec;

    private final Set<Operation> operations;

    private final int maxBackground;

    private final Owner owner;

    private volatile int minor;

    private final AtomicBoolean rejected = new AtomicBoolean();

    private final boolean uringWanted;

    private final CountDownLatch initialized = new CountDownLatch(1);

    private volatile boolean uring;

    FuseSession(DeviceSpec spec, Set<Operation> operations, int maxBackground, Owner owner) {
        this(spec, operations, maxBackground, owner, false);
    }

    /** @param uringWanted whether INIT asks the kernel for FUSE over io_uring when it offers it */
    FuseSession(DeviceSpec spec, Set<Operation> operations, int maxBackground, Owner owner, boolean uringWanted) {
        this.uringWanted = uringWanted;
        this.spec = spec;
        this.operations = operations.isEmpty() ? EnumSet.noneOf(Operation.class) : EnumSet.copyOf(operations);
        this.maxBackground = maxBackground;
        this.owner = owner;
    }

    DeviceSpec spec() {
        return this.spec;
    }

    /** Who owns the file; only this user and root may open it. */
    Owner owner() {
        return this.owner;
    }

    boolean supports(Operation operation) {
        return this.operations.contains(operation);
    }

    /** Background (asynchronous) requests the kernel may queue; bounds concurrent direct I/O. */
    int maxBackground() {
        return this.maxBackground;
    }

    /** The negotiated minor version, or 0 before INIT. */
    int minor() {
        return this.minor;
    }

    boolean uringWanted() {
        return this.uringWanted;
    }

    /** Records what the INIT reply negotiates: the minor version and whether it enables io_uring. */
    void negotiated(int minor, boolean uring) {
        this.minor = minor;
        this.uring = uring;
    }

    /**
     * The INIT reply reached the kernel: the rings may register now (the kernel refuses them
     * with EAGAIN before).
     */
    void initialized() {
        this.initialized.countDown();
    }

    /** Whether INIT enabled FUSE over io_uring; false before INIT. */
    boolean uring() {
        return this.uring;
    }

    /** Waits up to {@code millis} for INIT to be answered. */
    boolean awaitInit(long millis) throws InterruptedException {
        return this.initialized.await(millis, TimeUnit.MILLISECONDS);
    }

    /** True the first time a request is refused as out of range or unaligned. */
    boolean firstRejection() {
        return !this.rejected.getAndSet(true);
    }
}
