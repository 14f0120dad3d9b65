package io.ccdr.node.store;

/** What applying one change set did: committed as a new transaction, or rejected (nothing written). */
public sealed interface ApplyOutcome {

    record Committed(long txId, long commitTimeMillis, byte[] chainHash) implements ApplyOutcome {
    }

    /**
     * Deterministically rejected on every member. {@code statusCode} is a Neo4j status code; a
     * {@code Neo.TransientError.*} code means a concurrent transaction won and the client should retry.
     */
    record Rejected(String statusCode, String message) implements ApplyOutcome {
    }
}
