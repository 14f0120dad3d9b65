package io.ccdr.metrics;

import java.time.Duration;
import java.util.regex.Pattern;

/** Validation shared by the binders and the HTTP endpoint. */
final class Names {
    private Names() {
    }

    /**
     * Neo4j database names: ASCII letters, digits, dots, dashes (and underscores, which ccdr tolerates), starting
     * with a letter, at most 63 characters. Anything else cannot name a database, so it is rejected before it can
     * become a tag value or reach a {@link HealthSource}.
     */
    static final Pattern DATABASE = Pattern.compile("[A-Za-z][A-Za-z0-9._-]{0,62}");

    static boolean isDatabaseName(String s) {
        return s != null && DATABASE.matcher(s).matches();
    }

    static String requireDatabase(String s) {
        if (!isDatabaseName(s)) {
            throw new IllegalArgumentException("invalid database name: '" + s + "'");
        }
        return s;
    }

    static Duration nonNegative(Duration d) {
        if (d == null || d.isNegative()) {
            return Duration.ZERO; // a clock step must not poison a histogram or throw on a hot path
        }
        return d;
    }
}
