package io.ccdr.node.dbms;

import io.ccdr.metrics.DatabaseMetrics;
import io.ccdr.metrics.DatabaseMetricsSource;
import io.ccdr.node.graph.GraphException;
import io.ccdr.node.graph.GraphReader;
import io.ccdr.node.graph.GraphWriter;
import io.ccdr.node.raft.DatabaseStateMachine;
import io.ccdr.node.raft.RaftNode;
import io.ccdr.node.raft.ReplicationEntry;
import io.ccdr.node.system.DatabaseInfo;
import io.ccdr.node.store.ApplyOutcome;
import io.ccdr.node.store.GraphStore;
import io.ccdr.node.store.StoreState;
import io.ccdr.node.store.StoreView;
import io.ccdr.node.store.TransactionState;
import io.ccdr.node.tx.ChangeSetCodec;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * One database hosted on this server: its Raft group member, its store, and the write and read
 * paths. Writes run on the leader without any lock across the Raft round trip: the work executes
 * against a snapshot, produces a change set, and many change sets are in flight at once; conflicts
 * are settled deterministically when they are applied.
 */
public final class Database implements DatabaseStateMachine.Listener, DatabaseMetricsSource {
    /** How long to wait, after the write timeout, for this member's log to reveal whether a proposal committed. */
    private static final Duration OUTCOME_RESOLUTION = Duration.ofSeconds(20);

    private final String name;
    private final RaftGroupId groupId;
    private final RaftNode raft;
    private final DatabaseStateMachine stateMachine;
    private final Duration writeTimeout;
    private final Duration bookmarkTimeout;
    private final long maxTransactionBytes;
    private final Function<RaftPeerId, String> boltAddressOf;
    private final Supplier<DatabaseInfo> info;
    private final boolean secondary;
    private final Map<UUID, CompletableFuture<ApplyOutcome>> inFlight = new ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicLong active = new java.util.concurrent.atomic.AtomicLong();
    private volatile DatabaseMetrics metrics;
    private final Proposer proposer;
    private volatile LeaderIds ids;
    private volatile long idsTerm = -1;

    public Database(String name, RaftGroupId groupId, RaftNode raft, DatabaseStateMachine stateMachine, DatabaseSettings settings,
                    Function<RaftPeerId, String> boltAddressOf, Supplier<DatabaseInfo> info, boolean secondary) {
        this.info = info;
        this.secondary = secondary;
        this.name = name;
        this.groupId = groupId;
        this.raft = raft;
        this.stateMachine = stateMachine;
        this.writeTimeout = settings.writeTimeout();
        this.bookmarkTimeout = settings.bookmarkTimeout();
        this.maxTransactionBytes = settings.maxTransactionBytes();
        this.boltAddressOf = boltAddressOf;
        this.proposer = new Proposer(raft, groupId);
        stateMachine.setListener(this);
    }

    public String name() {
        return name;
    }

    /** Where commits and rollbacks are counted; set once by the database manager. */
    public void bindMetrics(DatabaseMetrics metrics) {
        this.metrics = metrics;
    }

    public DatabaseMetrics metrics() {
        return metrics;
    }

    @Override
    public long activeTransactions() {
        return active.get();
    }

    @Override
    public long storeSizeBytes() {
        return store().sizeBytes();
    }

    /** The database as the {@code system} database currently records it (null once dropped). */
    public DatabaseInfo info() {
        return info.get();
    }

    /**
     * Why this database refuses writes whatever the server's role, or empty: a replica follows its
     * upstream read-only until it is promoted.
     */
    public Optional<GraphException> writeRefusal() {
        DatabaseInfo i = info.get();
        if (i != null && i.isReplica()) {
            DatabaseInfo.Upstream u = i.upstream();
            return Optional.of(new GraphException(READ_ONLY_DATABASE, "No write operations are allowed on this database. Database '" + name
                    + "' is a replica of database '" + (u == null ? "?" : u.database()) + "' at " + (u == null ? "?" : String.join(",", u.addresses()))
                    + " and is read-only. Write to the upstream, or, if the upstream is lost, promote this replica: CALL "
                    + "internal.dbms.promoteReplicaDatabase('" + name + "') on the system database (or: ccdr promote --database " + name + ")."));
        }
        return Optional.empty();
    }

    public static final String READ_ONLY_DATABASE = "Neo.ClientError.General.ForbiddenOnReadOnlyDatabase";
    /** Neo4j's code for a transaction that needs more than it is allowed. */
    public static final String TRANSACTION_TOO_LARGE = "Neo.ClientError.General.TransactionOutOfMemoryError";
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Database.class);

    public RaftGroupId groupId() {
        return groupId;
    }

    /**
     * The history this database holds ({@link DatabaseInfo#lineageId()}): the database part of its
     * element ids, the same on every member and shared with its upstream or replicas. Once the
     * database is dropped its group id stands in (the system entry of that name may by then be a
     * re-created database with a history of its own).
     */
    public String lineageId() {
        String own = groupId.getUuid().toString();
        DatabaseInfo i = info.get();
        return i != null && own.equals(i.groupId()) ? i.lineageId() : own;
    }

    public GraphStore store() {
        return stateMachine.store();
    }

    public StoreState state() {
        return store().state();
    }

    @Override
    public long lastCommittedTxId() {
        return state().lastTxId();
    }

    public String chainHashHex() {
        return state().chainHashHex();
    }

    /**
     * A secondary holds the database outside its Raft group and follows the primaries through the
     * transaction stream: it serves reads, never writes, and takes no part in elections.
     */
    public boolean isSecondary() {
        return secondary;
    }

    private RaftServer.Division requireDivision() {
        if (secondary) {
            throw ClusterErrors.notALeader(name, null);
        }
        return division().orElseThrow(() -> ClusterErrors.unavailable(name, "not hosted on this server"));
    }

    private Optional<RaftServer.Division> division() {
        return raft.division(groupId);
    }

    @Override
    public boolean isLeader() {
        return division().map(d -> d.getInfo().isLeader()).orElse(false);
    }

    /** The leader's Raft peer id if known. */
    public Optional<RaftPeerId> leader() {
        return division().map(d -> d.getInfo().getLeaderId());
    }

    @Override
    public long term() {
        return division().map(d -> d.getInfo().getCurrentTerm()).orElse(0L);
    }

    @Override
    public long commitIndex() {
        return division().map(d -> d.getRaftLog().getLastCommittedIndex()).orElse(-1L);
    }

    @Override
    public long appliedIndex() {
        return division().map(d -> d.getInfo().getLastAppliedIndex()).orElse(-1L);
    }

    /** "LEADER", "FOLLOWER", "CANDIDATE", "LISTENER" or "UNKNOWN". */
    public String role() {
        if (secondary) {
            return "SECONDARY";
        }
        return division().map(d -> d.getInfo().getCurrentRole().name()).orElse("UNKNOWN");
    }

    // ---- writes ------------------------------------------------------------------------------

    /**
     * Runs {@code work} as a write transaction and commits its change set through Raft.
     *
     * @throws GraphException {@code Neo.ClientError.Cluster.NotALeader} when this server does not
     *                        lead the database (the message names the leader), a
     *                        {@code Neo.TransientError.*} when the client should retry, or the
     *                        client error the work or the commit raised.
     */
    public <T> WriteResult<T> write(Function<GraphWriter, T> work) {
        try (WriteTransaction tx = beginWrite()) {
            T value = work.apply(tx.graph());
            return tx.commit(value);
        }
    }

    /**
     * Opens a write transaction on the leader: reads see the committed state at this moment plus
     * the transaction's own writes; nothing is locked. Close it (or commit) promptly: it pins a
     * store snapshot.
     *
     * @throws GraphException {@code Neo.ClientError.Cluster.NotALeader} when this server does not lead the database
     */
    public WriteTransaction beginWrite() {
        Optional<GraphException> refused = writeRefusal();
        if (refused.isPresent()) {
            throw refused.get();
        }
        RaftServer.Division d = requireDivision();
        if (!d.getInfo().isLeader() || stoppedApplying() != null) {
            throw ClusterErrors.notALeader(name, leaderHint());
        }
        long term = d.getInfo().getCurrentTerm();
        LeaderIds allocator = idsFor(d, term);
        StoreView view = store().view();
        active.incrementAndGet();
        return new WriteTransaction(this, view, new TransactionState(view, allocator));
    }

    /** Called by {@link WriteTransaction#commit}: proposes the change set and reports the outcome. */
    <T> WriteResult<T> commit(WriteTransaction tx, T value) {
        long started = System.nanoTime();
        boolean committed = false;
        try {
            TransactionState state = tx.state();
            long base = state.baseTxId();
            if (!state.hasChanges()) {
                committed = true;
                return new WriteResult<>(value, base, false, null, 0);
            }
            byte[] changeSet = ChangeSetCodec.encode(state.toChangeSet(System.currentTimeMillis()));
            if (changeSet.length > maxTransactionBytes) {
                LOG.warn("database '{}': a transaction of {} MiB was refused: more than server.cluster.max_transaction_size ({} MiB)", name,
                        changeSet.length >> 20, maxTransactionBytes >> 20);
                throw new GraphException(TRANSACTION_TOO_LARGE, "The transaction's changes take " + (changeSet.length >> 20) + " MiB, more than "
                        + "server.cluster.max_transaction_size allows (" + (maxTransactionBytes >> 20) + " MiB). Split it into smaller "
                        + "transactions (e.g. CALL { ... } IN TRANSACTIONS) or raise the setting.");
            }
            tx.releaseView();
            ApplyOutcome outcome = commit(changeSet);
            if (outcome instanceof ApplyOutcome.Committed c) {
                committed = true;
                DatabaseMetrics m = metrics;
                if (m != null) {
                    m.recordCommit(Duration.ofNanos(System.nanoTime() - started));
                }
                return new WriteResult<>(value, c.txId(), true, c.chainHash(), c.commitTimeMillis());
            }
            ApplyOutcome.Rejected r = (ApplyOutcome.Rejected) outcome;
            throw new GraphException(r.statusCode(), r.message());
        } finally {
            if (!committed) {
                rolledBack();
            }
        }
    }

    void transactionEnded() {
        active.decrementAndGet();
    }

    void rolledBack() {
        DatabaseMetrics m = metrics;
        if (m != null) {
            m.recordRollback();
        }
    }

    private LeaderIds idsFor(RaftServer.Division d, long term) {
        long readyBy = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!d.getInfo().isLeaderReady() && d.getInfo().isLeader() && System.nanoTime() < readyBy) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (!d.getInfo().isLeader()) {
            throw ClusterErrors.notALeader(name, leaderHint());
        }
        if (!d.getInfo().isLeaderReady()) {
            // the new leader has not applied its predecessors' entries yet: id high-water marks are not final
            throw new GraphException(ClusterErrors.DATABASE_UNAVAILABLE, "Database '" + name + "' has a new leader that is still "
                    + "catching up; retry in a moment.");
        }
        if (ids == null || idsTerm != term) {
            synchronized (this) {
                if (ids == null || idsTerm != term) {
                    StoreState s = store().state();
                    ids = new LeaderIds(s.nextNodeId(), s.nextRelationshipId());
                    idsTerm = term;
                }
            }
        }
        return ids;
    }

    /**
     * Proposes a change set and returns its applied outcome, never a retryable failure for a change
     * set that may still commit. When Raft cannot confirm (leadership lost, no majority within
     * {@code server.cluster.write_timeout}), the outcome is settled from what this member applies:
     * once it applies an entry of a term later than any the proposal can have been appended in,
     * the proposal either was applied here before it (the caller gets its real outcome) or never
     * will be (a retryable NotALeader). If that does not happen within the resolution time, the
     * outcome is unknown, and the caller is told so with a non-retryable status: a driver must not
     * retry a transaction that may have committed.
     */
    private ApplyOutcome commit(byte[] changeSet) {
        // 122 random bits tell this proposal's outcome apart; SecureRandom (UUID.randomUUID) costs more than it buys here
        java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
        UUID requestId = new UUID(random.nextLong() & ~0xF000L | 0x4000L, random.nextLong() & 0x3FFFFFFFFFFFFFFFL | 0x8000000000000000L);
        CompletableFuture<ApplyOutcome> applied = new CompletableFuture<>();
        inFlight.put(requestId, applied);
        try {
            CompletableFuture<Object> rejected = new CompletableFuture<>();
            proposer.propose(new Proposer.Pending(requestId, changeSet, rejected));
            try {
                Object first = CompletableFuture.anyOf(applied, rejected).get(writeTimeout.toMillis(), TimeUnit.MILLISECONDS);
                if (first instanceof ApplyOutcome o) {
                    return o;
                }
            } catch (TimeoutException | ExecutionException e) {
                // fall through to resolution
            }
            if (applied.isDone()) {
                return applied.join();
            }
            // The proposal was appended, if at all, in a term no later than the current one.
            long latestPossibleTerm = term();
            try {
                stateMachine.awaitTermPassed(latestPossibleTerm, OUTCOME_RESOLUTION.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (applied.isDone()) {
                return applied.join();
            }
            if (stateMachine.lastAppliedTerm() > latestPossibleTerm) {
                throw ClusterErrors.notALeader(name, leaderHint());
            }
            throw ClusterErrors.outcomeUnknown(name, outcomeUnknownReason());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ClusterErrors.outcomeUnknown(name, "the server was interrupted while waiting for the commit");
        } finally {
            inFlight.remove(requestId);
        }
    }

    private String outcomeUnknownReason() {
        String stopped = stateMachine.applyFailure();
        if (stopped != null) {
            return "this server " + stopped + ", so it cannot learn whether the transaction was applied by the other members";
        }
        return "no majority of the database's members confirmed it within " + writeTimeout.plus(OUTCOME_RESOLUTION).toSeconds() + " s";
    }

    private String leaderHint() {
        return leader().map(boltAddressOf).orElse(null);
    }

    // ---- replication ---------------------------------------------------------------------------

    /**
     * Proposes an entry of a replica's history through this member (the leader) and waits until it
     * is applied here. Returns the database's last txId afterwards.
     *
     * @throws GraphException {@code Neo.ClientError.Cluster.NotALeader} when this member does not
     *                        lead, a {@code Neo.TransientError.*} when Raft did not confirm in time,
     *                        or the code the state machine answered (e.g. LineageMismatch)
     */
    public long proposeReplication(ReplicationEntry entry) {
        try {
            return proposeReplicationAsync(entry).get(writeTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ClusterErrors.unavailable(name, "interrupted while replicating");
        } catch (TimeoutException e) {
            throw ClusterErrors.unavailable(name, "replicated entry not confirmed within " + writeTimeout.toMillis() + " ms");
        } catch (ExecutionException e) {
            throw e.getCause() instanceof GraphException g ? g : ClusterErrors.unavailable(name, "replicated entry not confirmed: " + e.getCause());
        }
    }

    /**
     * Proposes an entry of a replica's history without waiting: completes with the database's last
     * txId once the entry is applied here, or exceptionally with a {@link GraphException} as
     * {@link #proposeReplication} throws it. Entries proposed one after another from one thread are
     * appended, and applied, in that order.
     */
    public CompletableFuture<Long> proposeReplicationAsync(ReplicationEntry entry) {
        RaftServer.Division d;
        try {
            d = requireDivision();
        } catch (GraphException e) {
            return CompletableFuture.failedFuture(e);
        }
        if (!d.getInfo().isLeader()) {
            return CompletableFuture.failedFuture(ClusterErrors.notALeader(name, leaderHint()));
        }
        return io.ccdr.node.raft.EntryFragments.submit(raft, groupId, entry.encode()).handle((reply, error) -> {
            if (error != null) {
                throw ClusterErrors.unavailable(name, "replicated entry not confirmed: " + error);
            }
            if (!reply.isSuccess()) {
                if (reply.getNotLeaderException() != null) {
                    throw ClusterErrors.notALeader(name, leaderHint());
                }
                throw ClusterErrors.unavailable(name, "replicated entry refused by Raft: " + reply.getException());
            }
            String answer = reply.getMessage().getContent().toStringUtf8();
            if (answer.startsWith("OK ")) {
                return Long.parseLong(answer.substring(3).trim());
            }
            String[] parts = answer.split(" ", 3);
            throw new GraphException(parts.length > 1 ? parts[1] : "Neo.DatabaseError.General.UnknownError", parts.length > 2 ? parts[2] : answer);
        });
    }

    private volatile Supplier<ReplicationStatus> replication;

    /** Set by the replica role while this member runs the upstream subscription; null when it stops. */
    public void reportReplication(Supplier<ReplicationStatus> status) {
        this.replication = status;
    }

    /** The upstream subscription's status, when this member runs it. */
    public Optional<ReplicationStatus> replicationStatus() {
        Supplier<ReplicationStatus> r = replication;
        return r == null ? Optional.empty() : Optional.ofNullable(r.get());
    }

    /** Why this member stopped applying upstream transactions (a chain break), or null. */
    public String replicationFailure() {
        return stateMachine.replicationFailure();
    }

    /** The state machine, for the replica role (store-copy staging and sources). */
    public DatabaseStateMachine stateMachine() {
        return stateMachine;
    }

    // ---- reads -------------------------------------------------------------------------------

    /** Waits until this member has applied {@code minTxId} (a bookmark), or fails with BookmarkTimeout. */
    public void awaitTxId(long minTxId) {
        awaitTxId(minTxId, bookmarkTimeout);
    }

    public void awaitTxId(long minTxId, Duration timeout) {
        requireApplying();
        try {
            if (!stateMachine.awaitTxId(minTxId, timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new GraphException(ClusterErrors.BOOKMARK_TIMEOUT, "Database '" + name + "' on this server has not reached "
                        + "transaction " + minTxId + " within " + timeout.toMillis() + " ms (it is at " + lastCommittedTxId()
                        + "); retry, or read from another member.");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ClusterErrors.unavailable(name, "interrupted while waiting for a bookmark");
        }
    }

    /** Runs {@code work} against a consistent view that includes at least {@code minTxId}. */
    public <T> T read(long minTxId, Function<GraphReader, T> work) {
        try (StoreView view = beginRead(minTxId)) {
            return work.apply(view);
        }
    }

    /**
     * A consistent read view that includes at least {@code minTxId} (a bookmark), on any member.
     * Waits up to {@code db.transaction.bookmark_ready_timeout}. Close it when done.
     */
    public StoreView beginRead(long minTxId) {
        awaitTxId(minTxId);
        return store().view();
    }

    /**
     * Why this member stopped applying transactions (it cannot write its Raft log or store, e.g. a
     * full disk), or null. Such a member serves no reads, since it falls further behind with every
     * commit, until the database manager has reopened it.
     */
    public String stoppedApplying() {
        return stateMachine.applyFailure();
    }

    private void requireApplying() {
        String stopped = stoppedApplying();
        if (stopped != null) {
            throw ClusterErrors.unavailable(name, "this server " + stopped + " and serves no reads until it has recovered; "
                    + "read from another member (a routing driver does this itself)");
        }
    }

    // ---- state machine callbacks ------------------------------------------------------------

    @Override
    public void applied(UUID requestId, long term, ApplyOutcome outcome) {
        CompletableFuture<ApplyOutcome> f = inFlight.get(requestId);
        if (f != null) {
            f.complete(outcome);
        }
    }


}
