package io.ccdr.node.store;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code db.tx_log.rotation.retention_policy}, with Neo4j's value forms: {@code true} (keep all),
 * {@code false} (keep only what recovery needs), or {@code <n> <unit>} where unit is one of
 * {@code files}, {@code size} (n may carry K/M/G), {@code txs}/{@code entries}, {@code hours},
 * {@code days}. ccdr keeps its log in the store rather than in files; {@code files} is read as
 * "n × 256 MiB", the size Neo4j rotates a log file at.
 */
public record RetentionPolicy(String text, Kind kind, long amount) {
    public enum Kind { ALL, NONE, SIZE, TXS, AGE_MILLIS }

    private static final Pattern FORM = Pattern.compile("(\\d+)\\s*([kmg]?)\\s+(files|size|txs|entries|hours|days)");
    private static final long FILE_BYTES = 256L << 20;

    public static RetentionPolicy parse(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        if (t.equals("true") || t.equals("keep_all")) {
            return new RetentionPolicy(text, Kind.ALL, 0);
        }
        if (t.equals("false") || t.equals("keep_none")) {
            return new RetentionPolicy(text, Kind.NONE, 0);
        }
        Matcher m = FORM.matcher(t);
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a retention policy; expected true, false or "
                    + "'<number> <files|size|txs|entries|hours|days>', e.g. '2 days' or '1G size'");
        }
        long n = Long.parseLong(m.group(1));
        long mult = switch (m.group(2)) {
            case "k" -> 1L << 10;
            case "m" -> 1L << 20;
            case "g" -> 1L << 30;
            default -> 1;
        };
        return switch (m.group(3)) {
            case "size" -> new RetentionPolicy(text, Kind.SIZE, n * mult);
            case "files" -> new RetentionPolicy(text, Kind.SIZE, n * mult * FILE_BYTES);
            case "txs", "entries" -> new RetentionPolicy(text, Kind.TXS, n * mult);
            case "hours" -> new RetentionPolicy(text, Kind.AGE_MILLIS, n * mult * 3_600_000L);
            default -> new RetentionPolicy(text, Kind.AGE_MILLIS, n * mult * 86_400_000L);
        };
    }

    /**
     * Whether the oldest entry must still be kept, given how many transactions are newer than it,
     * the log's total size and the entry's age.
     */
    boolean retains(long newerTransactions, long totalLogBytes, long ageMillis) {
        return switch (kind) {
            case ALL -> true;
            case NONE -> false;
            case SIZE -> totalLogBytes <= amount;
            case TXS -> newerTransactions < amount;
            case AGE_MILLIS -> ageMillis <= amount;
        };
    }
}
