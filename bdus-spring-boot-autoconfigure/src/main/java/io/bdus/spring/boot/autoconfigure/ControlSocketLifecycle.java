package io.bdus.spring.boot.autoconfigure;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

import io.bdus.control.ControlServer;
import io.bdus.control.ControlSockets;
import io.bdus.control.ControlledDevices;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.context.SmartLifecycle;
import org.springframework.core.log.LogMessage;

/**
 * The control socket ({@code <bdus.state-dir>/control/<pid>.sock}) through which the
 * {@code bdus} command line lists and acts on the application's devices. It opens once the
 * devices serve and closes before they stop (its phase is just above theirs).
 */
final class ControlSocketLifecycle implements SmartLifecycle {

    private static final Log logger = LogFactory.getLog(ControlSocketLifecycle.class);

    private final Path stateDirectory;

    private final ControlledDevices devices;

    private volatile @Nullable ControlServer server;

    ControlSocketLifecycle(Path stateDirectory, ControlledDevices devices) {
        this.stateDirectory = stateDirectory;
        this.devices = devices;
    }

    @Override
    public int getPhase() {
        return BdusDeviceLifecycle.PHASE + 1;
    }

    @Override
    public boolean isPauseable() {
        return false;
    }

    @Override
    public boolean isRunning() {
        return this.server != null;
    }

    @Override
    public void start() {
        if (this.server != null || this.devices.names().isEmpty()) {
            return;
        }
        try {
            this.server = ControlServer.start(ControlSockets.in(this.stateDirectory), this.devices);
        }
        catch (IOException ex) {
            // The devices serve anyway; only the command line cannot reach them.
            logger.warn(LogMessage.format("bdus control socket under %s not opened (%s): 'bdus list' shows this "
                    + "application's devices, but cannot act on them", this.stateDirectory, ex.getMessage()));
        }
    }

    @Override
    public void stop() {
        ControlServer server = this.server;
        this.server = null;
        if (server != null) {
            server.close(Duration.ofSeconds(5));
        }
    }

}
