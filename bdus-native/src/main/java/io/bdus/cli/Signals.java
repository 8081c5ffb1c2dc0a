package io.bdus.cli;

import sun.misc.Signal;

/**
 * SIGTERM and SIGINT handled in Java: the JVM's own handling runs shutdown hooks and exits
 * with 143 or 130, while {@code bdus serve} stops its device in order and exits 0.
 */
final class Signals {

    private Signals() {
    }

    static void onTermination(Runnable action) {
        Signal.handle(new Signal("TERM"), signal -> action.run());
        Signal.handle(new Signal("INT"), signal -> action.run());
    }
}
