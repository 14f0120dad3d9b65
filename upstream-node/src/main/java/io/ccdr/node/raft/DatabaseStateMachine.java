package io.ccdr.node.raft;

import io.ccdr.node.graph.GraphException;
import io.ccdr.node.store.ApplyOutcome;
import io.ccdr.node.store.GraphStore;
import io.ccdr.node.store.StoreState;
import io.ccdr.node.tx.CorruptDataException;
import io.ccdr.node.tx.TransactionRecord;
import io.ccdr.node.util.Causes;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftGroupMemberId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.SnapshotInfo;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The Raft state machine of one database: applies replicated change sets to the {@link GraphStore}
 * in log order. Applying is deterministic, so every member holds the same txIds and chain hashes.
 *
 * <p>Contracts: entries at or below the store's recorded applied index are skipped (they are
 * already in the store after a crash); a snapshot is a store checkpoint, taken on the apply
 * thread so it is exactly at the applied index; {@code reinitialize} after a snapshot install
 * swaps the live store for the installed checkpoint.
 */
public final class DatabaseStateMachine extends BaseStateMachine {
    private static final Logger LOG = LoggerFactory.getLogger(DatabaseStateMachine.class);

    /** Told about every applied change set (so a proposer learns its outcome); implemented by the database. */
    @FunctionalInterface
    public interface Listener {
        void applied(UUID requestId, long term, ApplyOutcome outcome);
    }

    /**
     * Where a member gets a store copy when it applies a {@link ReplicationEntry.Baseline} it is not
     * at: returns a checkpoint directory holding the database at or after {@code txId}.
     */
    @FunctionalInterface
    public interface BaselineSource {
        Path fetch(String database, long txId, byte[] chainHash) throws IOException;
    }

    private final String databaseName;
    private final Path storeDir;
    private volatile BaselineSource baselineSource;
    private volatile String replicationFailure;
    private volatile String applyFailure;
    private final SnapshotDirectories storage = new SnapshotDirectories();
    private volatile GraphStore store;
    private volatile Listener listener;
    private volatile long lastAppliedTerm;
    private final Object progress = new Object();
    private final FragmentAssembly fragments = new FragmentAssembly();

    public DatabaseStateMachine(String databaseName, Path storeDir) {
        this.databaseName = databaseName;
        this.storeDir = storeDir;
    }

    public void setListener(Listener listener) {
        this.listener = listener;
    }

    public String databaseName() {
        return databaseName;
    }

    public void setBaselineSource(BaselineSource source) {
        this.baselineSource = source;
    }

    /**
     * Why this member stopped applying upstream transactions (a break in the chain), or null.
     * Once set, no later upstream transaction is applied: the replica never goes past a break.
     */
    public String replicationFailure() {
        return replicationFailure;
    }

    /**
     * Why this member stopped applying entries, or null: it cannot write its Raft log or its store
     * (e.g. a full disk), or an entry could not be applied. Once set, nothing more is applied by
     * this instance: Ratis moves
     * on past an entry whose apply failed, so applying the next one would leave a gap in this
     * member's history. The member recovers by reopening its Raft group, which replays from the
     * store's own position ({@link io.ccdr.node.raft.RaftNode#reopenGroup}).
     */
    public String applyFailure() {
        return applyFailure;
    }

    private void stopApplying(String why) {
        if (applyFailure == null) {
            applyFailure = why;
            LOG.error("database {}: this member stopped applying transactions: {}", databaseName, why);
        }
        signalProgress();
    }

    @Override
    public void notifyLogFailed(Throwable cause, LogEntryProto failedEntry) {
        stopApplying("cannot write its Raft log (" + Causes.rootMessage(cause) + ")");
    }

    /** The live store; null until the group is initialized. */
    public GraphStore store() {
        return store;
    }

    @Override
    public StateMachineStorage getStateMachineStorage() {
        return storage;
    }

    @Override
    public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage) throws IOException {
        super.initialize(server, groupId, raftStorage);
        getLifeCycle().startAndTransition(() -> openStore(raftStorage));
    }

    private void openStore(RaftStorage raftStorage) throws IOException {
        storage.init(raftStorage);
        GraphStore opened = GraphStore.open(storeDir);
        Optional<SnapshotDirectories.Checkpoint> latest = storage.latest();
        if (latest.isPresent() && opened.state().appliedIndex() < latest.get().index()) {
            // a snapshot was installed but the swap did not complete before a crash
            opened.replaceWith(latest.get().dir());
        }
        store = opened;
        StoreState s = opened.state();
        // Raft replays from the newest snapshot; entries the store already holds are skipped on apply
        latest.ifPresent(c -> advanceApplied(c.term(), c.index()));
        lastAppliedTerm = s.appliedTerm();
        LOG.info("database {} store opened at txId {} (raft index {})", databaseName, s.lastTxId(), s.appliedIndex());
    }

    @Override
    public void pause() {
        Lifecycles.pause(this);
    }

    @Override
    public void reinitialize() throws IOException {
        SnapshotDirectories.Checkpoint latest = storage.latest()
                .orElseThrow(() -> new IOException("snapshot installed but no checkpoint found in " + storage.directory()));
        storage.invalidate();
        store.replaceWith(latest.dir());
        fragments.clear(); // the snapshot is never taken inside an open sequence: what follows it starts afresh
        updateLastAppliedTermIndex(latest.term(), latest.index());
        lastAppliedTerm = latest.term();
        LOG.info("database {} installed snapshot at raft index {} (txId {})", databaseName, latest.index(), store.state().lastTxId());
        Lifecycles.resume(this);
        signalProgress();
        store.publishCommits();
    }

    @Override
    public SnapshotInfo getLatestSnapshot() {
        return storage.getLatestSnapshot();
    }

    @Override
    public long takeSnapshot() throws IOException {
        StoreState at = store.state();
        if (at.appliedIndex() < 0) {
            return -1;
        }
        Optional<SnapshotDirectories.Checkpoint> latest = storage.latest();
        TermIndex applied = getLastAppliedTermIndex();
        boolean replaying = applied == null || applied.getIndex() < at.appliedIndex();
        // not while a fragmented entry is half applied: Raft would purge the fragments a restart needs to rebuild it
        if (replaying || fragments.hasOpen() || (latest.isPresent() && latest.get().index() >= at.appliedIndex())) {
            // never report a snapshot beyond what Raft believes is applied (during post-crash replay
            // the store is ahead of Raft's replay position)
            return latest.map(SnapshotDirectories.Checkpoint::index).orElse(-1L);
        }
        Path tmp = storage.newTemporary();
        StoreState written = store.checkpoint(tmp);
        storage.publish(tmp, written.appliedTerm(), written.appliedIndex());
        LOG.debug("database {} checkpoint at raft index {} txId {}", databaseName, written.appliedIndex(), written.lastTxId());
        return written.appliedIndex();
    }

    @Override
    public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
        LogEntryProto entry = trx.getLogEntry();
        long term = entry.getTerm();
        long index = entry.getIndex();
        GraphStore s = store;
        String stopped = applyFailure;
        if (stopped != null) {
            return CompletableFuture.failedFuture(new IOException("database " + databaseName + " on this member " + stopped));
        }
        byte[] data = entry.getStateMachineLogEntry().getLogData().toByteArray();
        // fragments are reassembled even when covered: after a crash, replay must rebuild a sequence whose last
        // fragment (the one that applies it) lies past what the store holds
        fragments.onEntry(term, index);
        if (EntryFragments.isFragment(data)) {
            byte[] whole;
            try {
                whole = fragments.add(term, index, EntryFragments.decode(data));
            } catch (CorruptDataException e) {
                LOG.warn("database {}: raft entry {} is not a valid fragment ({}); skipped", databaseName, index, e.getMessage());
                whole = null;
            }
            if (whole == null) {
                advanceApplied(term, index);
                lastAppliedTerm = term;
                return CompletableFuture.completedFuture(Message.EMPTY);
            }
            data = whole; // the whole entry, applied at the index of its last fragment
        }
        if (s.state().covers(index, StoreState.WHOLE_ENTRY)) {
            advanceApplied(term, index);
            return CompletableFuture.completedFuture(Message.EMPTY);
        }
        if (ReplicationEntry.isReplicationEntry(data)) {
            return applyReplication(s, term, index, data);
        }
        DatabaseEntry batch;
        try {
            batch = DatabaseEntry.decode(data);
        } catch (CorruptDataException e) {
            LOG.warn("database {}: raft entry {} is not a change-set batch ({}); skipped", databaseName, index, e.getMessage());
            s.markApplied(term, index);
            advanceApplied(term, index);
            return CompletableFuture.completedFuture(Message.EMPTY);
        }
        Listener l = listener;
        for (int item = 0; item < batch.items().size(); item++) {
            if (s.state().covers(index, item)) {
                continue; // applied before a crash; replay resumes after it
            }
            DatabaseEntry.Item it = batch.items().get(item);
            ApplyOutcome outcome;
            try {
                outcome = s.apply(term, index, item, it.changeSet());
            } catch (RuntimeException e) {
                stopApplying("cannot apply raft entry " + index + " item " + item + " (" + Causes.rootMessage(e) + ")");
                return CompletableFuture.failedFuture(e);
            }
            if (l != null) {
                l.applied(it.requestId(), term, outcome);
            }
        }
        s.markApplied(term, index);
        advanceApplied(term, index);
        lastAppliedTerm = term;
        signalProgress();
        s.publishCommits();
        return CompletableFuture.completedFuture(Message.EMPTY);
    }

    /**
     * Applies an entry of a replica's history. The reply message is {@code OK <lastTxId>} or
     * {@code FAILED <status code> <message>}, read by the proposing leader.
     */
    private CompletableFuture<Message> applyReplication(GraphStore s, long term, long index, byte[] data) {
        String reply;
        try {
            reply = applyReplicationEntry(s, term, index, ReplicationEntry.decode(data));
        } catch (CorruptDataException e) {
            LOG.warn("database {}: raft entry {} is not a valid replication entry ({}); skipped", databaseName, index, e.getMessage());
            reply = failed(LINEAGE_MISMATCH, "corrupt replication entry: " + e.getMessage());
            finishEntry(s, term, index);
        } catch (IOException | RuntimeException e) {
            stopApplying("cannot apply replication entry " + index + " (" + Causes.rootMessage(e) + ")");
            return CompletableFuture.failedFuture(e);
        }
        return CompletableFuture.completedFuture(Message.valueOf(reply));
    }

    private String applyReplicationEntry(GraphStore s, long term, long index, ReplicationEntry e) throws IOException {
        String reply;
        if (e instanceof ReplicationEntry.Transactions t) {
            reply = applyTransactions(s, term, index, t);
        } else if (e instanceof ReplicationEntry.Baseline b) {
            reply = applyBaseline(s, term, index, b);
        } else {
            reply = applyPromote(s, term, index, (ReplicationEntry.Promote) e);
        }
        finishEntry(s, term, index);
        return reply;
    }

    private void finishEntry(GraphStore s, long term, long index) {
        s.markApplied(term, index);
        advanceApplied(term, index);
        lastAppliedTerm = term;
        signalProgress();
        s.publishCommits();
    }

    // ---- secondaries: the same store and apply rules, fed by the transaction stream instead of Raft ----

    /** Opens the store for a member that follows its primaries through the transaction stream (a secondary), outside Raft. */
    public void openStandalone() {
        store = GraphStore.open(storeDir);
        LOG.info("database {} store opened as a secondary at txId {}", databaseName, store.state().lastTxId());
    }

    /**
     * Applies a replication entry outside Raft (a secondary): same verification as in a replica's
     * group, at the next local position. Returns the reply a Raft proposer would get.
     */
    public synchronized String applyStandalone(ReplicationEntry e) throws IOException {
        String stopped = applyFailure;
        if (stopped != null) {
            throw new IOException("database " + databaseName + " on this member " + stopped);
        }
        GraphStore s = store;
        try {
            return applyReplicationEntry(s, 0, s.state().appliedIndex() + 1, e);
        } catch (GraphException storeFailed) {
            stopApplying("cannot write its store (" + Causes.rootMessage(storeFailed) + ")");
            throw storeFailed;
        }
    }

    private static final String LINEAGE_MISMATCH = "Neo.ClientError.Cluster.LineageMismatch";

    private String applyTransactions(GraphStore s, long term, long index, ReplicationEntry.Transactions t) {
        if (s.state().promoted()) {
            return failed("Neo.ClientError.General.ForbiddenOnReadOnlyDatabase", "database '" + databaseName
                    + "' was promoted at txId " + s.state().promotedAtTxId() + " and no longer follows an upstream");
        }
        for (int item = 0; item < t.records().size(); item++) {
            TransactionRecord r = t.records().get(item);
            if (s.state().covers(index, item)) {
                continue;
            }
            if (replicationFailure != null) {
                return failed(LINEAGE_MISMATCH, replicationFailure);
            }
            if (r.txId() <= s.state().lastTxId()) {
                continue; // already here through a store copy that went past the baseline
            }
            if (r.txId() > s.state().lastTxId() + 1) {
                // a proposer that started from a stale position (e.g. across a leader change): not a broken chain,
                // the proposer resubscribes from this store's position
                return failed("Neo.TransientError.Cluster.ReplicationGap", "upstream transaction " + r.txId() + " does not follow txId "
                        + s.state().lastTxId() + "; resubscribe from " + (s.state().lastTxId() + 1));
            }
            ApplyOutcome outcome = s.applyReplicated(term, index, item, r);
            if (outcome instanceof ApplyOutcome.Rejected rejected) {
                replicationFailure = "replication stopped at txId " + s.state().lastTxId() + ": " + rejected.message();
                LOG.error("database {}: {}", databaseName, replicationFailure);
                return failed(rejected.statusCode(), replicationFailure);
            }
        }
        return "OK " + s.state().lastTxId();
    }

    private String applyBaseline(GraphStore s, long term, long index, ReplicationEntry.Baseline b) throws IOException {
        if (holdsBaseline(s, b)) {
            return "OK " + s.state().lastTxId();
        }
        Path staged = stagedBaselines.remove(b.txId());
        if (staged == null) {
            BaselineSource source = baselineSource;
            if (source == null) {
                throw new IOException("database " + databaseName + " needs a store copy at txId " + b.txId() + " but has no source for it yet");
            }
            staged = source.fetch(databaseName, b.txId(), b.chainHash());
        }
        try {
            StoreState copy = GraphStore.readCheckpointState(staged);
            if (copy.lastTxId() < b.txId() || (copy.lastTxId() == b.txId() && !java.util.Arrays.equals(copy.chainHash(), b.chainHash()))) {
                throw new IOException("store copy for database " + databaseName + " is at txId " + copy.lastTxId() + " (" + copy.chainHashHex()
                        + "), not at baseline txId " + b.txId());
            }
            s.replaceWith(staged, term, index);
            replicationFailure = null;
            LOG.info("database {}: store replaced by a store copy at txId {} (baseline {})", databaseName, s.state().lastTxId(), b.txId());
        } finally {
            GraphStore.deleteRecursively(staged);
        }
        return "OK " + s.state().lastTxId();
    }

    /** True when this store already contains the baseline's history (it is at or past it, on the same chain). */
    private static boolean holdsBaseline(GraphStore s, ReplicationEntry.Baseline b) {
        StoreState at = s.state();
        if (at.lastTxId() == b.txId()) {
            return java.util.Arrays.equals(at.chainHash(), b.chainHash());
        }
        return at.lastTxId() > b.txId() && s.transactions(b.txId(), 1).stream()
                .anyMatch(r -> java.util.Arrays.equals(r.chainHash(), b.chainHash()));
    }

    private String applyPromote(GraphStore s, long term, long index, ReplicationEntry.Promote p) {
        if (s.state().promoted()) {
            return "OK " + s.state().lastTxId();
        }
        s.markPromoted(term, index);
        LOG.info("database {}: promoted at txId {} (chain hash {})", databaseName, s.state().lastTxId(), s.state().chainHashHex());
        return "OK " + s.state().lastTxId();
    }

    private static String failed(String code, String message) {
        return "FAILED " + code + " " + message;
    }

    private final Map<Long, Path> stagedBaselines = new ConcurrentHashMap<>();

    /**
     * Offers a store copy the leader already fetched for the baseline at {@code txId}, so applying
     * that baseline here does not fetch it again.
     */
    public void stageBaseline(long txId, Path checkpoint) {
        stagedBaselines.put(txId, checkpoint);
    }

    @Override
    public void notifyTermIndexUpdated(long term, long index) {
        if (applyFailure != null) {
            return; // the store's position must stay before the first entry this member failed to apply
        }
        fragments.onEntry(term, index);
        advanceApplied(term, index);
        GraphStore s = store;
        if (s != null) {
            s.markApplied(term, index);
        }
        lastAppliedTerm = Math.max(lastAppliedTerm, term);
        signalProgress();
    }

    @Override
    public void notifyLeaderChanged(RaftGroupMemberId groupMemberId, RaftPeerId newLeaderId) {
        signalProgress();
    }

    private void advanceApplied(long term, long index) {
        TermIndex current = getLastAppliedTermIndex();
        if (current == null || index > current.getIndex()) {
            updateLastAppliedTermIndex(term, index);
        }
    }

    /** The term of the last applied entry: once it exceeds a proposal's term, that proposal's fate is known. */
    public long lastAppliedTerm() {
        return lastAppliedTerm;
    }

    private void signalProgress() {
        synchronized (progress) {
            progress.notifyAll();
        }
    }

    /**
     * Waits until {@code txId} is applied locally. Returns false on timeout.
     */
    public boolean awaitTxId(long txId, long timeout, TimeUnit unit) throws InterruptedException {
        return awaitCondition(() -> store.state().lastTxId() >= txId, timeout, unit);
    }

    /** Waits until an entry of a term above {@code term} has been applied. */
    public boolean awaitTermPassed(long term, long timeout, TimeUnit unit) throws InterruptedException {
        return awaitCondition(() -> lastAppliedTerm > term, timeout, unit);
    }

    private boolean awaitCondition(java.util.function.BooleanSupplier condition, long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        synchronized (progress) {
            while (!condition.getAsBoolean()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(progress, Math.min(left, TimeUnit.MILLISECONDS.toNanos(50)));
            }
            return true;
        }
    }

    @Override
    public void close() throws IOException {
        super.close();
        GraphStore s = store;
        if (s != null) {
            s.close();
        }
    }

}
