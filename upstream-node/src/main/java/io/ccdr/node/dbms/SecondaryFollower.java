package io.ccdr.node.dbms;

import io.ccdr.node.config.HostPort;
import io.ccdr.node.raft.ReplicationEntry;
import io.ccdr.node.store.GraphStore;
import io.ccdr.node.stream.StoreCopyClient;
import io.ccdr.node.stream.TransactionStreamClient;
import io.ccdr.node.tx.TransactionRecord;
import io.ccdr.tls.SslPolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Keeps a secondary's copy of a database following the database's primaries (in this cluster)
 * through the transaction stream: subscribes to any primary from the secondary's last txId and chain
 * hash, applies batches with the same chain verification as a replica, and copies the store when it
 * is empty or behind the primaries' log retention. Any primary, leader or follower, can serve it.
 */
final class SecondaryFollower implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SecondaryFollower.class);
    private static final long RETRY_NANOS = TimeUnit.SECONDS.toNanos(2);

    private final Database db;
    private final Supplier<List<HostPort>> primaries;
    private final SslPolicy tls;
    private final Path staging;
    private final ExecutorService worker;
    private TransactionStreamClient client; // guarded by this
    private boolean copying;
    private long retryAtNanos;
    private volatile boolean closed;

    SecondaryFollower(Database db, Supplier<List<HostPort>> primaries, SslPolicy tls, Path staging) {
        this.db = db;
        this.primaries = primaries;
        this.tls = tls;
        this.staging = staging;
        this.worker = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "ccdr-secondary-" + db.name());
            t.setDaemon(true);
            return t;
        });
    }

    /** (Re)starts following when it is not; called by the database manager's reconciliation. */
    synchronized void tick() {
        if (closed || client != null || copying || System.nanoTime() - retryAtNanos < 0 || db.replicationFailure() != null) {
            return;
        }
        List<HostPort> from = primaries.get();
        if (from.isEmpty()) {
            return;
        }
        if (db.lastCommittedTxId() == 0) {
            copying = true;
            worker.execute(() -> storeCopy(from));
            return;
        }
        TransactionStreamClient c = new TransactionStreamClient(from, tls, TransactionStreamClient.Settings.defaults());
        client = c;
        c.subscribe(db.name(), db.lastCommittedTxId() + 1, db.state().chainHash(), new Listener(c, from));
    }

    private void storeCopy(List<HostPort> from) {
        Path target = staging.resolve(UUID.randomUUID().toString());
        try {
            StoreCopyClient.Result r = new StoreCopyClient(from, tls, Duration.ofSeconds(30), 2 * from.size())
                    .copy(db.name(), target, (done, total) -> { });
            db.stateMachine().stageBaseline(r.txId(), target);
            db.stateMachine().applyStandalone(new ReplicationEntry.Baseline(r.txId(), r.chainHash()));
            LOG.info("secondary '{}': store copied at txId {}", db.name(), r.txId());
        } catch (IOException | RuntimeException e) {
            LOG.info("secondary '{}': store copy failed (will retry): {}", db.name(), e.toString());
            retryLater();
            deleteQuietly(target);
        } finally {
            synchronized (this) {
                copying = false;
            }
        }
    }

    private synchronized void retryLater() {
        retryAtNanos = System.nanoTime() + RETRY_NANOS;
    }

    private synchronized void ended(TransactionStreamClient c, boolean copyStore) {
        if (client != c) {
            return;
        }
        client = null;
        worker.execute(c::close);
        if (copyStore && !closed) {
            copying = true;
            List<HostPort> from = primaries.get();
            worker.execute(() -> storeCopy(from));
        } else {
            retryAtNanos = System.nanoTime() + RETRY_NANOS;
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            GraphStore.deleteRecursively(p);
        } catch (IOException e) {
            LOG.debug("cannot delete {}: {}", p, e.toString());
        }
    }

    @Override
    public void close() {
        TransactionStreamClient c;
        synchronized (this) {
            closed = true;
            c = client;
            client = null;
        }
        if (c != null) {
            c.close();
        }
        worker.shutdown();
        try {
            worker.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private final class Listener implements TransactionStreamClient.Listener {
        private final TransactionStreamClient owner;
        private final List<HostPort> from;

        Listener(TransactionStreamClient owner, List<HostPort> from) {
            this.owner = owner;
            this.from = from;
        }

        @Override
        public java.util.Optional<byte[]> chainHashAt(long txId) {
            return db.store().chainHashAt(txId);
        }

        @Override
        public void onBatch(List<TransactionRecord> batch) throws Exception {
            String reply = db.stateMachine().applyStandalone(new ReplicationEntry.Transactions(batch));
            if (!reply.startsWith("OK")) {
                LOG.error("secondary '{}': {}", db.name(), reply);
                ended(owner, false);
                throw new IllegalStateException(reply);
            }
        }

        @Override
        public void onStoreCopyNeeded(String reason, long firstRetainedTxId, long upstreamLastTxId) {
            LOG.info("secondary '{}': {}; copying the store from {}", db.name(), reason, from);
            ended(owner, true);
        }

        @Override
        public void onError(String code, String message) {
            LOG.warn("secondary '{}': a primary refused the subscription ({}: {}); retrying", db.name(), code, message);
            ended(owner, false);
        }
    }
}
