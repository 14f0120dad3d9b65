package io.ccdr.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;

import java.time.Duration;
import java.util.Objects;

/**
 * The per-database meters of one hosted database (tag {@value MeterNames#TAG_DATABASE}): transactions, store size
 * and Raft state are read from a {@link DatabaseMetricsSource} at scrape time; commits, rollbacks and latencies are
 * recorded through this handle. {@link #close()} removes every meter of the database, e.g. when it is dropped or
 * this server stops hosting it.
 */
public final class DatabaseMetrics implements AutoCloseable {
    private final String database;
    private final BoundMeters meters;
    private final Counter committed;
    private final Counter rollbacks;
    private final Timer commitLatency;
    private final Timer appendLatency;

    private DatabaseMetrics(Metrics metrics, String database, DatabaseMetricsSource source) {
        this.database = database;
        this.meters = new BoundMeters(metrics, "database/" + database, Tags.of(MeterNames.TAG_DATABASE, database));
        try {
            meters.gauge(MeterNames.TX_LAST_COMMITTED_TX_ID, "Id of the last transaction applied on this server",
                    () -> known(source.lastCommittedTxId()));
            meters.gauge(MeterNames.TX_ACTIVE, "Open transactions", () -> known(source.activeTransactions()));
            meters.gauge(MeterNames.STORE_SIZE_TOTAL, "Store size on disk", "bytes", Tags.empty(),
                    () -> known(source.storeSizeBytes()));
            meters.gauge(MeterNames.RAFT_IS_LEADER, "1 if this server is the Raft leader of the database",
                    () -> source.isLeader() ? 1 : 0);
            meters.gauge(MeterNames.RAFT_TERM, "Current Raft term", () -> known(source.term()));
            meters.gauge(MeterNames.RAFT_COMMIT_INDEX, "Raft commit index", () -> known(source.commitIndex()));
            meters.gauge(MeterNames.RAFT_APPLIED_INDEX, "Raft applied index", () -> known(source.appliedIndex()));
            committed = meters.counter(MeterNames.TX_COMMITTED, "Write transactions committed");
            rollbacks = meters.counter(MeterNames.TX_ROLLBACKS, "Transactions rolled back");
            commitLatency = meters.timer(MeterNames.RAFT_COMMIT_LATENCY,
                    "Time from proposing a transaction to Raft until it is committed", MeterNames.RAFT_BUCKETS);
            appendLatency = meters.timer(MeterNames.RAFT_APPEND_LATENCY,
                    "Time to append an entry to the local Raft log", MeterNames.RAFT_BUCKETS);
        } catch (RuntimeException e) {
            meters.close();
            throw e;
        }
    }

    /**
     * Registers the meters of {@code database}.
     *
     * @throws IllegalStateException if the database is already bound on this registry (close that binding first)
     */
    public static DatabaseMetrics bind(Metrics metrics, String database, DatabaseMetricsSource source) {
        Objects.requireNonNull(metrics, "metrics");
        Objects.requireNonNull(source, "source");
        return new DatabaseMetrics(metrics, Names.requireDatabase(database), source);
    }

    public String database() {
        return database;
    }

    /** A write transaction committed; {@code latency} is from proposal to Raft commit. */
    public void recordCommit(Duration latency) {
        committed.increment();
        commitLatency.record(Names.nonNegative(latency));
    }

    /** A transaction rolled back (by the client or after a failure). */
    public void recordRollback() {
        rollbacks.increment();
    }

    /** An entry was appended to the local Raft log in {@code latency}. */
    public void recordAppend(Duration latency) {
        appendLatency.record(Names.nonNegative(latency));
    }

    /** Removes every meter of this database from the registry. Idempotent. */
    @Override
    public void close() {
        meters.close();
    }

    static double known(long v) {
        return v < 0 ? Double.NaN : v;
    }
}
