package io.bdus.transport.fuse;

import io.bdus.device.DeviceSpec;
import io.bdus.driver.Operation;
import java.nio.file.Path;
import java.util.EnumSet;

/** A process that serves one fuse-loop device and waits to be killed (the stale-sweep test). */
public final class StaleOwnerMain {

    private StaleOwnerMain() {
    }

    public static void main(String[] args) throws Exception {
        FuseLoopTransport transport = new FuseLoopTransport(Path.of(args[0]));
        DeviceSpec spec = DeviceSpec.builder(args[1], 4 << 20).maxConcurrentRequests(2).build();
        ServedDevice served = new ServedDevice(transport, spec, EnumSet.of(Operation.READ, Operation.WRITE));
        System.out.println("READY " + served.path);
        System.out.flush();
        Thread.sleep(60_000);
    }
}
