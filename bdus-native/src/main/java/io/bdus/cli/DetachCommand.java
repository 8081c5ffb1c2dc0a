package io.bdus.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code bdus detach DEV}. */
@Command(name = "detach", header = "Stop serving a device, leaving it in place where its transport can.",
        description = {
            "A recoverable kbdus device is flushed and left in place without a driver, recorded as kept: clients' "
                    + "requests wait until 'bdus serve --attach ID' serves it again. A device whose transport cannot "
                    + "keep it (fuse-loop, or a kbdus device that is not recoverable) is flushed and torn down "
                    + "instead, which is refused while it is mounted or open unless --force.",
            "Of a recoverable kbdus device whose owner died, detach records it as kept." },
        footerHeading = "%nExamples:%n",
        footer = { "  bdus detach kbdus/db && bdus serve --attach 3 --file db.img", "  bdus detach /dev/loop0 --force" })
final class DetachCommand implements Callable<Integer> {

    @Option(names = "--force", description = "Tear down a device that cannot be kept even while it is in use.")
    boolean force;

    @Mixin
    DeviceArgument device;

    @Override
    public Integer call() {
        KnownDevice device = this.device.resolve();
        System.out.println(this.device.actions().detach(device, this.force));
        return 0;
    }
}
