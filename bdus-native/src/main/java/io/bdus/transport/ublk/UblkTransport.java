package io.bdus.transport.ublk;

import static io.bdus.transport.ublk.UblkAbi.*;

import io.bdus.device.DeviceSpec;
import io.bdus.driver.Operation;
import io.bdus.linux.LibC;
import io.bdus.transport.ServingPlan;
import io.bdus.transport.Transport;
import io.bdus.transport.TransportDevice;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code ublk} transport: devices {@code /dev/ublkbN} of the kernel's own ublk_drv
 * (Linux 6.0+, {@code CONFIG_BLK_DEV_UBLK}), served through io_uring: control commands on
 * {@code /dev/ublk-control}, and per queue a thread whose ring keeps a command outstanding
 * for every tag. Needs CAP_SYS_ADMIN (unprivileged devices are not used).
 */
public final class UblkTransport implements Transport {

    public static final String NAME = "ublk";

    private static final Logger logger = LoggerFactory.getLogger(UblkTransport.class);

    private static final Duration CONTROL_TIMEOUT = Duration.ofSeconds(30);

    /** The UBLK_F_* bits bdus uses or will use, and what each gives. */
    private static final Map<Long, String> WANTED = new LinkedHashMap<>();

    static {
        WANTED.put(F_CMD_IOCTL_ENCODE, "CMD_IOCTL_ENCODE (ioctl-encoded commands)");
        WANTED.put(F_USER_RECOVERY, "USER_RECOVERY (devices outliving their server)");
        WANTED.put(F_USER_RECOVERY_REISSUE, "USER_RECOVERY_REISSUE (requests reissued to a new server)");
    }

    private volatile long features = -2;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Optional<String> unavailableReason() {
        if (!Files.exists(Path.of(CONTROL_PATH))) {
            return Optional.of(CONTROL_PATH + " is missing: this kernel has no ublk_drv loaded "
                    + "(Linux 6.0 or later with CONFIG_BLK_DEV_UBLK; try modprobe ublk_drv)");
        }
        if (LibC.geteuid() != 0) {
            return Optional.of("the ublk transport needs root (CAP_SYS_ADMIN) to create devices");
        }
        return Optional.empty();
    }

    /**
     * The {@code UBLK_F_*} bits the kernel reported (GET_FEATURES, Linux 6.5), -1 when it
     * cannot tell, or -2 before the first device was created.
     */
    public long features() {
        return this.features;
    }

    /** The features bdus would use that the kernel lacks, for logs and the actuator. */
    public List<String> missingFeatures() {
        long known = this.features;
        List<String> missing = new ArrayList<>();
        if (known == -2) {
            return missing;
        }
        WANTED.forEach((bit, what) -> {
            if (known < 0 || (known & bit) == 0) {
                missing.add(what);
            }
        });
        return missing;
    }

    @Override
    public TransportDevice create(DeviceSpec spec, Set<Operation> operations, ServingPlan plan) throws IOException {
        UblkControl control = UblkControl.open();
        try {
            long reported = control.features(CONTROL_TIMEOUT);
            if (this.features == -2) {
                this.features = reported;
                List<String> missing = missingFeatures();
                logger.info("ublk: kernel features {}; {}",
                        reported < 0 ? "unknown (no GET_FEATURES, Linux before 6.5)" : "0x" + Long.toHexString(reported),
                        missing.isEmpty() ? "nothing bdus uses is missing" : "missing: " + String.join(", ", missing));
            }
            return UblkDevice.create(control, reported, missingFeatures(), spec, operations, plan);
        }
        catch (IOException | RuntimeException ex) {
            control.close();
            throw ex;
        }
    }
}
