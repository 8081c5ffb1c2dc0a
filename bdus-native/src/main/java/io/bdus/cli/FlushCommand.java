package io.bdus.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code bdus flush DEV}. */
@Command(name = "flush", header = "Make every write a device completed so far durable.",
        description = "The process that serves the device flushes it: the kernel's cache is written back and the "
                + "driver flushes. A kept or orphaned device has no driver to answer a flush, so it is refused.",
        footerHeading = "%nExamples:%n",
        footer = { "  bdus flush disk0", "  bdus flush /dev/loop0" })
final class FlushCommand implements Callable<Integer> {

    @Mixin
    DeviceArgument device;

    @Override
    public Integer call() {
        KnownDevice device = this.device.resolve();
        System.out.println(this.device.actions().flush(device));
        return 0;
    }
}
