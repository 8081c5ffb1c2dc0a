package io.bdus.transport.fuse;

import io.bdus.device.DeviceSpec;
import io.bdus.driver.Operation;
import io.bdus.testing.Shell;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;

/**
 * Not a test: runs fio against a fuse-loop device over the in-memory handler. Arguments:
 * channels (max concurrent requests), then fio arguments after the device path is filled in,
 * e.g. {@code 4 --rw=randread --bs=4k --iodepth=32}.
 */
public final class FuseLoopBench {

    private FuseLoopBench() {
    }

    public static void main(String[] args) throws Exception {
        int channels = Integer.parseInt(args[0]);
        Path state = Files.createTempDirectory("bdus-bench");
        FuseLoopTransport transport = new FuseLoopTransport(state);
        DeviceSpec spec = DeviceSpec.builder("bench", 256 << 20).maxConcurrentRequests(channels)
            .maxRequestSize(1 << 20).build();
        try (ServedDevice served = new ServedDevice(transport, spec,
                EnumSet.of(Operation.READ, Operation.WRITE, Operation.FLUSH))) {
            String[] command = new String[args.length + 5];
            command[0] = "fio";
            command[1] = "--name=bench";
            command[2] = "--filename=" + served.path;
            command[3] = "--direct=1";
            command[4] = "--ioengine=libaio";
            command[5] = "--output-format=terse";
            System.arraycopy(args, 1, command, 6, args.length - 1);
            String out = Shell.ok(command);
            String[] f = out.strip().split(";");
            // terse v3: read iops at field 7, write iops at field 48 (0-based 7 and 48)
            System.out.println("channels=" + channels + " " + String.join(" ", args).substring(args[0].length())
                    + " read_iops=" + f[7] + " read_kBps=" + f[6] + " write_iops=" + f[48] + " write_kBps="
                    + f[47]);
        }
        Files.deleteIfExists(state);
    }
}
