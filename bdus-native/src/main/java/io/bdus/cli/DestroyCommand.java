package io.bdus.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code bdus destroy DEV}. */
@Command(name = "destroy", header = "Flush a device and tear it down, even a recoverable one.",
        description = {
            "Its owner flushes and tears it down, and the process exits. Refused while the device is mounted, "
                    + "used as swap, stacked under another device or open by a process, unless --force.",
            "Without a live owner: a kbdus device is destroyed through /dev/bdus-control (it has no driver to "
                    + "answer a flush; it was flushed when its driver detached); what a dead fuse-loop owner left "
                    + "(loop device, FUSE mount) is cleaned up; a record whose device is gone is removed." },
        footerHeading = "%nExamples:%n",
        footer = { "  bdus destroy disk0", "  bdus destroy 3 --no-flush", "  bdus destroy /dev/loop0 --force" })
final class DestroyCommand implements Callable<Integer> {

    @Option(names = "--no-flush", description = "Do not flush first (when the driver cannot flush).")
    boolean noFlush;

    @Option(names = "--force", description = "Destroy it even while it is in use: its users' I/O fails.")
    boolean force;

    @Mixin
    DeviceArgument device;

    @Override
    public Integer call() {
        KnownDevice device = this.device.resolve();
        System.out.println(this.device.actions().destroy(device, !this.noFlush, this.force));
        return 0;
    }
}
