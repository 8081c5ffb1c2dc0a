package io.bdus.spring.boot.autoconfigure;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import io.bdus.spring.boot.autoconfigure.BdusProperties.TransportType;
import io.bdus.transport.Transport;

/**
 * Picks the {@link Transport} for {@code bdus.transport} among the Transport beans.
 * {@code auto} takes kbdus when its control device exists and a kbdus transport is
 * present and usable, else fuse-loop when it can run here; anything else fails with an
 * {@link InvalidBdusConfigurationException} that says what is missing.
 */
final class TransportSelector {

    static final String KBDUS = TransportType.KBDUS.value();

    static final String UBLK = TransportType.UBLK.value();

    static final String FUSE_LOOP = TransportType.FUSE_LOOP.value();

    private static final String PROPERTY = "bdus.transport";

    private final Path kbdusControl;

    TransportSelector(Path kbdusControl) {
        this.kbdusControl = kbdusControl;
    }

    Transport select(TransportType type, List<Transport> transports) {
        return switch (type) {
            case KBDUS -> find(transports, KBDUS).orElseThrow(() -> new InvalidBdusConfigurationException(PROPERTY,
                    KBDUS, "a transport that is present: " + names(transports),
                    "Declare a Transport bean whose name() is 'kbdus' (io.bdus.transport.kbdus.KbdusTransport; "
                            + "declaring any Transport bean replaces the built-in ones), or set 'bdus.transport' to "
                            + "fuse-loop (or auto)."));
            case UBLK -> find(transports, UBLK).orElseThrow(() -> new InvalidBdusConfigurationException(PROPERTY,
                    UBLK, "a transport that is present: " + names(transports),
                    "Declare a Transport bean whose name() is 'ublk' (io.bdus.transport.ublk.UblkTransport; "
                            + "declaring any Transport bean replaces the built-in ones), or set 'bdus.transport' to "
                            + "fuse-loop (or auto)."));
            case FUSE_LOOP -> find(transports, FUSE_LOOP).orElseThrow(() -> new InvalidBdusConfigurationException(
                    PROPERTY, FUSE_LOOP, "a transport that is present: " + names(transports),
                    "Put io.bdus:bdus-native (which provides io.bdus.transport.fuse.FuseLoopTransport) on the "
                            + "class path, or declare a Transport bean whose name() is 'fuse-loop'."));
            case AUTO -> auto(transports);
        };
    }

    private Transport auto(List<Transport> transports) {
        List<String> missing = new ArrayList<>();
        Optional<Transport> kbdus = find(transports, KBDUS);
        if (!Files.exists(this.kbdusControl)) {
            missing.add("kbdus: " + this.kbdusControl + " does not exist (the kbdus kernel module is not loaded)");
        }
        else if (kbdus.isEmpty()) {
            missing.add("kbdus: " + this.kbdusControl + " exists but no Transport bean is named 'kbdus'");
        }
        else if (kbdus.get().unavailableReason().isPresent()) {
            missing.add("kbdus: " + kbdus.get().unavailableReason().get());
        }
        else {
            return kbdus.get();
        }
        Optional<Transport> fuseLoop = find(transports, FUSE_LOOP);
        if (fuseLoop.isEmpty()) {
            missing.add("fuse-loop: no fuse-loop Transport is present");
        }
        else {
            Optional<String> reason = fuseLoop.get().unavailableReason();
            if (reason.isEmpty()) {
                return fuseLoop.get();
            }
            missing.add("fuse-loop: " + reason.get());
        }
        throw new InvalidBdusConfigurationException(PROPERTY, TransportType.AUTO.value(),
                "auto when a transport can run here; none can: " + String.join("; ", missing),
                "Run the application as root on a machine with /dev/fuse and /dev/loop-control (fuse-loop), "
                        + "or load the kbdus kernel module (see kernel/README.md; then /dev/bdus-control exists); "
                        + "or set bdus.enabled=false to start without block devices.");
    }

    private static Optional<Transport> find(List<Transport> transports, String name) {
        return transports.stream().filter((transport) -> name.equals(transport.name())).findFirst();
    }

    private static String names(List<Transport> transports) {
        return transports.isEmpty() ? "(none)"
                : String.join(", ", transports.stream().map(Transport::name).toList());
    }

}
