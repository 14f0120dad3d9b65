package io.ccdr.node.system;

/** The outcome of applying a {@link SystemCommand}; {@code statusCode} is a Neo4j code when not ok. */
public record SystemResult(boolean ok, String statusCode, String message) {
    public static SystemResult success(String message) {
        return new SystemResult(true, null, message);
    }

    public static SystemResult failure(String statusCode, String message) {
        return new SystemResult(false, statusCode, message);
    }
}
