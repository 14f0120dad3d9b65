package io.ccdr.node.backup;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;

/**
 * Where a restore stops: at a txId (inclusive), or at a point in time (every transaction committed
 * at or before it, nothing after), or nowhere ({@link #END}: the whole chain).
 */
public record RestoreUntil(long txId, long commitMillis) {
    public static final RestoreUntil END = new RestoreUntil(Long.MAX_VALUE, Long.MAX_VALUE);

    public static RestoreUntil txId(long txId) {
        if (txId < 0) {
            throw new IllegalArgumentException("restore-until txId must be >= 0, got " + txId);
        }
        return new RestoreUntil(txId, Long.MAX_VALUE);
    }

    public static RestoreUntil time(Instant at) {
        return new RestoreUntil(Long.MAX_VALUE, at.toEpochMilli());
    }

    /**
     * A txId ({@code 1234}) or an ISO-8601 date-time ({@code 2026-12-03T10:15:30Z}, an offset, or
     * no zone for UTC), as {@code --restore-until} and {@code seedRestoreUntil} take them.
     */
    public static RestoreUntil parse(String text) {
        String t = text.trim();
        if (t.matches("\\d+")) {
            return txId(Long.parseLong(t));
        }
        try {
            return time(OffsetDateTime.parse(t).toInstant());
        } catch (DateTimeParseException e) {
            // Cypher's datetime() also takes a zone id: 2026-12-03T10:15:30[Europe/Berlin]
            try {
                return time(java.time.ZonedDateTime.parse(t).toInstant());
            } catch (DateTimeParseException e2) {
                try {
                    return time(java.time.LocalDateTime.parse(t).toInstant(ZoneOffset.UTC));
                } catch (DateTimeParseException e3) {
                    throw new IllegalArgumentException("'" + text + "' is neither a txId nor an ISO-8601 date-time (e.g. 2026-12-03T10:15:30Z)");
                }
            }
        }
    }

    /** Whether a transaction committed as {@code txId} at {@code millis} is restored. */
    boolean includes(long id, long millis) {
        return id <= txId && millis <= commitMillis;
    }

    @Override
    public String toString() {
        if (this.equals(END)) {
            return "the end of the chain";
        }
        return txId != Long.MAX_VALUE ? "txId " + txId : Instant.ofEpochMilli(commitMillis).toString();
    }
}
