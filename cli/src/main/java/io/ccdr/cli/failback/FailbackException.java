package io.ccdr.cli.failback;

/** A failback step could not complete; the message says what happened and what state things are in. */
final class FailbackException extends RuntimeException {
    FailbackException(String message) {
        super(message);
    }

    FailbackException(String message, Throwable cause) {
        super(message, cause);
    }
}
