package io.ccdr.node.graph;

/**
 * A failure with a Neo4j status code (e.g. {@code Neo.ClientError.Statement.EntityNotFound}), so
 * that every layer up to Bolt can report it without translating.
 */
public class GraphException extends RuntimeException {
    private final String statusCode;

    public GraphException(String statusCode, String message) {
        super(message);
        this.statusCode = statusCode;
    }

    public GraphException(String statusCode, String message, Throwable cause) {
        super(message, cause);
        this.statusCode = statusCode;
    }

    public String statusCode() {
        return statusCode;
    }

    /** True for Neo.TransientError.* codes: the client may retry the whole transaction. */
    public boolean isRetryable() {
        return statusCode.startsWith("Neo.TransientError.");
    }
}
