package io.bdus.control;

import io.bdus.control.ControlRequest.Verb;
import io.bdus.control.ControlResponse.ErrorKind;
import io.bdus.device.DeviceInUseException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves a process's {@link ControlledDevices} on {@code <state>/control/<pid>.sock}: one
 * daemon thread accepts connections and answers one request on each, in turn. A client
 * that sends too much or too slowly is cut off; whatever goes wrong is logged and never
 * reaches the owner.
 */
public final class ControlServer implements AutoCloseable {

    private static final Logger logger = LoggerFactory.getLogger(ControlServer.class);

    /** How long a client may take to send its request, and to take the response. */
    static final Duration EXCHANGE_TIMEOUT = Duration.ofSeconds(2);

    private final ControlledDevices devices;

    private final Path socket;

    private final ServerSocketChannel server;

    private final Thread thread;

    private volatile boolean closed;

    private ControlServer(ControlledDevices devices, Path socket, ServerSocketChannel server) {
        this.devices = devices;
        this.socket = socket;
        this.server = server;
        this.thread = new Thread(this::acceptLoop, "bdus-control");
        this.thread.setDaemon(true);
    }

    /**
     * Listens for this process on {@code sockets} and starts answering.
     *
     * @throws IOException if the socket cannot be created
     */
    public static ControlServer start(ControlSockets sockets, ControlledDevices devices) throws IOException {
        sockets.createDirectory();
        sockets.deleteStale();
        Path socket = sockets.socketOf(ProcessHandle.current().pid());
        Files.deleteIfExists(socket);
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            server.bind(UnixDomainSocketAddress.of(socket));
            Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
        }
        catch (IOException | RuntimeException ex) {
            server.close();
            Files.deleteIfExists(socket);
            throw ex;
        }
        ControlServer control = new ControlServer(devices, socket, server);
        control.thread.start();
        logger.debug("Control socket {} open", socket);
        return control;
    }

    public Path socket() {
        return this.socket;
    }

    private void acceptLoop() {
        while (!this.closed) {
            try (SocketChannel client = this.server.accept()) {
                exchange(client);
            }
            catch (ClosedChannelException ex) {
                return;
            }
            catch (Throwable ex) {
                if (!this.closed) {
                    logger.warn("Control socket {}: {}", this.socket, ex.toString());
                }
            }
        }
    }

    private void exchange(SocketChannel client) throws IOException {
        try (BoundedChannel channel = new BoundedChannel(client, EXCHANGE_TIMEOUT.toNanos())) {
            ControlResponse response;
            try {
                response = handle(ControlRequest.parse(channel.readLine(ControlRequest.MAX_LENGTH)));
            }
            catch (IllegalArgumentException ex) {
                response = ControlResponse.error(ErrorKind.BAD_REQUEST, ex.getMessage(), List.of());
            }
            String text = response.encode();
            if (text.length() > ControlResponse.MAX_LENGTH) {
                text = ControlResponse.error(ErrorKind.FAILED, "response too long", List.of()).encode();
            }
            channel.write(text);
            channel.endOutput();
        }
    }

    /** Runs one request against the owner; every failure becomes an error response. */
    ControlResponse handle(ControlRequest request) {
        String name = request.device();
        try {
            if (request.verb() == Verb.NAMES) {
                return ControlResponse.ok(Map.of("names", String.join(",", this.devices.names())));
            }
            if (!this.devices.names().contains(name)) {
                return ControlResponse.error(ErrorKind.NO_SUCH_DEVICE, "Process " + ProcessHandle.current().pid()
                        + " serves no device '" + name + "'", List.of());
            }
            return switch (request.verb()) {
                case STATUS -> ControlResponse.ok(this.devices.status(name).toFields());
                case FLUSH -> message(this.devices.flush(name));
                case DETACH -> message(this.devices.detach(name, request.force()));
                case DESTROY -> message(this.devices.destroy(name, request.flush(), request.force()));
                case NAMES -> throw new IllegalStateException("handled above");
            };
        }
        catch (DeviceInUseException ex) {
            return ControlResponse.error(ErrorKind.IN_USE, ex.getMessage(), ex.users());
        }
        catch (IllegalArgumentException ex) {
            return ControlResponse.error(ErrorKind.NO_SUCH_DEVICE, String.valueOf(ex.getMessage()), List.of());
        }
        catch (IllegalStateException | UnsupportedOperationException ex) {
            return ControlResponse.error(ErrorKind.REFUSED, String.valueOf(ex.getMessage()), List.of());
        }
        catch (Exception ex) {
            logger.warn("Control request '{}' failed", request.toLine(), ex);
            return ControlResponse.error(ErrorKind.FAILED, String.valueOf(ex.getMessage()), List.of());
        }
    }

    private static ControlResponse message(String message) {
        return ControlResponse.ok(Map.of("message", message));
    }

    /**
     * Stops answering and removes the socket; a request being answered is finished first
     * (for at most {@code timeout}).
     */
    public void close(Duration timeout) {
        this.closed = true;
        try {
            this.server.close();
        }
        catch (IOException ex) {
            logger.debug("Closing {}: {}", this.socket, ex.toString());
        }
        if (Thread.currentThread() != this.thread) {
            try {
                this.thread.join(Math.max(1, timeout.toMillis()));
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            Files.deleteIfExists(this.socket);
        }
        catch (IOException ex) {
            logger.debug("Deleting {}: {}", this.socket, ex.toString());
        }
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(30));
    }
}
