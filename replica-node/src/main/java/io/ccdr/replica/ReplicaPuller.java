package io.ccdr.replica;

import io.ccdr.metrics.CatchUpEstimator;
import io.ccdr.metrics.ReplicaLagTracker;
import io.ccdr.metrics.ReplicaMetrics;
import io.ccdr.metrics.ReplicaMetricsSource;
import io.ccdr.metrics.StreamState;
import io.ccdr.node.CcdrServer;
import io.ccdr.node.config.HostPort;
import io.ccdr.node.dbms.ClusterErrors;
import io.ccdr.node.dbms.Database;
import io.ccdr.node.dbms.ReplicationStatus;
import io.ccdr.node.graph.GraphException;
import io.ccdr.node.raft.ReplicationEntry;
import io.ccdr.node.stream.StoreCopyClient;
import io.ccdr.node.stream.TransactionStreamClient;
import io.ccdr.node.system.DatabaseInfo;
import io.ccdr.node.system.SystemCommand;
import io.ccdr.node.tx.TransactionRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Keeps one replica database following its upstream, on whichever member leads the replica's Raft
 * group: subscribes to the upstream's transaction stream from the replica's last txId and chain
 * hash, hands what it receives to a {@link ReplicationPipeline} that coalesces it into the
 * replica's group (every member verifies the chain as it applies), and falls back to a store copy
 * when the upstream no longer has the transactions.
 *
 * <p>Only the leader pulls, so a replica group never has two writers of its history; a member that
 * loses leadership stops its subscription at the next {@link #tick}. A break in the chain stops
 * replication for good and is recorded in the database's status message; it never resumes on its
 * own.
 */
final class ReplicaPuller implements ReplicaMetricsSource, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ReplicaPuller.class);
    static final String LINEAGE_MISMATCH = "Neo.ClientError.Cluster.LineageMismatch";
    private static final String REPLICATION_GAP = "Neo.TransientError.Cluster.ReplicationGap";
    private static final Duration RETRY_AFTER_ERROR = Duration.ofSeconds(2);

    private final CcdrServer server;
    private final Database db;
    private final DatabaseInfo.Upstream upstream;
    private final List<HostPort> addresses;
    private final TransactionStreamClient.Settings settings;
    private final ExecutorService worker;

    // guarded by this
    private boolean running;
    private TransactionStreamClient client;
    private ReplicationPipeline pipeline; // the current (or last) subscription's path into the group
    private boolean copying; // a store copy or an anchoring baseline is being proposed
    private boolean copied; // a store copy completed during this leadership
    private boolean anchored; // this leadership has proposed its anchoring baseline
    private long retryAtNanos;
    private ReplicaMetrics metrics;

    private volatile StreamState state = StreamState.DISCONNECTED;
    private volatile ReplicaLagTracker tracker;
    private final CatchUpEstimator estimator = new CatchUpEstimator();
    private volatile boolean broken;
    private volatile long upstreamLastCommitMillis;

    ReplicaPuller(CcdrServer server, Database db, DatabaseInfo.Upstream upstream, TransactionStreamClient.Settings settings) {
        this.server = server;
        this.db = db;
        this.upstream = upstream;
        this.addresses = upstream.addresses().stream().map(HostPort::parse).toList();
        this.settings = settings;
        this.worker = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "ccdr-replica-" + db.name());
            t.setDaemon(true);
            return t;
        });
    }

    /** Starts or stops pulling to match this member's role; called periodically and on system changes. */
    synchronized void tick(DatabaseInfo info) {
        // a requested promotion stops pulling on every member at once; the leader then completes it (Promotion)
        boolean shouldRun = db.isLeader() && info.isReplica() && info.upstream() != null && info.promotion() == null;
        // A halted replica keeps its status reported on the leader (broken_chain in SHOW DATABASES and in
        // the stream-state gauge the ReplicaBrokenChain alert watches), but never subscribes again. The
        // system database's "stopped" flag makes the stop durable across leader changes and restarts: a
        // new leader must not quietly resume past a break its predecessor found in the stream (such a
        // break never reaches the state machine, so replicationFailure() is null there).
        boolean halted = broken || db.replicationFailure() != null || info.upstream().stopped();
        if (shouldRun && !running) {
            start(halted);
        } else if (!shouldRun && running) {
            stop();
        } else if (running && halted) {
            if (state != StreamState.BROKEN_CHAIN || client != null) {
                state = StreamState.BROKEN_CHAIN;
                closeClient();
            }
        } else if (running && client == null && !copying && System.nanoTime() - retryAtNanos >= 0) {
            resume();
        }
    }

    static final String STOP_MESSAGE_PREFIX = "Replication stopped: ";

    private void start(boolean halted) {
        running = true;
        anchored = false;
        copied = false;
        tracker = new ReplicaLagTracker(Clock.systemUTC(), db.lastCommittedTxId(), settings.heartbeatTimeout());
        metrics = ReplicaMetrics.bind(server.metrics(), db.name(), this);
        db.reportReplication(this::status);
        if (halted) {
            state = StreamState.BROKEN_CHAIN;
            LOG.warn("replica '{}': replication is stopped at txId {} (chain break); not following '{}'", db.name(),
                    db.lastCommittedTxId(), upstream.database());
            return;
        }
        LOG.info("replica '{}': following '{}' at {} from txId {}", db.name(), upstream.database(), upstream.addresses(),
                db.lastCommittedTxId() + 1);
        resume();
    }

    /** Subscribes from the replica's position, or copies the store first when the replica is empty. */
    private void resume() {
        if (db.lastCommittedTxId() == 0 && !copied) {
            storeCopy("the replica is empty");
        } else if (!anchored) {
            anchor();
        } else {
            subscribe();
        }
    }

    /**
     * Before this leader proposes any upstream transaction, it proposes a baseline at its own
     * position. Members do not all reach a baseline the same way: one that fetches its store copy
     * from the upstream gets it past the baseline, so when it becomes leader and subscribes from its
     * own txId, a member that sits exactly at the baseline (the previous leader, restarted) would
     * receive transactions that do not follow its store and stop for good. This entry makes every
     * member reach the new leader's position first: a no-op for members at or past it on the same
     * chain (every member that applied the log in order), a store copy for the others.
     */
    private void anchor() {
        copying = true;
        worker.execute(() -> {
            boolean done = false;
            try {
                io.ccdr.node.store.StoreState at = db.state();
                db.proposeReplication(new ReplicationEntry.Baseline(at.lastTxId(), at.chainHash()));
                done = true;
            } catch (GraphException e) {
                if (LINEAGE_MISMATCH.equals(e.statusCode())) {
                    markBroken(e.getMessage());
                } else {
                    LOG.info("replica '{}': cannot anchor the group at this leader's position yet ({}); retrying", db.name(), e.getMessage());
                }
            } catch (RuntimeException e) {
                LOG.warn("replica '{}': cannot anchor the group at this leader's position ({}); retrying", db.name(), e.toString());
            } finally {
                synchronized (this) {
                    copying = false;
                    anchored = done;
                    retryAtNanos = System.nanoTime() + (done ? 0 : RETRY_AFTER_ERROR.toNanos());
                }
            }
        });
    }

    private void subscribe() {
        if (pipeline != null && pipeline.inFlight() > 0) {
            return; // the last subscription's entries are still settling: start from the group's position once they have
        }
        TransactionStreamClient c = new TransactionStreamClient(addresses, server.clusterTls(), settings);
        client = c;
        pipeline = new ReplicationPipeline(db.name(), db::proposeReplicationAsync, ReplicationPipeline.Limits.defaults(), new Applied(c));
        state = StreamState.DISCONNECTED;
        c.subscribe(upstream.database(), db.lastCommittedTxId() + 1, db.state().chainHash(), new Listener(c, pipeline));
    }

    private void stop() {
        running = false;
        closeClient();
        if (metrics != null) {
            metrics.close();
            metrics = null;
        }
        db.reportReplication(null);
        state = StreamState.DISCONNECTED;
        LOG.info("replica '{}': this server stopped pulling (no longer the leader, promoted or stopped)", db.name());
    }

    private void closeClient() {
        TransactionStreamClient c = client;
        client = null;
        if (pipeline != null) {
            pipeline.close();
        }
        if (c != null) {
            worker.execute(c::close); // never close it on its own control thread
        }
    }

    private synchronized void clientEnded(TransactionStreamClient c, Duration retryIn) {
        if (client == c) {
            closeClient();
            retryAtNanos = System.nanoTime() + retryIn.toNanos();
        }
    }

    private void storeCopy(String reason) {
        copying = true;
        state = StreamState.STORE_COPY;
        worker.execute(() -> {
            boolean done = false;
            try {
                done = runStoreCopy(reason);
            } finally {
                synchronized (this) {
                    copying = false;
                    // the copy is usually a little past the baseline it was proposed as: anchor the
                    // group at this leader's exact position before subscribing from it
                    anchored = false;
                    copied |= done; // an empty upstream copies as txId 0: subscribe then, do not copy again
                    retryAtNanos = System.nanoTime() + (done ? 0 : RETRY_AFTER_ERROR.toNanos());
                }
            }
        });
    }

    /** Copies the upstream's store and proposes it as a baseline; false when it failed (retried later). */
    private boolean runStoreCopy(String reason) {
        Path staging = server.dataDirectory().resolve("databases").resolve(db.name()).resolve("staging").resolve(UUID.randomUUID().toString());
        try {
            LOG.info("replica '{}': store copy from '{}' ({})", db.name(), upstream.database(), reason);
            if (metrics != null) {
                metrics.recordStoreCopy();
            }
            long started = System.nanoTime();
            StoreCopyClient copier = new StoreCopyClient(addresses, server.clusterTls(), Duration.ofSeconds(30), 3 * addresses.size());
            StoreCopyClient.Result r = copier.copy(upstream.database(), staging, (done, total) -> { });
            tracker.onUpstreamPosition(r.txId(), System.currentTimeMillis());
            db.stateMachine().stageBaseline(r.txId(), staging);
            long at = db.proposeReplication(new ReplicationEntry.Baseline(r.txId(), r.chainHash()));
            tracker.onApplied(at);
            LOG.info("replica '{}': store copy done, {} MB at txId {} in {} ms", db.name(), r.bytes() >> 20, at,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
            return true;
        } catch (Exception e) {
            LOG.warn("replica '{}': store copy failed (will retry): {}", db.name(), e.toString());
            state = StreamState.DISCONNECTED;
            return false;
        } finally {
            try {
                if (Files.exists(staging)) {
                    io.ccdr.node.store.GraphStore.deleteRecursively(staging);
                }
            } catch (java.io.IOException e) {
                LOG.debug("cannot delete {}: {}", staging, e.toString());
            }
        }
    }

    /** Replication cannot continue without an operator: record it where SHOW DATABASES and the metrics show it. */
    private void markBroken(String message) {
        broken = true;
        state = StreamState.BROKEN_CHAIN;
        LOG.error("replica '{}': replication stopped: {}", db.name(), message);
        worker.execute(() -> {
            try {
                server.proposeSystem(new SystemCommand.SetDatabaseStatusMessage(db.name(), STOP_MESSAGE_PREFIX + message, true));
            } catch (GraphException e) {
                LOG.warn("replica '{}': cannot record the stop in the system database: {}", db.name(), e.getMessage());
            }
        });
        synchronized (this) {
            closeClient();
        }
    }

    /** What SHOW DATABASES and the STATUS frame show for this replica. */
    ReplicationStatus status() {
        ReplicaLagTracker t = tracker;
        TransactionStreamClient c = client;
        String where = c == null ? null : c.currentUpstream().map(HostPort::toString).orElse(null);
        long upstreamTx = t == null ? -1 : t.upstreamLastCommittedTxId();
        return new ReplicationStatus(state.tagValue(), where, upstreamTx, lagTransactionsNow(), lagSeconds());
    }

    private long lagTransactionsNow() {
        ReplicaLagTracker t = tracker;
        return t == null || t.upstreamLastCommittedTxId() < 0 ? 0 : Math.max(0, t.upstreamLastCommittedTxId() - db.lastCommittedTxId());
    }

    /** The commit time of the upstream's last transaction as last heard (0 before first contact). */
    long upstreamLastCommitMillis() {
        return upstreamLastCommitMillis;
    }

    /** True while a subscription or store copy is running on this member. */
    synchronized boolean active() {
        return running;
    }

    // ---- ReplicaMetricsSource ----

    @Override
    public long upstreamLastCommittedTxId() {
        ReplicaLagTracker t = tracker;
        return t == null ? -1 : t.upstreamLastCommittedTxId();
    }

    @Override
    public long appliedTxId() {
        return db.lastCommittedTxId();
    }

    @Override
    public double lagSeconds() {
        ReplicaLagTracker t = tracker;
        return t == null ? Double.NaN : t.lagSeconds();
    }

    @Override
    public StreamState streamState() {
        return state;
    }

    @Override
    public double catchUpEtaSeconds() {
        if (state != StreamState.CONNECTED) {
            return Double.NaN;
        }
        return estimator.etaSeconds(lagTransactionsNow(), System.nanoTime());
    }

    @Override
    public synchronized void close() {
        if (running) {
            stop();
        }
        worker.shutdown();
        try {
            worker.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** What the group made of one subscription's entries. */
    private final class Applied implements ReplicationPipeline.Outcome {
        private final TransactionStreamClient owner;

        Applied(TransactionStreamClient owner) {
            this.owner = owner;
        }

        @Override
        public void applied(long lastTxId) {
            tracker.onApplied(lastTxId);
            estimator.observe(lastTxId, System.nanoTime());
        }

        @Override
        public void stopped(GraphException why) {
            if (LINEAGE_MISMATCH.equals(why.statusCode())) {
                markBroken(why.getMessage());
            } else if (REPLICATION_GAP.equals(why.statusCode()) || ClusterErrors.NOT_A_LEADER.equals(why.statusCode())) {
                clientEnded(owner, Duration.ZERO); // resubscribe from the group's own position (if still the leader)
            } else {
                LOG.warn("replica '{}': an entry was not applied ({}: {}); resubscribing from txId {}", db.name(), why.statusCode(),
                        why.getMessage(), db.lastCommittedTxId() + 1);
                clientEnded(owner, RETRY_AFTER_ERROR);
            }
        }
    }

    /** The stream's events for one client; events of a replaced client are ignored. */
    private final class Listener implements TransactionStreamClient.Listener {
        private final TransactionStreamClient owner;
        private final ReplicationPipeline pipeline;

        Listener(TransactionStreamClient owner, ReplicationPipeline pipeline) {
            this.owner = owner;
            this.pipeline = pipeline;
        }

        private boolean current() {
            return client == owner;
        }

        @Override
        public java.util.Optional<byte[]> chainHashAt(long txId) {
            return db.store().chainHashAt(txId);
        }

        @Override
        public void onBatch(List<TransactionRecord> batch) throws InterruptedException {
            if (!current()) {
                throw new IllegalStateException("subscription replaced");
            }
            state = StreamState.CONNECTED;
            ReplicaLagTracker t = tracker;
            long bytes = 0;
            for (TransactionRecord r : batch) {
                t.onReceived(r.txId(), r.commitTimeMillis());
                upstreamLastCommitMillis = Math.max(upstreamLastCommitMillis, r.commitTimeMillis());
                bytes += r.changeSetBytes().length;
            }
            ReplicaMetrics m = metrics;
            if (m != null) {
                m.recordReceived(bytes, batch.size());
            }
            // the upstream's position as last heard (a batch in catch-up is far behind it; heartbeats say where it is)
            estimator.observeUpstream(t.upstreamLastCommittedTxId(), System.nanoTime());
            pipeline.offer(batch); // returns once queued: reading goes on while earlier entries are in Raft
        }

        @Override
        public void onHeartbeat(long lastCommittedTxId, long lastCommitTimeMillis) {
            if (current()) {
                state = StreamState.CONNECTED;
                tracker.onUpstreamPosition(lastCommittedTxId, System.currentTimeMillis());
                estimator.observeUpstream(lastCommittedTxId, System.nanoTime());
                upstreamLastCommitMillis = Math.max(upstreamLastCommitMillis, lastCommitTimeMillis);
            }
        }

        @Override
        public void onStoreCopyNeeded(String reason, long firstRetainedTxId, long upstreamLastTxId) {
            synchronized (ReplicaPuller.this) {
                if (!current() || !running) {
                    return;
                }
                clientEnded(owner, Duration.ZERO);
                tracker.onUpstreamPosition(upstreamLastTxId, System.currentTimeMillis());
                storeCopy(reason + " (upstream keeps txIds from " + firstRetainedTxId + ", replica is at " + db.lastCommittedTxId() + ")");
            }
        }

        @Override
        public void onError(String code, String message) {
            if (!current()) {
                return;
            }
            if (LINEAGE_MISMATCH.equals(code)) {
                markBroken(message);
                return;
            }
            LOG.warn("replica '{}': upstream refused the subscription ({}: {}); retrying", db.name(), code, message);
            state = StreamState.DISCONNECTED;
            tracker.onDisconnected();
            clientEnded(owner, RETRY_AFTER_ERROR);
        }

        @Override
        public void onDisconnected(HostPort from, Throwable cause) {
            if (current()) {
                state = StreamState.DISCONNECTED;
                tracker.onDisconnected();
                ReplicaMetrics m = metrics;
                if (m != null) {
                    m.recordReconnect();
                }
            }
        }
    }
}
