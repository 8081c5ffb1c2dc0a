package io.bdus.cli;

import io.bdus.control.ControlSockets;
import io.bdus.device.DeviceRecords;
import io.bdus.transport.fuse.FuseLoopMountPoints;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Options every subcommand takes: where the state lives, how much to log, help. */
final class CommonOptions {

    @Option(names = "--state-dir", paramLabel = "DIR", defaultValue = "${env:BDUS_STATE_DIR:-/run/bdus}",
            description = "State directory: device records, control sockets, fuse-loop mounts "
                    + "(default: $BDUS_STATE_DIR, else /run/bdus, as the Spring starter's bdus.state-dir).")
    Path stateDir;

    @Option(names = { "-v", "--verbose" }, description = "Log what the runtime does (INFO) on stderr; "
            + "by default only warnings.")
    void verbose(boolean verbose) {
        if (verbose) {
            System.setProperty(BdusCommand.LOG_LEVEL_PROPERTY, "info");
        }
    }

    @Option(names = { "-h", "--help" }, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    DeviceRecords records() {
        return new DeviceRecords(this.stateDir.resolve("devices"));
    }

    Path fuseLoopDirectory() {
        return this.stateDir.resolve("fuse-loop");
    }

    FuseLoopMountPoints mountPoints() {
        return new FuseLoopMountPoints(fuseLoopDirectory());
    }

    ControlSockets controlSockets() {
        return ControlSockets.in(this.stateDir);
    }

    DeviceInventory inventory() {
        return new DeviceInventory(records(), mountPoints(), controlSockets());
    }
}
