package io.ccdr.node.bolt;

/**
 * A request the server cannot accept, with the status code to report. {@code fatal} means the
 * connection cannot be trusted any more (malformed PackStream, protocol violation) and is closed
 * after the FAILURE; otherwise the connection just enters the FAILED state.
 */
final class BoltProtocolException extends RuntimeException {
    static final String INVALID_FORMAT = "Neo.ClientError.Request.InvalidFormat";
    static final String INVALID = "Neo.ClientError.Request.Invalid";

    private final String code;
    private final boolean fatal;

    BoltProtocolException(String code, String message, boolean fatal) {
        super(message, null, false, false);
        this.code = code;
        this.fatal = fatal;
    }

    /** Malformed bytes: the connection is closed. */
    static BoltProtocolException malformed(String message) {
        return new BoltProtocolException(INVALID_FORMAT, message, true);
    }

    /** Well-formed but unacceptable request: FAILURE, then the FAILED state. */
    static BoltProtocolException invalid(String message) {
        return new BoltProtocolException(INVALID, message, false);
    }

    String code() {
        return code;
    }

    boolean fatal() {
        return fatal;
    }
}
