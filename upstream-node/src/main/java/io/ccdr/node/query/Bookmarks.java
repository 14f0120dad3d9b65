package io.ccdr.node.query;

import io.ccdr.node.graph.GraphException;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Bookmarks are {@code ccdr:<database>:<txId>}: the transaction a client has seen in one database.
 * A transaction given bookmarks waits until this server has applied the highest txId among those
 * for its database; bookmarks of other databases are ignored (each database has its own history).
 */
public final class Bookmarks {
    public static final String INVALID = "Neo.ClientError.Transaction.InvalidBookmark";
    private static final Pattern FORM = Pattern.compile("ccdr:([a-z][a-z0-9.\\-]{0,62}):(\\d{1,18})");

    private Bookmarks() {
    }

    public static String of(String database, long txId) {
        return "ccdr:" + database + ":" + txId;
    }

    /** The txId this database must have reached; 0 when no bookmark names it. */
    public static long minTxId(List<String> bookmarks, String database) {
        long min = 0;
        for (String b : bookmarks) {
            Matcher m = FORM.matcher(b == null ? "" : b);
            if (!m.matches()) {
                throw new GraphException(INVALID, "Supplied bookmark '" + b + "' does not conform to pattern ccdr:<database>:<txId>");
            }
            if (m.group(1).equals(database)) {
                min = Math.max(min, Long.parseLong(m.group(2)));
            }
        }
        return min;
    }
}
