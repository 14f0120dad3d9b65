package io.ccdr.node;

import io.ccdr.node.dbms.ReplicationStatus;
import io.ccdr.node.extension.ServerExtension;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ccdr.metrics.CertificateExpiryMetrics;
import io.ccdr.metrics.DatabaseHealth;
import io.ccdr.metrics.Metrics;
import io.ccdr.metrics.MetricsHttpServer;
import io.ccdr.node.bolt.BoltConfig;
import io.ccdr.node.bolt.BoltServer;
import io.ccdr.node.cluster.ClusterClient;
import io.ccdr.node.query.QueryService;
import io.ccdr.tls.SslPolicy;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.grpc.GrpcTlsConfig;

import io.ccdr.node.cluster.Discovery;
import io.ccdr.node.cluster.SystemGroup;
import io.ccdr.node.config.ServerConfig;
import io.ccdr.node.dbms.ClusterErrors;
import io.ccdr.node.dbms.Database;
import io.ccdr.node.dbms.DatabaseManager;
import io.ccdr.node.dbms.DatabaseSettings;
import io.ccdr.node.graph.GraphException;
import io.ccdr.node.raft.RaftNode;
import io.ccdr.node.security.InitialPassword;
import io.ccdr.node.security.PasswordHashing;
import io.ccdr.node.store.GraphStore;
import io.ccdr.node.stream.Frame;
import io.ccdr.node.stream.TransactionStreamServer;
import io.ccdr.node.stream.TransactionStreamService;
import io.ccdr.node.system.ServerInfo;
import io.ccdr.node.system.SystemCommand;
import io.ccdr.node.system.SystemResult;
import io.ccdr.node.system.SystemState;
import io.ccdr.node.system.SystemStateMachine;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.statemachine.StateMachine;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.TimeDuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * One ccdr server: the cluster port, the Raft server with the {@code system} group and its
 * databases, and the embedding API. Start-up: open the cluster port (so peers can discover us),
 * decide the system group (remembered after the first start), start Raft, then register this
 * server and make sure the default database exists — both through the system database, retried
 * in the background until the cluster has formed.
 */
public final class CcdrServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CcdrServer.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ServerConfig config;
    private final String serverId;
    private final ServerInfo self;
    private final TransactionStreamServer clusterPort = new TransactionStreamServer();
    private final TransactionStreamService transactionStream = new TransactionStreamService(name -> database(name).map(Database::store));
    /** This server's view of the system database; replaced when its group is reopened (see {@link #reopenSystemGroup}). */
    private volatile SystemStateMachine system = new SystemStateMachine();
    /** A reopened system group's state machine while it replays; it becomes {@link #system} once it has caught up. */
    private volatile SystemStateMachine reopenedSystem;
    private final DatabaseManager databases;
    private SystemGroup systemGroup;
    private RaftNode raft;
    private RaftClient systemClient;
    private Thread bootstrap;
    private SslPolicy clusterTls;
    private Metrics metrics;
    private MetricsHttpServer metricsHttp;
    private BoltServer bolt;
    private SslPolicy boltTls;
    private volatile boolean closed;
    private final List<ServerExtension> extensions = new ArrayList<>();

    private CcdrServer(ServerConfig config) throws IOException {
        this.config = config;
        Files.createDirectories(config.dataDirectory());
        this.serverId = loadOrCreateServerId(config.dataDirectory());
        this.self = new ServerInfo(serverId, config.clusterAdvertisedAddress().toString(), config.raftAdvertisedAddress().toString(),
                config.clusterAdvertisedAddress().toString(), config.boltAdvertisedAddress().toString(), config.modeConstraint());
        this.databases = new DatabaseManager(serverId, config.dataDirectory(),
                new DatabaseSettings(config.writeTimeout(), config.bookmarkTimeout(), config.maxTransactionBytes()), config.retentionPolicy());
    }

    /** Starts the server; returns once its ports are open and Raft is running (not necessarily formed). */
    public static CcdrServer start(ServerConfig config) throws IOException, InterruptedException {
        CcdrServer server = new CcdrServer(config);
        try {
            server.startInternal();
        } catch (IOException | InterruptedException | RuntimeException e) {
            server.close();
            throw e;
        }
        return server;
    }

    private static String loadOrCreateServerId(Path dataDir) throws IOException {
        Path f = dataDir.resolve("server_id");
        if (Files.exists(f)) {
            return Files.readString(f).trim();
        }
        String id = UUID.randomUUID().toString();
        Files.writeString(f, id + "\n");
        return id;
    }

    private void startInternal() throws IOException, InterruptedException {
        if (config.clusterSsl().enabled()) {
            // refuses to start, naming the missing file, when the policy is incomplete
            clusterTls = SslPolicy.load(config.clusterSsl());
        }
        metrics = Metrics.create(config.metrics());
        if (clusterTls != null) {
            SslPolicy policy = clusterTls;
            CertificateExpiryMetrics.bind(metrics, "cluster", policy::earliestExpiry);
        }
        if (config.metrics().endpointEnabled()) {
            // before the cluster port and Raft: a taken endpoint stops the start-up before this server joins anything
            metricsHttp = MetricsHttpServer.start(config.metrics(), metrics, this::health);
        }
        clusterPort.handle(Frame.Type.DISCOVER, payload -> new Frame(Frame.Type.DISCOVER_REPLY, Discovery.encode(self)));
        clusterPort.handle(Frame.Type.STATUS, payload -> new Frame(Frame.Type.STATUS_REPLY, statusJson()));
        transactionStream.register(clusterPort);
        clusterPort.start(config.clusterListenAddress(), clusterTls);

        Path groupFile = config.dataDirectory().resolve("cluster").resolve("system-group.json");
        Optional<SystemGroup> known = SystemGroup.load(groupFile);
        boolean firstStart = known.isEmpty();
        if (firstStart) {
            Discovery discovery = new Discovery(clusterClient(), config.endpoints(), config.minimumInitialSystemPrimaries());
            systemGroup = discovery.discover(Duration.ofMinutes(10));
            systemGroup.save(groupFile);
            LOG.info("system database formed from {} primaries", systemGroup.members().size());
        } else {
            systemGroup = known.get();
        }
        if (systemGroup.members().stream().noneMatch(m -> m.id().equals(serverId))) {
            throw new IOException("this server (" + serverId + ") is not a member of the system database; servers constrained to "
                    + "SECONDARY are not supported yet");
        }
        RaftGroupId systemGid = RaftGroupId.valueOf(UUID.fromString(systemGroup.groupId()));
        StateMachine.Registry registry = gid -> gid.equals(systemGid) ? (reopenedSystem != null ? reopenedSystem : system)
                : databases.stateMachineFor(gid);
        Parameters parameters = new Parameters();
        if (clusterTls != null) {
            GrpcTlsConfig tls = clusterTls.grpcTlsConfig();
            GrpcConfigKeys.TLS.setConf(parameters, tls);
            GrpcConfigKeys.Server.setTlsConf(parameters, tls);
            GrpcConfigKeys.Client.setTlsConf(parameters, tls);
            GrpcConfigKeys.Admin.setTlsConf(parameters, tls);
        }
        raft = new RaftNode(RaftPeerId.valueOf(serverId), config.dataDirectory().resolve("raft").toFile(),
                config.raftListenAddress().port(), config.snapshotThreshold(), config.raftSegmentBytes(), registry, parameters);
        raft.start();
        RaftGroup group = RaftGroup.valueOf(systemGid, systemGroup.members().stream()
                .map(m -> RaftPeer.newBuilder().setId(m.id()).setAddress(m.raftAddress()).build()).toList());
        raft.addGroup(group);
        systemClient = newClient(group, parameters);
        system.addListener(s -> databases.poke());
        databases.start(raft, this::systemState, this::boltAddressOf, metrics, clusterTls, this::proposeSystem,
                Math.max(32L << 20, 2 * config.raftSegmentBytes()));
        databases.superviseSystemGroup(() -> systemStateMachine().applyFailure(), systemGid,
                () -> reopenSystemGroup(group));
        for (ServerExtension extension : ServiceLoader.load(ServerExtension.class)) {
            extension.start(this);
            extensions.add(extension);
        }
        if (config.boltEnabled()) {
            bolt = new BoltServer(new QueryService(this)).start(boltConfig());
        }
        bootstrap = new Thread(this::bootstrap, "ccdr-bootstrap");
        bootstrap.setDaemon(true);
        bootstrap.start();
    }

    private BoltConfig boltConfig() {
        BoltConfig c = BoltConfig.defaults(config.boltListenAddress().host(), config.boltListenAddress().port());
        BoltConfig.TlsLevel level = BoltConfig.TlsLevel.valueOf(config.boltTlsLevel());
        if (level == BoltConfig.TlsLevel.DISABLED) {
            return c;
        }
        if (!config.boltSsl().enabled()) {
            throw new io.ccdr.node.config.ConfigException("server.bolt.tls_level=" + level + " needs dbms.ssl.policy.bolt.enabled=true "
                    + "and a bolt policy directory (private.key, public.crt)");
        }
        boltTls = SslPolicy.load(config.boltSsl());
        SslPolicy policy = boltTls;
        CertificateExpiryMetrics.bind(metrics, "bolt", policy::earliestExpiry);
        return c.withTls(boltTls.nettyServerContext(), level);
    }

    /** The bound Bolt port (useful when configured as port 0), or -1 when Bolt is disabled. */
    public int boltPort() {
        return bolt == null ? -1 : bolt.boundPort();
    }

    /** A client for peers' cluster ports, over mutual TLS when the cluster policy is enabled. */
    public ClusterClient clusterClient() {
        ClusterClient c = clusterClient;
        if (c == null) {
            // one TLS context for every request: its session cache lets later requests skip the full handshake,
            // and its key and trust managers reload by themselves
            c = new ClusterClient(clusterTls == null ? null : clusterTls.socketFactory());
            clusterClient = c;
        }
        return c;
    }

    private volatile ClusterClient clusterClient;

    /** This server's view of {@code database}, for the health endpoints. */
    public Optional<DatabaseHealth> health(String database) {
        Optional<Database> db = databases.database(database);
        var info = systemState().databases().get(database);
        if (db.isEmpty() || info == null) {
            return Optional.empty();
        }
        Database d = db.get();
        boolean leader = d.isLeader();
        // a secondary serves reads from its own store whether or not the primaries have a leader
        boolean available = (d.isSecondary() || d.leader().isPresent()) && d.stoppedApplying() == null;
        boolean writable = leader && available && "read-write".equals(info.access()) && !info.isReplica();
        List<String> members = info.primaryServers().stream()
                .map(id -> Optional.ofNullable(systemState().servers().get(id)).map(ServerInfo::boltAddress).orElse(id)).toList();
        long lag = d.replicationStatus().map(ReplicationStatus::lagTransactions)
                .orElse(leader ? 0 : d.isSecondary() ? -1 : Math.max(-1, d.commitIndex() - d.appliedIndex()));
        DatabaseHealth.Role role = leader ? DatabaseHealth.Role.LEADER : d.isSecondary() ? DatabaseHealth.Role.SECONDARY
                : info.isReplica() ? DatabaseHealth.Role.REPLICA : DatabaseHealth.Role.FOLLOWER;
        return Optional.of(new DatabaseHealth(database, role,
                writable, available, !writable, d.lastCommittedTxId(), lag, members));
    }

    /** The bound metrics/health port (useful when configured as port 0), or -1 when {@code server.metrics.prometheus.enabled=false}. */
    public int metricsPort() {
        return metricsHttp == null ? -1 : metricsHttp.boundPort();
    }

    /** The serving end of the transaction stream on this server's cluster port. */
    public TransactionStreamService transactionStream() {
        return transactionStream;
    }

    public Metrics metrics() {
        return metrics;
    }

    /** The extensions running on this server (e.g. the replica role). */
    public List<ServerExtension> extensions() {
        return List.copyOf(extensions);
    }

    /** Answers requests of {@code type} on the cluster port (mutual TLS: the peer is a trusted server). */
    public void handleClusterRequest(int type, java.util.function.Function<byte[], Frame> handler) {
        clusterPort.handle(type, handler);
    }

    /** Calls {@code listener} on every change of the {@code system} database, on its apply thread (keep it short). */
    public void addSystemStateListener(java.util.function.Consumer<SystemState.Snapshot> listener) {
        system.addListener(listener);
    }

    /** The cluster port's TLS policy (also used towards other clusters), or null when cluster TLS is off. */
    public SslPolicy clusterTls() {
        return clusterTls;
    }

    /** This server's data directory (databases, raft logs, staging). */
    public Path dataDirectory() {
        return config.dataDirectory();
    }

    private RaftClient newClient(RaftGroup group, Parameters parameters) {
        RaftProperties props = new RaftProperties();
        RaftClientConfigKeys.Rpc.setRequestTimeout(props, TimeDuration.valueOf(5, TimeUnit.SECONDS));
        return RaftClient.newBuilder().setProperties(props).setParameters(parameters).setRaftGroup(group)
                .setClientId(ClientId.randomId())
                .setRetryPolicy(RetryPolicies.retryUpToMaximumCountWithFixedSleep(10, TimeDuration.valueOf(300, TimeUnit.MILLISECONDS)))
                .build();
    }

    /** Registers this server and ensures the default database, retrying until the cluster has formed. */
    private void bootstrap() {
        boolean registered = false;
        boolean defaultEnsured = false;
        boolean adminEnsured = false;
        while (!closed && !(registered && defaultEnsured && adminEnsured)) {
            try {
                if (!registered) {
                    ServerInfo current = systemState().servers().get(serverId);
                    registered = self.equals(current) || proposeSystem(new SystemCommand.RegisterServer(self)).ok();
                }
                if (registered && !adminEnsured) {
                    adminEnsured = !systemState().users().isEmpty() || proposeSystem(initialAdmin()).ok();
                }
                if (registered && !defaultEnsured) {
                    if (systemState().databases().containsKey(config.defaultDatabase())) {
                        defaultEnsured = true;
                    } else {
                        SystemResult r = proposeSystem(new SystemCommand.CreateDatabase(config.defaultDatabase(), UUID.randomUUID().toString(),
                                config.defaultPrimaries(), config.defaultSecondaries(), true, true, System.currentTimeMillis(), null, null));
                        defaultEnsured = r.ok();
                        if (!r.ok()) {
                            LOG.info("default database not created yet (will retry): {}", r.message());
                        }
                    }
                }
            } catch (GraphException e) {
                LOG.info("cluster not formed yet (will retry): {}", e.getMessage());
            }
            if (!(registered && defaultEnsured && adminEnsured)) {
                try {
                    Thread.sleep(500);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    /** The initial {@code neo4j} admin, created once when the system database has no users. */
    private SystemCommand initialAdmin() {
        InitialPassword initial;
        try {
            initial = InitialPassword.resolve(config.dataDirectory(), System.getenv());
        } catch (IOException e) {
            throw ClusterErrors.unavailable(SystemState.SYSTEM, "cannot read the initial password: " + e.getMessage());
        }
        return new SystemCommand.CreateUser(InitialPassword.USER, PasswordHashing.hash(initial.password()), initial.changeRequired(),
                true, java.util.Set.of("admin", "PUBLIC"));
    }

    /** Proposes a command to the {@code system} database from any member. */
    public SystemResult proposeSystem(SystemCommand command) {
        try {
            RaftClientReply reply = systemClient.io().send(Message.valueOf(ByteString.copyFrom(SystemStateMachine.encode(command))));
            if (!reply.isSuccess()) {
                throw ClusterErrors.unavailable(SystemState.SYSTEM, String.valueOf(reply.getException()));
            }
            return SystemStateMachine.decodeResult(reply.getMessage().getContent().toByteArray());
        } catch (IOException e) {
            throw ClusterErrors.unavailable(SystemState.SYSTEM, "no leader reachable: " + e.getMessage());
        }
    }

    private String boltAddressOf(RaftPeerId id) {
        if (id == null) {
            return null;
        }
        ServerInfo s = systemState().servers().get(id.toString());
        return s == null ? null : s.boltAddress();
    }

    public String serverId() {
        return serverId;
    }

    public ServerInfo info() {
        return self;
    }

    public ServerConfig config() {
        return config;
    }

    public SystemState.Snapshot systemState() {
        SystemStateMachine next = reopenedSystem;
        if (next != null && next.state().version() >= system.state().version()) {
            system = next;
            reopenedSystem = null;
        }
        return system.state();
    }

    /** This server's Raft node (for tests of group life cycles). */
    RaftNode raftNode() {
        return raft;
    }

    /** The state machine of this server's member of the system group (for fault tests). */
    SystemStateMachine systemStateMachine() {
        SystemStateMachine next = reopenedSystem;
        return next != null ? next : system;
    }

    /**
     * Reopens this server's member of the system group after its log failed (e.g. a full disk that
     * has room again). Until the new member has replayed up to what this server already knew, the
     * old view keeps serving, so nothing here sees the system database go back in time.
     */
    private void reopenSystemGroup(RaftGroup group) throws IOException {
        reopenedSystem = system.reopened(); // fresh on every attempt: Ratis closes the one of a failed attempt
        raft.reopenGroup(group);
    }

    public Optional<Database> database(String name) {
        return databases.database(name);
    }

    public List<Database> databases() {
        return databases.all();
    }

    /** True when the system database has a leader this server knows of. */
    public boolean systemHasLeader() {
        return raft.division(RaftGroupId.valueOf(UUID.fromString(systemGroup.groupId())))
                .map(d -> d.getInfo().getLeaderId() != null).orElse(false);
    }

    /** The server id of the system database's leader, if known here. */
    public Optional<String> systemLeaderId() {
        return raft.division(RaftGroupId.valueOf(UUID.fromString(systemGroup.groupId())))
                .map(d -> d.getInfo().getLeaderId()).map(RaftPeerId::toString);
    }

    /**
     * A read index for the system database: asks its leader what it has committed and waits (at
     * most {@code timeout}) until this server has applied that much. A follower learns a commit
     * only with the leader's next append, so a change acknowledged a moment ago (a new user, a new
     * password) may not be here yet; callers use this before refusing something the leader may
     * already allow. Returns true when the local copy moved (worth checking again).
     */
    public boolean catchUpSystem(Duration timeout) {
        RaftGroupId gid = RaftGroupId.valueOf(UUID.fromString(systemGroup.groupId()));
        Optional<org.apache.ratis.server.RaftServer.Division> local = raft.division(gid);
        if (local.isEmpty() || local.get().getInfo().isLeader() || local.get().getInfo().getLeaderId() == null) {
            return false;
        }
        org.apache.ratis.server.RaftServer.Division d = local.get();
        long before = d.getInfo().getLastAppliedIndex();
        long committed;
        try {
            committed = systemClient.getGroupManagementApi(d.getInfo().getLeaderId()).info(gid).getCommitInfos().stream()
                    .mapToLong(org.apache.ratis.proto.RaftProtos.CommitInfoProto::getCommitIndex).max().orElse(before);
        } catch (IOException | RuntimeException e) {
            LOG.debug("system database: could not ask the leader for its commit index", e);
            return false;
        }
        long end = System.nanoTime() + timeout.toNanos();
        while (d.getInfo().getLastAppliedIndex() < committed && System.nanoTime() < end) {
            java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
        }
        return d.getInfo().getLastAppliedIndex() > before;
    }

    /** Waits until this server has applied system state version {@code version} (a system bookmark). */
    public void awaitSystemVersion(long version, Duration timeout) {
        long end = System.nanoTime() + timeout.toNanos();
        while (systemState().version() < version) {
            if (System.nanoTime() > end) {
                throw new GraphException(ClusterErrors.BOOKMARK_TIMEOUT, "The system database on this server has not reached version "
                        + version + " within " + timeout.toMillis() + " ms");
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw ClusterErrors.unavailable(SystemState.SYSTEM, "interrupted");
            }
        }
    }

    public List<ServerInfo> systemMembers() {
        return systemGroup.members();
    }

    public boolean isSystemLeader() {
        return raft.division(RaftGroupId.valueOf(UUID.fromString(systemGroup.groupId())))
                .map(d -> d.getInfo().isLeader()).orElse(false);
    }

    /**
     * Waits until the cluster has formed: the system database has a leader, this server is
     * registered, and every database allocated here and not stopped is open with a known leader.
     */
    public boolean awaitReady(Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end) {
            if (isReady()) {
                return true;
            }
            Thread.sleep(100);
        }
        return isReady();
    }

    public boolean isReady() {
        SystemState.Snapshot s = systemState();
        if (!systemHasLeader() || !s.servers().containsKey(serverId) || !s.databases().containsKey(config.defaultDatabase())) {
            return false;
        }
        return s.databases().values().stream().filter(d -> d.primaryServers().contains(serverId) && "online".equals(d.requestedStatus()))
                .allMatch(d -> databases.database(d.name()).flatMap(Database::leader).isPresent());
    }

    /** The database, once this server hosts it and it has a leader. */
    public Database awaitDatabase(String name, Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end) {
            Optional<Database> db = databases.database(name);
            if (db.isPresent() && db.get().leader().isPresent()) {
                return db.get();
            }
            Thread.sleep(50);
        }
        throw ClusterErrors.unavailable(name, "not available on this server within " + timeout.toSeconds() + " s");
    }

    private byte[] statusJson() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("serverId", serverId);
        out.put("boltAddress", self.boltAddress());
        List<Map<String, Object>> dbs = new ArrayList<>();
        for (Database db : databases.all()) {
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("name", db.name());
            d.put("lineageId", db.lineageId());
            d.put("role", db.role());
            d.put("leader", db.leader().map(RaftPeerId::toString).orElse(null));
            d.put("lastCommittedTxId", db.lastCommittedTxId());
            d.put("chainHash", db.chainHashHex());
            d.put("appliedIndex", db.state().appliedIndex());
            if (db.stoppedApplying() != null) {
                d.put("stoppedApplying", "This server " + db.stoppedApplying());
            }
            db.replicationStatus().ifPresent(r -> {
                Map<String, Object> rep = new LinkedHashMap<>();
                rep.put("state", r.state());
                rep.put("upstreamAddress", r.upstreamAddress());
                rep.put("upstreamLastCommittedTxId", r.upstreamLastCommittedTxId());
                rep.put("lagTransactions", r.lagTransactions());
                rep.put("lagSeconds", Double.isNaN(r.lagSeconds()) ? null : r.lagSeconds());
                d.put("replication", rep);
            });
            dbs.add(d);
        }
        out.put("databases", dbs);
        try {
            return JSON.writeValueAsBytes(out);
        } catch (IOException e) {
            return "{}".getBytes(StandardCharsets.UTF_8);
        }
    }

    @Override
    public void close() {
        closed = true;
        if (bootstrap != null) {
            bootstrap.interrupt();
        }
        closeQuietly(bolt);
        for (ServerExtension extension : extensions) {
            closeQuietly(extension);
        }
        transactionStream.close(); // subscribers move to another member before the stores close
        databases.close();
        closeQuietly(systemClient);
        closeQuietly(raft);
        clusterPort.close();
        closeQuietly(metricsHttp);
        closeQuietly(metrics);
        closeQuietly(clusterTls);
        closeQuietly(boltTls);
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception e) {
            LOG.debug("close failed: {}", e.toString());
        }
    }

    /** Deletes a server's data directory (tests, sandbox reset). */
    public static void wipe(Path dataDir) throws IOException {
        GraphStore.deleteRecursively(dataDir);
    }
}
