package io.bdus.cli;

/**
 * A subcommand could not do what it was asked (exit code 1). The message says what failed,
 * for which device, and what to do; at most two lines.
 */
final class CommandFailedException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    CommandFailedException(String message) {
        super(message);
    }

    CommandFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
