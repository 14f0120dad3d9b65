package io.ccdr.node.dbms;

import io.ccdr.node.graph.GraphException;

/** The cluster-level failures a caller sees, with Neo4j status codes and what to do next. */
public final class ClusterErrors {
    public static final String NOT_A_LEADER = "Neo.ClientError.Cluster.NotALeader";
    public static final String DATABASE_UNAVAILABLE = "Neo.TransientError.General.DatabaseUnavailable";
    public static final String BOOKMARK_TIMEOUT = "Neo.TransientError.Transaction.BookmarkTimeout";
    public static final String DATABASE_NOT_FOUND = "Neo.ClientError.Database.DatabaseNotFound";
    /** A DatabaseError, so drivers do not retry it: the transaction may have committed. */
    public static final String COMMIT_OUTCOME_UNKNOWN = "Neo.DatabaseError.Transaction.TransactionCommitFailed";

    private ClusterErrors() {
    }

    /** Drivers treat this as "routing table stale": they refresh and retry against the new leader. */
    public static GraphException notALeader(String database, String leaderHint) {
        String where = leaderHint == null ? "No leader is currently known; retry shortly."
                : "The leader is at " + leaderHint + "; send writes there (a routing driver does this itself).";
        return new GraphException(NOT_A_LEADER, "No write operations are allowed on this database. This is a read only "
                + "database on this server for database '" + database + "'. " + where);
    }

    public static GraphException unavailable(String database, String why) {
        return new GraphException(DATABASE_UNAVAILABLE, "Database '" + database + "' is unavailable: " + why);
    }

    /**
     * The commit was proposed but whether it committed cannot be known yet. Never retryable: a
     * blind retry could apply the transaction twice.
     */
    public static GraphException outcomeUnknown(String database, String why) {
        return new GraphException(COMMIT_OUTCOME_UNKNOWN, "The outcome of this commit on database '" + database + "' is unknown: " + why
                + ". The transaction may have committed; check whether its changes are present before running it again.");
    }

    public static GraphException notFound(String database) {
        return new GraphException(DATABASE_NOT_FOUND, "Database does not exist. Database name: '" + database + "'.");
    }
}
