package io.bdus.driver.rados;

import io.bdus.driver.BlockDriverException;
import io.bdus.testing.CephTestCluster;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * A RADOS driver in a process of its own, for the lock tests: opens image {@code args[0]}
 * (object size {@code args[1]}, size {@code args[2]}) as device 'holder', prints
 * {@code READY <pid>}, then for each line {@code write <offset>} writes 4 KiB there and
 * prints {@code OK} or {@code ERRNO <n>}.
 */
public final class LockHolderMain {

    private LockHolderMain() {
    }

    public static void main(String[] args) throws Exception {
        RadosDriver driver = new RadosDriver(CephTestCluster.settings(args[0]).objectSize(Integer.parseInt(args[1]))
            .build());
        driver.initialize(RadosDriverTest.info("holder", Long.parseLong(args[2])));
        System.out.println("READY " + ProcessHandle.current().pid());
        BufferedReader input = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = input.readLine()) != null) {
            long offset = Long.parseLong(line.split(" ")[1]);
            try {
                driver.write(ByteBuffer.allocateDirect(4096), offset);
                System.out.println("OK");
            }
            catch (BlockDriverException ex) {
                System.out.println("ERRNO " + ex.errno());
            }
        }
    }
}
