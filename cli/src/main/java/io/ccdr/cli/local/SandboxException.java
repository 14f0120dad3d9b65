package io.ccdr.cli.local;

/** A sandbox operation that could not be done; the message is written for the operator, names what failed and why. */
public final class SandboxException extends RuntimeException {
    public SandboxException(String message) {
        super(message);
    }

    public SandboxException(String message, Throwable cause) {
        super(message, cause);
    }
}
