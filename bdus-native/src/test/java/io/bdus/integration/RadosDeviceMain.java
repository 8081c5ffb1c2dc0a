package io.bdus.integration;

import io.bdus.device.BlockDevice;
import io.bdus.device.DeviceSpec;
import io.bdus.driver.rados.RadosDriver;
import io.bdus.testing.CephTestCluster;
import io.bdus.transport.fuse.FuseLoopTransport;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A child JVM for the RADOS crash test: serves RADOS image {@code args[0]} ({@code args[1]}
 * bytes) as fuse-loop device 'rados-crash' with state directory {@code args[2]}, with
 * break-lock when {@code args[3]} is {@code break-lock}; prints {@code READY - <path>}, then
 * serves until killed. A start that fails prints the error and exits with status 1.
 */
public final class RadosDeviceMain {

    private RadosDeviceMain() {
    }

    public static void main(String[] args) throws Exception {
        boolean breakLock = args.length > 3 && args[3].equals("break-lock");
        RadosDriver driver = new RadosDriver(CephTestCluster.settings(args[0])
            .objectSize(HostDevices.RADOS_OBJECT_SIZE).breakLock(breakLock).build());
        DeviceSpec spec = DeviceSpec.builder("rados-crash", Long.parseLong(args[1])).build();
        BlockDevice device;
        try {
            device = BlockDevice.start(spec, driver, new FuseLoopTransport(Path.of(args[2])), Duration.ofSeconds(60));
        }
        catch (Exception ex) {
            System.out.println("FAILED " + ex.getMessage());
            System.exit(1);
            return;
        }
        System.out.println("READY - " + device.path());
        System.out.flush();
        while (true) {
            Thread.sleep(60_000);
        }
    }
}
