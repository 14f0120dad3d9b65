package io.ccdr.node.bolt;

import java.util.Map;

/**
 * One transaction opened by {@link BoltBackend#begin}. The server calls its methods from one
 * thread at a time. After {@link #commit()} or {@link #rollback()} it is not used again; the
 * server calls {@link #rollback()} on a transaction that is abandoned (RESET, failure, closed
 * connection), so an implementation must make rollback safe to call in any state.
 */
public interface BoltTransaction {

    /**
     * Runs one statement. Several results may be open at once inside an explicit transaction; the
     * server consumes them in the order the client pulls.
     */
    BoltResult run(String query, Map<String, Object> parameters);

    /**
     * Commits and returns the bookmark that identifies this transaction's outcome (for a read
     * transaction, a bookmark at least as new as the ones it began with), or null if none.
     */
    String commit();

    /** Rolls back; must be idempotent and must not throw for an already finished transaction. */
    void rollback();

    /**
     * Asks a busy transaction to stop: called from another thread (a Netty event loop, so it must
     * not block) when the client sends RESET or disconnects while {@link #run} or row fetching
     * may be in progress. A blocked call should then fail promptly, e.g. with
     * {@code Neo.ClientError.Transaction.Terminated}; the server rolls the transaction back
     * afterwards. A commit that has started is never terminated (its outcome could no longer be
     * reported reliably). The default does nothing, so such calls simply run to completion.
     */
    default void terminate() {
    }

    /** The name of the database this transaction runs against (after resolving the home database). */
    String database();

    /**
     * The database identifier inside the element ids of the nodes, relationships and paths this
     * transaction returns (see {@link io.ccdr.node.graph.ElementIds}). It must be the one the
     * backend's Cypher {@code elementId()} uses, or ids read from a driver find nothing when sent
     * back. The default is the database name.
     */
    default String databaseId() {
        return database();
    }
}
