package io.ccdr.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Tags;

import java.util.Objects;

/**
 * The replica meters of one replica database (tag {@value MeterNames#TAG_DATABASE}). Bind on the server that runs
 * the upstream subscription (the replica group's leader) and close when that stops, so that exactly one server
 * reports a replica's stream at a time. The replica's own {@code last_committed_tx_id} comes from its
 * {@link DatabaseMetrics}, as for any database.
 */
public final class ReplicaMetrics implements AutoCloseable {
    private final String database;
    private final BoundMeters meters;
    private final Counter receivedBytes;
    private final Counter receivedTransactions;
    private final Counter reconnects;
    private final Counter storeCopies;

    private ReplicaMetrics(Metrics metrics, String database, ReplicaMetricsSource source) {
        this.database = database;
        this.meters = new BoundMeters(metrics, "replica/" + database, Tags.of(MeterNames.TAG_DATABASE, database));
        try {
            meters.gauge(MeterNames.REPLICA_UPSTREAM_LAST_COMMITTED_TX_ID,
                    "Upstream's last committed txId as last heard",
                    () -> DatabaseMetrics.known(source.upstreamLastCommittedTxId()));
            meters.gauge(MeterNames.REPLICA_LAG_TRANSACTIONS, "Upstream transactions not yet applied here",
                    () -> lagTransactions(source));
            meters.gauge(MeterNames.REPLICA_LAG_SECONDS,
                    "Age of the oldest upstream transaction not yet applied here (0 only when caught up)",
                    source::lagSeconds);
            for (StreamState state : StreamState.values()) {
                meters.gauge(MeterNames.REPLICA_STREAM_STATE, null, null, Tags.of(MeterNames.TAG_STATE, state.tagValue()),
                        () -> source.streamState() == state ? 1 : 0);
            }
            meters.gauge(MeterNames.REPLICA_CATCHUP_ETA_SECONDS, "Estimated seconds until caught up",
                    source::catchUpEtaSeconds);
            receivedBytes = meters.counter(MeterNames.REPLICA_RECEIVED_BYTES, "Stream payload bytes received",
                    "bytes", Tags.empty());
            receivedTransactions = meters.counter(MeterNames.REPLICA_RECEIVED_TRANSACTIONS,
                    "Upstream transactions received");
            reconnects = meters.counter(MeterNames.REPLICA_RECONNECTS, "Re-subscriptions after the stream broke");
            storeCopies = meters.counter(MeterNames.REPLICA_STORE_COPIES, "Store copies started");
        } catch (RuntimeException e) {
            meters.close();
            throw e;
        }
    }

    /**
     * Registers the replica meters of {@code database}.
     *
     * @throws IllegalStateException if this replica is already bound on this registry
     */
    public static ReplicaMetrics bind(Metrics metrics, String database, ReplicaMetricsSource source) {
        Objects.requireNonNull(metrics, "metrics");
        Objects.requireNonNull(source, "source");
        return new ReplicaMetrics(metrics, Names.requireDatabase(database), source);
    }

    public String database() {
        return database;
    }

    /** A batch arrived: {@code bytes} of payload carrying {@code transactions} transactions (0 for a heartbeat). */
    public void recordReceived(long bytes, long transactions) {
        if (bytes < 0 || transactions < 0) {
            throw new IllegalArgumentException("negative bytes or transactions: " + bytes + ", " + transactions);
        }
        receivedBytes.increment(bytes);
        receivedTransactions.increment(transactions);
    }

    /** The stream broke and the replica subscribed again. */
    public void recordReconnect() {
        reconnects.increment();
    }

    /** A store copy started. */
    public void recordStoreCopy() {
        storeCopies.increment();
    }

    @Override
    public void close() {
        meters.close();
    }

    private static double lagTransactions(ReplicaMetricsSource source) {
        long upstream = source.upstreamLastCommittedTxId();
        if (upstream < 0) {
            return Double.NaN;
        }
        // The upstream figure can be older than the applied one (a batch applied after the last heartbeat): never
        // report negative lag.
        return Math.max(0, upstream - source.appliedTxId());
    }
}
