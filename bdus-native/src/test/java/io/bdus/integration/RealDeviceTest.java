package io.bdus.integration;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;

/**
 * Base of the host integration tests: skips (saying why) where real devices cannot be
 * served, and checks after each class that no mount or loop device of the run is left.
 */
abstract class RealDeviceTest {

    @BeforeEach
    void requireHost() {
        HostDevices.assumeHostCanServeDevices();
    }

    @AfterAll
    static void nothingLeft() throws Exception {
        HostDevices.removeImages();
        if (HostDevices.hostCanServeDevices()) {
            HostDevices.assertNothingLeft();
        }
    }
}
