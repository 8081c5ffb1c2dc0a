package io.bdus.cli;

import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code bdus list}: every device on this machine, from every transport. */
@Command(name = "list", sortOptions = false, header = "List every bdus device on this machine.",
        description = {
            "Shows the devices of the state directory's records merged with what the kernel has: every "
                    + "/dev/bdus-N, and every loop device over a fuse-loop mount of the state directory. STATE is "
                    + "the owner's (AVAILABLE, REPLACING, ...) when it answers; else KEPT (left in place, waiting "
                    + "for 'bdus serve --attach'), ORPHANED (its owner died), GONE (recorded, but the kernel no "
                    + "longer has it), UNRECORDED (the kernel has it, no record does) or UNKNOWN (its owner does not "
                    + "answer). PID is the live owner." },
        footerHeading = "%nExamples:%n",
        footer = {
            "  bdus list",
            "  bdus list --json | python3 -m json.tool" })
final class ListCommand implements Callable<Integer> {

    @Option(names = "--json", description = "Print a JSON array (sizes in bytes, pid null when none).")
    boolean json;

    @Mixin
    CommonOptions common;

    @Override
    public Integer call() {
        List<KnownDevice> devices = this.common.inventory().scan();
        System.out.print(this.json ? DeviceTable.json(devices) : DeviceTable.text(devices));
        return 0;
    }
}
