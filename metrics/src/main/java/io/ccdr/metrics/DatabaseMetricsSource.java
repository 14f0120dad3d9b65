package io.ccdr.metrics;

/**
 * What a hosted database tells the metrics at scrape time. Implemented by the server for each database it hosts.
 * Every method is called from the scrape thread, so it must be cheap and non-blocking (read a volatile or an
 * atomic; never take a lock held across I/O or a Raft round trip). A method may return {@code -1} (or throw) when
 * the value is not known yet; the gauge then reads NaN.
 */
public interface DatabaseMetricsSource {
    /** The txId of the last transaction applied to this server's copy of the database. */
    long lastCommittedTxId();

    /** Transactions currently open against the database on this server. */
    long activeTransactions();

    /** Bytes the store occupies on disk (may be cached; refreshing it must not walk the disk on every scrape). */
    long storeSizeBytes();

    /** Whether this server is currently the Raft leader of the database's group. */
    boolean isLeader();

    /** The current Raft term as this server knows it. */
    long term();

    /** The highest Raft log index known to be committed. */
    long commitIndex();

    /** The highest Raft log index applied to the store. */
    long appliedIndex();
}
