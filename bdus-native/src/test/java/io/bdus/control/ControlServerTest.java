package io.bdus.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.bdus.device.DeviceInUseException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real server and client over a Unix socket; the owner is a recording stand-in. */
class ControlServerTest {

    private static final long PID = ProcessHandle.current().pid();

    @TempDir
    Path dir;

    private final RecordingOwner owner = new RecordingOwner();

    private ControlSockets sockets;

    private ControlServer server;

    private ControlClient client;

    @BeforeEach
    void start() throws IOException {
        this.sockets = ControlSockets.in(this.dir);
        this.server = ControlServer.start(this.sockets, this.owner);
        this.client = new ControlClient(this.sockets);
    }

    @AfterEach
    void stop() {
        this.server.close();
    }

    @Test
    void socketIsRootOnlyAndGoesAwayOnClose() throws IOException {
        assertThat(this.server.socket()).isEqualTo(this.dir.resolve("control").resolve(PID + ".sock"));
        assertThat(Files.getPosixFilePermissions(this.server.socket()))
            .isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(Files.getPosixFilePermissions(this.sockets.directory()))
            .isEqualTo(PosixFilePermissions.fromString("rwx------"));
        assertThat(this.client.listens(PID)).isTrue();
        this.server.close();
        assertThat(this.client.listens(PID)).isFalse();
        assertThatThrownBy(() -> this.client.names(PID)).isInstanceOf(IOException.class)
            .hasMessageContaining("did not answer 'names'");
    }

    @Test
    void carriesNamesStatusAndActionsToTheOwner() throws IOException {
        assertThat(this.client.names(PID)).containsExactly("disk0");
        DeviceStatus status = this.client.status(PID, "disk0");
        assertThat(status).isEqualTo(RecordingOwner.STATUS);
        assertThat(this.client.flush(PID, "disk0")).isEqualTo("flushed disk0");
        assertThat(this.client.detach(PID, "disk0", true)).isEqualTo("detached disk0 force=true");
        assertThat(this.client.destroy(PID, "disk0", false, true)).isEqualTo("destroyed disk0 flush=false force=true");
        assertThat(this.owner.calls).containsExactly("flush disk0", "detach disk0 true", "destroy disk0 false true");
    }

    @Test
    void ownerErrorsArriveAsTheirKind() {
        assertThatThrownBy(() -> this.client.flush(PID, "other")).isInstanceOfSatisfying(ControlException.class,
                ex -> assertThat(ex.kind()).isEqualTo("no-such-device"));
        this.owner.inUse = true;
        assertThatThrownBy(() -> this.client.destroy(PID, "disk0", true, false))
            .isInstanceOfSatisfying(ControlException.class, ex -> {
                assertThat(ex.inUse()).isTrue();
                assertThat(ex.users()).containsExactly("mounted at /mnt (ext4)", "open by pid 42 (dd\nx)");
            });
        this.owner.inUse = false;
        this.owner.failure = new IOException("disk on fire");
        assertThatThrownBy(() -> this.client.flush(PID, "disk0")).isInstanceOfSatisfying(ControlException.class,
                ex -> assertThat(ex.kind()).isEqualTo("failed")).hasMessage("disk on fire");
        this.owner.failure = new IllegalStateException("not serving");
        assertThatThrownBy(() -> this.client.flush(PID, "disk0")).isInstanceOfSatisfying(ControlException.class,
                ex -> assertThat(ex.kind()).isEqualTo("refused"));
        assertThat(this.owner.calls).doesNotContain("flush other");
    }

    @Test
    void malformedOversizedAndSilentClientsAreAnsweredOrCutOffAndTheServerGoesOn() throws Exception {
        assertThat(raw("reboot now\n")).startsWith("error bad-request\nmessage=unknown verb");
        assertThat(raw("status ../../etc/passwd\n")).startsWith("error bad-request\n");
        assertThat(raw("status " + "x".repeat(10_000) + "\n")).isEmpty();
        try (SocketChannel silent = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            silent.connect(UnixDomainSocketAddress.of(this.server.socket()));
            // says nothing; the server cuts it off after its exchange timeout and answers the next
            assertThat(this.client.names(PID)).containsExactly("disk0");
        }
        assertThat(this.owner.calls).isEmpty();
    }

    private String raw(String request) throws IOException {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(this.server.socket()));
            channel.write(ByteBuffer.wrap(request.getBytes(StandardCharsets.UTF_8)));
            ByteBuffer buffer = ByteBuffer.allocate(70_000);
            try {
                while (channel.read(buffer) >= 0) {
                    // until the server closes
                }
            }
            catch (IOException ex) {
                // reset by a server that stopped reading
            }
            return new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void responsesRoundTripEscapedValues() {
        ControlResponse response = ControlResponse.error(ControlResponse.ErrorKind.IN_USE, "a\\b\nc", List.of("u=1"));
        ControlResponse decoded = ControlResponse.decode(response.encode());
        assertThat(decoded).isEqualTo(response);
        assertThat(decoded.get("message")).isEqualTo("a\\b\nc");
        assertThat(DeviceStatus.fromFields(RecordingOwner.STATUS.toFields())).isEqualTo(RecordingOwner.STATUS);
    }

    /** An owner of one device, "disk0", that records what it was asked. */
    private static final class RecordingOwner implements ControlledDevices {

        static final DeviceStatus STATUS = new DeviceStatus("disk0", "fuse-loop", "/dev/loop3", "AVAILABLE", 1 << 20,
                512, 4096, 262144, false, false, List.of("read", "write", "flush"), "io.bdus.driver.ram.RamDiskDriver",
                1, PID, 2, Map.of("read", new DeviceStatus.Totals(10, 40960, 0), "flush",
                        new DeviceStatus.Totals(1, 0, 1)));

        final List<String> calls = new ArrayList<>();

        volatile boolean inUse;

        volatile Exception failure;

        @Override
        public List<String> names() {
            return List.of("disk0");
        }

        @Override
        public DeviceStatus status(String name) {
            return STATUS;
        }

        @Override
        public String flush(String name) throws IOException {
            failIfAsked();
            this.calls.add("flush " + name);
            return "flushed " + name;
        }

        @Override
        public String detach(String name, boolean force) throws IOException {
            failIfAsked();
            this.calls.add("detach " + name + " " + force);
            return "detached " + name + " force=" + force;
        }

        @Override
        public String destroy(String name, boolean flush, boolean force) throws IOException {
            failIfAsked();
            this.calls.add("destroy " + name + " " + flush + " " + force);
            return "destroyed " + name + " flush=" + flush + " force=" + force;
        }

        private void failIfAsked() throws IOException {
            if (this.inUse) {
                throw new DeviceInUseException("disk0", "/dev/loop3", List.of("mounted at /mnt (ext4)",
                        "open by pid 42 (dd\nx)"), "it would fail", "unmount it");
            }
            if (this.failure instanceof IOException io) {
                throw io;
            }
            if (this.failure instanceof RuntimeException runtime) {
                throw runtime;
            }
        }
    }
}
