package io.bdus.transport.fuse;

import io.bdus.device.DeviceSpec;
import io.bdus.driver.Operation;
import io.bdus.linux.Owner;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/** What the channels of one FUSE connection share: the device and the negotiated protocol. */
final class FuseSession {

    private final DeviceSpec spec;

    private final Set<Operation> operations;

    private final int maxBackground;

    private final Owner owner;

    private volatile int minor;

    private final AtomicBoolean rejected = new AtomicBoolean();

    FuseSession(DeviceSpec spec, Set<Operation> operations, int maxBackground, Owner owner) {
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

    void minor(int minor) {
        this.minor = minor;
    }

    /** True the first time a request is refused as out of range or unaligned. */
    boolean firstRejection() {
        return !this.rejected.getAndSet(true);
    }
}
