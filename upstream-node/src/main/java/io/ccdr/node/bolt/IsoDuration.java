package io.ccdr.node.bolt;

/**
 * A Cypher duration as carried by Bolt (structure 'E'): months, days, seconds and nanoseconds are
 * kept apart because a month or a day has no fixed length in seconds.
 */
public record IsoDuration(long months, long days, long seconds, int nanoseconds) {
    public IsoDuration {
        if (nanoseconds < 0 || nanoseconds >= 1_000_000_000) {
            throw new IllegalArgumentException("nanoseconds out of range: " + nanoseconds);
        }
    }
}
