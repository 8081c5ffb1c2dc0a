package io.bdus.control;

import io.bdus.control.ControlRequest.Verb;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * Asks the process that owns a device to act on it, over that process's control socket.
 * Every call has a deadline: a status answers within seconds, an action within the
 * owner's own timeouts.
 */
public final class ControlClient {

    /** For names and status: the owner answers from memory. */
    public static final Duration QUERY_TIMEOUT = Duration.ofSeconds(10);

    /** For flush, detach and destroy: longer than the owner's own flush and stop timeouts. */
    public static final Duration ACTION_TIMEOUT = Duration.ofSeconds(120);

    private final ControlSockets sockets;

    public ControlClient(ControlSockets sockets) {
        this.sockets = sockets;
    }

    /** Whether process {@code pid} has a control socket (it may still not answer). */
    public boolean listens(long pid) {
        return Files.exists(this.sockets.socketOf(pid));
    }

    public Path socketOf(long pid) {
        return this.sockets.socketOf(pid);
    }

    public List<String> names(long pid) throws IOException {
        String names = exchange(pid, ControlRequest.names(), QUERY_TIMEOUT).get("names");
        return (names == null || names.isEmpty()) ? List.of() : Arrays.asList(names.split(","));
    }

    public DeviceStatus status(long pid, String device) throws IOException {
        ControlResponse response = exchange(pid, ControlRequest.of(Verb.STATUS, device), QUERY_TIMEOUT);
        try {
            return DeviceStatus.fromFields(response.asMap());
        }
        catch (IllegalArgumentException ex) {
            throw new IOException("Process " + pid + " sent a malformed status of '" + device + "': "
                    + ex.getMessage(), ex);
        }
    }

    /** @return the owner's one-sentence account of what it did */
    public String flush(long pid, String device) throws IOException {
        return action(pid, ControlRequest.of(Verb.FLUSH, device));
    }

    public String detach(long pid, String device, boolean force) throws IOException {
        return action(pid, new ControlRequest(Verb.DETACH, device, force, true));
    }

    public String destroy(long pid, String device, boolean flush, boolean force) throws IOException {
        return action(pid, new ControlRequest(Verb.DESTROY, device, force, flush));
    }

    private String action(long pid, ControlRequest request) throws IOException {
        String message = exchange(pid, request, ACTION_TIMEOUT).get("message");
        return (message != null) ? message : "done";
    }

    /**
     * Sends one request and reads the response.
     *
     * @throws ControlException if the owner answered with an error
     * @throws IOException if there is no socket, or no well-formed answer in time
     */
    ControlResponse exchange(long pid, ControlRequest request, Duration timeout) throws IOException {
        Path socket = this.sockets.socketOf(pid);
        ControlResponse response;
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(socket));
            try (BoundedChannel bounded = new BoundedChannel(channel, timeout.toNanos())) {
                bounded.write(request.toLine() + "\n");
                response = ControlResponse.decode(bounded.readAll(ControlResponse.MAX_LENGTH));
            }
        }
        catch (IllegalArgumentException ex) {
            throw new IOException("Process " + pid + " sent a malformed answer on " + socket + ": " + ex.getMessage(),
                    ex);
        }
        catch (IOException ex) {
            throw new IOException("Process " + pid + " did not answer '" + request.verb().word() + "' on " + socket
                    + ": " + ex.getMessage(), ex);
        }
        if (response.error() != null) {
            String message = response.get("message");
            throw new ControlException(response.error().word(), (message != null) ? message : response.error().word(),
                    response.all("user"));
        }
        return response;
    }
}
