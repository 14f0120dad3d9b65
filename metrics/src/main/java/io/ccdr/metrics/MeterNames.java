package io.ccdr.metrics;

import java.time.Duration;

/**
 * Every ccdr meter name, relative to the configured prefix ({@code server.metrics.prefix}, default {@code neo4j}).
 * The full Micrometer name is {@code <prefix>.<constant>}; Prometheus sees dots as underscores, counters with a
 * {@code _total} suffix and timers in seconds ({@code _seconds_bucket}, {@code _seconds_count}, {@code _seconds_sum},
 * {@code _seconds_max}). The exposition name for the default prefix is given with each constant; the shipped
 * Grafana dashboard and alert rules use exactly those.
 *
 * <p>Names follow Neo4j's {@code <prefix>.database.<db>.…} metrics, except that the database is a tag
 * ({@value #TAG_DATABASE}) instead of a name segment, which is what Prometheus wants (one series per label value,
 * aggregatable with {@code by (database)}).
 */
public final class MeterNames {
    private MeterNames() {
    }

    /** Tag naming the database a per-database meter belongs to. */
    public static final String TAG_DATABASE = "database";
    /** Tag of {@link #BOLT_FAILURES}: the Neo4j status code of the failure. */
    public static final String TAG_STATUS = "status";
    /** Tag of {@link #REPLICA_STREAM_STATE}: one of {@link StreamState#tagValue()}. */
    public static final String TAG_STATE = "state";
    /** Tag of {@link #SSL_CERTIFICATE_EXPIRY}: the SSL policy scope ({@code bolt}, {@code cluster}, {@code https}…). */
    public static final String TAG_POLICY = "policy";

    // ---- per database (tag database) -------------------------------------------------------------------------

    /**
     * Gauge: the id of the last transaction committed (applied) in this database on this server.
     * {@code neo4j_database_transaction_last_committed_tx_id}. On a replica this is the last upstream txId
     * applied; compare with {@link #REPLICA_UPSTREAM_LAST_COMMITTED_TX_ID}.
     */
    public static final String TX_LAST_COMMITTED_TX_ID = "database.transaction.last_committed_tx_id";
    /** Counter: write transactions committed by this server as writer. {@code neo4j_database_transaction_committed_total}. */
    public static final String TX_COMMITTED = "database.transaction.committed";
    /** Counter: transactions rolled back (explicitly or on failure). {@code neo4j_database_transaction_rollbacks_total}. */
    public static final String TX_ROLLBACKS = "database.transaction.rollbacks";
    /** Gauge: transactions currently open, read and write. {@code neo4j_database_transaction_active}. */
    public static final String TX_ACTIVE = "database.transaction.active";
    /** Gauge: bytes the database's store occupies on disk. {@code neo4j_database_store_size_total_bytes}. */
    public static final String STORE_SIZE_TOTAL = "database.store.size.total";

    /** Gauge: 1 while this server is the Raft leader of the database's group, else 0. {@code neo4j_database_cluster_raft_is_leader}. */
    public static final String RAFT_IS_LEADER = "database.cluster.raft.is_leader";
    /** Gauge: the current Raft term as this server knows it. {@code neo4j_database_cluster_raft_term}. */
    public static final String RAFT_TERM = "database.cluster.raft.term";
    /** Gauge: the Raft log index known to be committed. {@code neo4j_database_cluster_raft_commit_index}. */
    public static final String RAFT_COMMIT_INDEX = "database.cluster.raft.commit_index";
    /** Gauge: the Raft log index applied to the store. {@code neo4j_database_cluster_raft_applied_index}. */
    public static final String RAFT_APPLIED_INDEX = "database.cluster.raft.applied_index";
    /**
     * Timer (histogram): time for the leader to append an entry to its local Raft log.
     * {@code neo4j_database_cluster_raft_append_latency_seconds_bucket}.
     */
    public static final String RAFT_APPEND_LATENCY = "database.cluster.raft.append_latency";
    /**
     * Timer (histogram): time from proposing a transaction to Raft until it is committed (majority replicated and
     * applied). {@code neo4j_database_cluster_raft_commit_latency_seconds_bucket}.
     */
    public static final String RAFT_COMMIT_LATENCY = "database.cluster.raft.commit_latency";

    // ---- replica databases (tag database) -----------------------------------------------------------------------

    /** Gauge: the upstream's last committed txId as last heard (batch or heartbeat); NaN until first heard. */
    public static final String REPLICA_UPSTREAM_LAST_COMMITTED_TX_ID = "database.replica.upstream_last_committed_tx_id";
    /** Gauge: upstream last committed txId minus the replica's applied txId (NaN while the upstream is unknown). */
    public static final String REPLICA_LAG_TRANSACTIONS = "database.replica.lag_transactions";
    /** Gauge: lag in seconds, see {@link ReplicaMetricsSource#lagSeconds()} for its exact meaning. */
    public static final String REPLICA_LAG_SECONDS = "database.replica.lag_seconds";
    /** Counter: bytes of transaction stream payload received (store copies included). {@code …_received_bytes_total}. */
    public static final String REPLICA_RECEIVED_BYTES = "database.replica.received_bytes";
    /** Counter: upstream transactions received. {@code neo4j_database_replica_received_transactions_total}. */
    public static final String REPLICA_RECEIVED_TRANSACTIONS = "database.replica.received_transactions";
    /** Counter: re-subscriptions after the stream broke. {@code neo4j_database_replica_reconnects_total}. */
    public static final String REPLICA_RECONNECTS = "database.replica.reconnects";
    /** Counter: store copies started (initial seeding or fell behind retention). {@code neo4j_database_replica_store_copies_total}. */
    public static final String REPLICA_STORE_COPIES = "database.replica.store_copies";
    /**
     * Gauges, one per state (tag {@value #TAG_STATE}), value 1 for the current state and 0 for the others:
     * {@code neo4j_database_replica_stream_state{database="x",state="connected"} 1}. One series per state rather
     * than a numeric code because it makes alerts a plain equality
     * ({@code neo4j_database_replica_stream_state{state="broken_chain"} == 1}) that cannot silently change meaning if
     * states are added, and Grafana can show it as a state timeline without value mappings.
     */
    public static final String REPLICA_STREAM_STATE = "database.replica.stream_state";
    /** Gauge: estimated seconds until caught up at the current apply rate; NaN when not estimable, 0 when caught up. */
    public static final String REPLICA_CATCHUP_ETA_SECONDS = "database.replica.catchup_eta_seconds";

    // ---- Bolt ---------------------------------------------------------------------------------------------------

    /** Counter: Bolt connections accepted. {@code neo4j_bolt_connections_opened_total}. */
    public static final String BOLT_CONNECTIONS_OPENED = "bolt.connections_opened";
    /** Counter: Bolt connections closed, for any reason. {@code neo4j_bolt_connections_closed_total}. */
    public static final String BOLT_CONNECTIONS_CLOSED = "bolt.connections_closed";
    /** Gauge: Bolt connections currently open. {@code neo4j_bolt_connections_running}. */
    public static final String BOLT_CONNECTIONS_RUNNING = "bolt.connections_running";
    /** Timer (histogram): time from RUN to the end of the result (PULL complete). {@code neo4j_bolt_query_latency_seconds_bucket}. */
    public static final String BOLT_QUERY_LATENCY = "bolt.query_latency";
    /** Counter: Bolt requests that failed, tag {@value #TAG_STATUS} = Neo4j status code. {@code neo4j_bolt_failures_total}. */
    public static final String BOLT_FAILURES = "bolt.failures";

    // ---- TLS ----------------------------------------------------------------------------------------------------

    /**
     * Gauge: the certificate's notAfter as seconds since the epoch, tag {@value #TAG_POLICY}.
     * {@code neo4j_ssl_certificate_expiry_seconds}; seconds left is {@code … - time()}.
     */
    public static final String SSL_CERTIFICATE_EXPIRY = "ssl.certificate_expiry_seconds";

    // ---- histogram buckets --------------------------------------------------------------------------------------

    /**
     * Buckets of the Raft latency timers: local appends are sub-millisecond to a few ms (fsync), commits one network
     * round trip plus fsync, so fine resolution at the low end and a tail up to 10 s for stalls and elections.
     */
    static final Duration[] RAFT_BUCKETS = millis(0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 10000);
    /** Buckets of the Bolt query timer: queries range from a millisecond to long-running reports. */
    static final Duration[] QUERY_BUCKETS = millis(1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000);

    private static Duration[] millis(double... ms) {
        Duration[] out = new Duration[ms.length];
        for (int i = 0; i < ms.length; i++) {
            out[i] = Duration.ofNanos((long) (ms[i] * 1_000_000));
        }
        return out;
    }
}
