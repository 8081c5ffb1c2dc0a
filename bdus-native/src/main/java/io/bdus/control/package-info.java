/**
 * Cross-process control of devices: a process that serves devices (the {@code bdus serve}
 * command, an application with the Spring starter) answers requests of other processes
 * (the {@code bdus} command line) about them, so that an operator's {@code info},
 * {@code flush}, {@code detach} and {@code destroy} are carried out by the owner, in order
 * and exactly as the owner itself would.
 *
 * <h2>Transport</h2>
 * A Unix-domain stream socket {@code <state>/control/<pid>.sock} per serving process
 * ({@link io.bdus.control.ControlSockets}; the state directory defaults to
 * {@code /run/bdus}). The directory is 0700 and the socket 0600, both owned by root, so only
 * root can connect; the server still validates every field. One connection carries one
 * request and one response; the client sends its request line, the server answers and
 * closes. The server ({@link io.bdus.control.ControlServer}) answers one connection at a
 * time on one daemon thread; a client has {@code 2 s} to send its request and take the
 * answer. The client ({@link io.bdus.control.ControlClient}) waits {@code 10 s} for
 * {@code names} and {@code status} and {@code 120 s} for actions.
 *
 * <h2>Request</h2>
 * One line of at most 256 bytes (UTF-8, newline included), words separated by one space:
 * <pre>
 * request = "names"
 *         | "status" SP device
 *         | "flush" SP device
 *         | "detach" SP device [SP "force"]
 *         | "destroy" SP device [SP "force"] [SP "no-flush"]
 * device  = 1*32( ALPHA / DIGIT / "-" / "_" )
 * </pre>
 * Flags may come in any order, each at most once.
 *
 * <h2>Response</h2>
 * At most 64 KiB: a status line, then {@code key=value} lines, each ended by a newline, then
 * the server closes the connection. In values, backslash, newline and carriage return are
 * written {@code \\}, {@code \n} and {@code \r}.
 * <pre>
 * response = ( "ok" / "error" SP kind ) LF *( key "=" value LF )
 * kind     = "bad-request" / "no-such-device" / "in-use" / "refused" / "failed"
 * </pre>
 * <ul>
 * <li>{@code names}: {@code names=a,b} (comma-separated, maybe empty).
 * <li>{@code status}: {@code name}, {@code transport}, {@code path}, {@code state},
 * {@code size}, {@code logical-block-size}, {@code physical-block-size},
 * {@code max-request-size}, {@code read-only}, {@code recoverable}, {@code capabilities}
 * (comma-separated operation tags), {@code driver}, {@code generation}, {@code pid},
 * {@code active-requests}, and {@code op.<tag>=<count> <bytes> <errors>} for each operation
 * seen ({@link io.bdus.control.DeviceStatus}).
 * <li>{@code flush}, {@code detach}, {@code destroy}: {@code message=} what was done.
 * <li>Errors: {@code message=} what went wrong, for which device; {@code in-use} adds one
 * {@code user=} line per use of the device ("mounted at /mnt (ext4)", "open by pid 42
 * (dd)"), so the client can say what to do.
 * </ul>
 * After a successful {@code detach} or {@code destroy} the owner no longer serves that
 * device; a process left with no device may exit.
 */
package io.bdus.control;
