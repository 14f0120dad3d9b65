package io.ccdr.node.graph;

/**
 * A duration as it crosses the query engine's boundary (Bolt structure 'E', parameters and result
 * values): months, days, seconds and nanoseconds are kept apart because a month or a day has no
 * fixed length in seconds. The engine computes with its own duration type and converts at the edge,
 * as it does for nodes ({@link NodeRecord}) and paths ({@link PathValue}).
 */
public record IsoDuration(long months, long days, long seconds, int nanoseconds) {
    public IsoDuration {
        if (nanoseconds < 0 || nanoseconds >= 1_000_000_000) {
            throw new IllegalArgumentException("nanoseconds out of range: " + nanoseconds);
        }
    }
}
