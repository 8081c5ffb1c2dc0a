package io.bdus.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code bdus flush DEV}. */
@Command(name = "flush", header = "Make every write a device completed so far durable.",
        description = "The process that serves the device flushes it: the kernel's cache is written back and the "
                + "driver flushes. A kept or orphaned device has no driver to answer a flush, so it is refused.",
        footerHeading = "%nExamples:%n",
        footer = { "  bdus flush disk0", "  bdus flush /dev/loop0" })
final class FlushCommand implements Callable<Integer> {

    @Parameters(paramLabel = "DEV", description = DeviceResolver.DEV_HELP)
    String dev;

    @Mixin
    CommonOptions common;

    @Override
    public Integer call() {
        DeviceInventory inventory = this.common.inventory();
        KnownDevice device = DeviceResolver.resolve(this.dev, inventory.scan());
        System.out.println(new DeviceActions(inventory).flush(device));
        return 0;
    }
}
