package io.ccdr.node.dbms;

import io.ccdr.metrics.DatabaseMetrics;
import io.ccdr.metrics.Metrics;
import io.ccdr.node.backup.BackupException;
import io.ccdr.node.backup.BackupRestore;
import io.ccdr.node.backup.BackupSeed;
import io.ccdr.node.backup.RestoreUntil;
import io.ccdr.node.raft.DatabaseStateMachine;
import io.ccdr.node.raft.RaftNode;
import io.ccdr.node.store.GraphStore;
import io.ccdr.node.system.DatabaseInfo;
import io.ccdr.node.system.ServerInfo;
import io.ccdr.node.system.SystemCommand;
import io.ccdr.node.system.SystemResult;
import io.ccdr.node.system.SystemState;
import io.ccdr.node.tx.ChainHash;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.statemachine.StateMachine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Makes this server host exactly the databases the {@code system} database allocates to it: joins
 * their Raft groups, opens their stores, and leaves and deletes dropped ones. Reconciliation runs
 * on one thread, triggered by system-state changes and periodically.
 *
 * <p>A local catalog ({@code cluster/databases.properties}: group id → name) lets Ratis reopen a
 * database's group at start-up before the system database has replayed.
 */
public final class DatabaseManager implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DatabaseManager.class);

    private final String serverId;
    private final Path dataDir;
    private final Path catalogFile;
    private final Properties catalog = new Properties();
    private final Map<RaftGroupId, DatabaseStateMachine> machines = new ConcurrentHashMap<>();
    private final Map<String, Database> databases = new ConcurrentHashMap<>();
    private final Map<Database, SecondaryFollower> followers = new ConcurrentHashMap<>();
    private volatile io.ccdr.tls.SslPolicy clusterTls;
    private final ScheduledExecutorService reconciler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "ccdr-database-reconciler");
        t.setDaemon(true);
        return t;
    });
    private volatile RaftNode raft;
    private volatile MemberRecovery recovery;
    private long newestSeenVersion;
    private volatile SystemGroupWatch systemGroupWatch;

    private record SystemGroupWatch(Supplier<String> failure, RaftGroupId groupId, MemberRecovery.Reopener reopener) {
    }

    /**
     * Has reconciliation also look after this server's member of the system group: {@code failure}
     * tells why it stopped (null while it applies), {@code reopener} reopens it.
     */
    public void superviseSystemGroup(Supplier<String> failure, RaftGroupId groupId, MemberRecovery.Reopener reopener) {
        systemGroupWatch = new SystemGroupWatch(failure, groupId, reopener);
    }
    private volatile Metrics metrics;
    private volatile Supplier<SystemState.Snapshot> systemState;
    private final DatabaseSettings settings;
    private volatile Function<RaftPeerId, String> boltAddressOf = id -> null;

    private final io.ccdr.node.store.RetentionPolicy retention;
    private volatile Function<SystemCommand, SystemResult> proposeSystem;
    /** Group ids of seeded databases whose seed this server could not restore. */
    private final java.util.Set<String> seedFailures = ConcurrentHashMap.newKeySet();

    public DatabaseManager(String serverId, Path dataDir, DatabaseSettings settings, io.ccdr.node.store.RetentionPolicy retention)
            throws IOException {
        this.retention = retention;
        this.serverId = serverId;
        this.dataDir = dataDir;
        this.catalogFile = catalogFile(dataDir);
        this.settings = settings;
        if (Files.exists(catalogFile)) {
            try (Reader r = Files.newBufferedReader(catalogFile)) {
                catalog.load(r);
            }
        }
    }

    /** The Ratis registry entry for database groups (the system group is resolved by the caller). */
    public StateMachine stateMachineFor(RaftGroupId groupId) {
        return machines.computeIfAbsent(groupId, gid -> {
            String name = catalog.getProperty(gid.getUuid().toString());
            if (name == null) {
                throw new IllegalStateException("raft group " + gid + " is not a database known to this server");
            }
            return new DatabaseStateMachine(name, storeDirectory(name));
        });
    }

    public Path storeDirectory(String name) {
        return storeDirectory(dataDir, name);
    }

    /** Where the server with data directory {@code dataDir} keeps the store of database {@code name}. */
    public static Path storeDirectory(Path dataDir, String name) {
        return dataDir.resolve("databases").resolve(name).resolve("store");
    }

    /**
     * The Raft group through which the server with data directory {@code dataDir} hosts database
     * {@code name}, read from its catalog (for offline tools; the server need not run).
     */
    public static Optional<String> hostedGroup(Path dataDir, String name) throws IOException {
        Path file = catalogFile(dataDir);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file)) {
            p.load(r);
        }
        return p.stringPropertyNames().stream().filter(g -> name.equals(p.getProperty(g))).findFirst();
    }

    private static Path catalogFile(Path dataDir) {
        return dataDir.resolve("cluster").resolve("databases.properties");
    }

    /**
     * @param proposeSystem proposes a command to the {@code system} database (how a member reports it stopped applying)
     * @param minFreeBytes  usable bytes the data directory needs before a member that stopped applying is reopened
     */
    public void start(RaftNode raft, Supplier<SystemState.Snapshot> systemState, Function<RaftPeerId, String> boltAddressOf,
                      Metrics metrics, io.ccdr.tls.SslPolicy clusterTls, Function<SystemCommand, SystemResult> proposeSystem,
                      long minFreeBytes) {
        this.recovery = new MemberRecovery(serverId, dataDir, minFreeBytes, proposeSystem, raft);
        this.proposeSystem = proposeSystem;
        this.raft = raft;
        this.clusterTls = clusterTls;
        this.metrics = metrics;
        this.systemState = systemState;
        this.boltAddressOf = boltAddressOf;
        reconciler.scheduleWithFixedDelay(this::reconcileQuietly, 0, 1, TimeUnit.SECONDS);
        reconciler.scheduleWithFixedDelay(this::pruneTransactionLogs, 10, 30, TimeUnit.SECONDS);
    }

    /** Asks for a reconciliation soon (called on every system-state change). */
    public void poke() {
        if (raft != null) {
            reconciler.execute(this::reconcileQuietly);
        }
    }

    public Optional<Database> database(String name) {
        return Optional.ofNullable(databases.get(name));
    }

    public List<Database> all() {
        return new ArrayList<>(databases.values());
    }

    /** Applies {@code db.tx_log.rotation.retention_policy} to every hosted database's transaction log. */
    private void pruneTransactionLogs() {
        for (Database db : databases.values()) {
            try {
                long dropped = db.store().pruneTransactionLog(retention, System.currentTimeMillis());
                if (dropped > 0) {
                    LOG.debug("database '{}': pruned {} transactions from the log", db.name(), dropped);
                }
            } catch (RuntimeException e) {
                LOG.warn("database '{}': transaction log pruning failed: {}", db.name(), e.toString());
            }
        }
    }

    private void reconcileQuietly() {
        try {
            reconcile();
        } catch (Exception e) {
            LOG.warn("database reconciliation failed (will retry): {}", e.toString());
        }
    }

    private synchronized void reconcile() throws IOException {
        SystemState.Snapshot state = systemState.get();
        if (state.version() < newestSeenVersion) {
            return; // a system view older than one acted on already (a reopened system group replaying): wait for it
        }
        newestSeenVersion = state.version();
        SystemGroupWatch watch = systemGroupWatch;
        if (watch != null) {
            recovery.checkSystem(watch.failure().get(), watch.groupId(), watch.reopener());
        }
        for (DatabaseInfo info : state.databases().values()) {
            if (info.hostedOn(serverId) && "offline".equals(info.requestedStatus()) && !databases.containsKey(info.name())) {
                closeStoppedGroup(info); // Ratis reopens every group it has on disk at start-up, stopped ones too
                continue;
            }
            if (!info.hostedOn(serverId) || !"online".equals(info.requestedStatus()) || databases.containsKey(info.name())) {
                continue;
            }
            if (!seeded(info)) {
                continue;
            }
            if (info.primaryServers().contains(serverId)) {
                hostPrimary(info, state);
            } else {
                hostSecondary(info);
            }
        }
        followers.values().forEach(SecondaryFollower::tick);
        for (Database db : new ArrayList<>(databases.values())) {
            DatabaseInfo info = state.databases().get(db.name());
            boolean dropped = info == null || !info.groupId().equals(db.groupId().getUuid().toString());
            if (dropped && state.version() > 0) {
                drop(db);
            } else if (info != null && "offline".equals(info.requestedStatus())) {
                stop(db);
            } else if (info != null) {
                recovery.check(db, info, () -> reopen(db));
            }
        }
    }

    /**
     * A database seeded from a backup gets its store from the seed before this member first opens it
     * (before its Raft group exists here), so every member starts from the same restored state and
     * the group's first entry applies on top of it. Returns false when this server cannot restore the
     * seed exactly as the server that ran CREATE DATABASE found it; that is reported to the system
     * database (the creating server then drops the database) and not retried for this group.
     */
    private boolean seeded(DatabaseInfo info) {
        DatabaseInfo.Seed seed = info.seed();
        Path store = storeDirectory(info.name());
        if (seed == null || Files.exists(store)) {
            return true;
        }
        if (seedFailures.contains(info.groupId())) {
            return false;
        }
        try {
            BackupRestore.Restored r = BackupSeed.install(BackupSeed.location(seed.uri()),
                    new RestoreUntil(seed.untilTxId(), seed.untilCommitMillis()), store);
            if (r.txId() != seed.txId() || !ChainHash.hex(r.chainHash()).equals(seed.chainHashHex())) {
                GraphStore.deleteRecursively(store);
                throw new BackupException(BackupException.Reason.LINEAGE, "the seed at " + seed.uri() + " restores on this server to txId "
                        + r.txId() + " (chain hash " + ChainHash.hex(r.chainHash()) + "), not to txId " + seed.txId() + " ("
                        + seed.chainHashHex() + ") as on the server that ran CREATE DATABASE; every server must read the same seed");
            }
            LOG.info("database '{}' seeded from {} at txId {} (chain hash {})", info.name(), seed.uri(), r.txId(), seed.chainHashHex());
            return true;
        } catch (IllegalArgumentException | IOException e) {
            seedFailures.add(info.groupId());
            LOG.error("database '{}': cannot restore its seed {} on this server: {}", info.name(), seed.uri(), e.getMessage());
            proposeSystem.apply(new SystemCommand.SetMemberFailure(info.name(), serverId, "This server could not restore the seed "
                    + seed.uri() + ": " + e.getMessage()));
            return false;
        }
    }

    private void closeStoppedGroup(DatabaseInfo info) throws IOException {
        RaftGroupId gid = RaftGroupId.valueOf(UUID.fromString(info.groupId()));
        if (raft.hosts(gid)) {
            raft.closeGroup(gid);
            machines.remove(gid);
            LOG.info("database '{}' is stopped: its raft group on this server is closed", info.name());
        }
    }

    /**
     * STOP DATABASE: this member closes (its Raft group and store), keeping everything on disk;
     * START DATABASE hosts it again from there. A stopped database serves nothing and takes no part
     * in elections.
     */
    private void stop(Database db) throws IOException {
        if (!detachSecondary(db)) {
            raft.closeGroup(db.groupId());
            machines.remove(db.groupId());
        }
        LOG.info("database '{}' stopped on this server (STOP DATABASE); its store and log are kept", db.name());
    }

    /**
     * Closes a member that stopped applying and opens it again from its storage: a primary's Raft
     * group is reopened (a new state machine replays from the store's own position), a secondary's
     * store is reopened and its follower restarted. The next reconciliation hosts the new instance.
     */
    private void reopen(Database db) throws IOException {
        if (!detachSecondary(db)) {
            machines.remove(db.groupId()); // Ratis asks the registry for a fresh state machine when it reopens the group
            raft.reopenGroup(raftGroup(systemState.get().databases().get(db.name()), systemState.get()));
        }
        poke();
    }

    /**
     * Takes this member of {@code db} out of service (no longer hosted here, its metrics closed) and,
     * for a secondary, closes its follower and store. Returns whether it was a secondary; a primary's
     * Raft group is left for the caller to close or reopen.
     */
    private boolean detachSecondary(Database db) throws IOException {
        databases.remove(db.name());
        db.metrics().close();
        SecondaryFollower follower = followers.remove(db);
        if (follower == null) {
            return false;
        }
        follower.close();
        db.stateMachine().close();
        return true;
    }

    private static RaftGroup raftGroup(DatabaseInfo info, SystemState.Snapshot state) throws IOException {
        List<RaftPeer> peers = new ArrayList<>();
        for (String id : info.primaryServers()) {
            ServerInfo s = state.servers().get(id);
            if (s == null) {
                throw new IOException("database " + info.name() + " is allocated to unknown server " + id);
            }
            peers.add(RaftPeer.newBuilder().setId(id).setAddress(s.raftAddress()).build());
        }
        return RaftGroup.valueOf(RaftGroupId.valueOf(UUID.fromString(info.groupId())), peers);
    }

    private void hostPrimary(DatabaseInfo info, SystemState.Snapshot state) throws IOException {
        RaftGroup group = raftGroup(info, state);
        RaftGroupId gid = group.getGroupId();
        rememberInCatalog(gid, info.name());
        raft.addGroup(group);
        DatabaseStateMachine sm = (DatabaseStateMachine) stateMachineFor(gid);
        String name = info.name();
        Database db = new Database(name, gid, raft, sm, settings, boltAddressOf,
                () -> systemState.get().databases().get(name), false);
        db.bindMetrics(DatabaseMetrics.bind(metrics, name, db));
        databases.put(name, db);
        LOG.info("hosting database '{}' (raft group {}) as one of {} primaries", name, gid.getUuid(), group.getPeers().size());
    }

    /** A secondary: the store outside Raft, following the primaries through the transaction stream. */
    private void hostSecondary(DatabaseInfo info) {
        String name = info.name();
        DatabaseStateMachine sm = new DatabaseStateMachine(name, storeDirectory(name));
        sm.openStandalone();
        Database db = new Database(name, RaftGroupId.valueOf(UUID.fromString(info.groupId())), raft, sm, settings, boltAddressOf,
                () -> systemState.get().databases().get(name), true);
        db.bindMetrics(DatabaseMetrics.bind(metrics, name, db));
        followers.put(db, new SecondaryFollower(db, () -> primaryClusterAddresses(name), clusterTls,
                storeDirectory(name).resolveSibling("staging")));
        databases.put(name, db);
        LOG.info("hosting database '{}' as a secondary, following its {} primaries", name, info.primaryServers().size());
    }

    private List<io.ccdr.node.config.HostPort> primaryClusterAddresses(String database) {
        SystemState.Snapshot state = systemState.get();
        DatabaseInfo info = state.databases().get(database);
        if (info == null) {
            return List.of();
        }
        return info.primaryServers().stream().map(id -> state.servers().get(id)).filter(java.util.Objects::nonNull)
                .map(s -> io.ccdr.node.config.HostPort.parse(s.clusterAddress())).toList();
    }

    private void drop(Database db) throws IOException {
        databases.remove(db.name());
        recovery.forget(db.name());
        db.metrics().close();
        SecondaryFollower follower = followers.remove(db);
        if (follower != null) {
            follower.close();
            db.stateMachine().close();
            GraphStore.deleteRecursively(storeDirectory(db.name()).getParent());
            LOG.info("dropped secondary database '{}' from this server", db.name());
            return;
        }
        raft.removeGroup(db.groupId());
        DatabaseStateMachine sm = machines.remove(db.groupId());
        if (sm != null) {
            sm.close();
        }
        GraphStore.deleteRecursively(storeDirectory(db.name()).getParent());
        forgetInCatalog(db.groupId());
        LOG.info("dropped database '{}' from this server", db.name());
    }

    private void rememberInCatalog(RaftGroupId gid, String name) throws IOException {
        if (name.equals(catalog.getProperty(gid.getUuid().toString()))) {
            return;
        }
        catalog.setProperty(gid.getUuid().toString(), name);
        saveCatalog();
    }

    private void forgetInCatalog(RaftGroupId gid) throws IOException {
        catalog.remove(gid.getUuid().toString());
        saveCatalog();
    }

    private void saveCatalog() throws IOException {
        Files.createDirectories(catalogFile.getParent());
        Path tmp = catalogFile.resolveSibling("databases.properties.tmp");
        try (Writer w = Files.newBufferedWriter(tmp)) {
            catalog.store(w, "raft group id = database name (local catalog)");
        }
        Files.move(tmp, catalogFile, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    @Override
    public void close() {
        reconciler.shutdownNow();
        try {
            reconciler.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Database db : followers.keySet()) {
            followers.remove(db).close();
            try {
                db.stateMachine().close();
            } catch (IOException e) {
                LOG.debug("closing secondary '{}' failed: {}", db.name(), e.toString());
            }
        }
    }
}
