package io.ccdr.node.query;

import io.ccdr.metrics.BoltMetrics;
import io.ccdr.node.CcdrServer;
import io.ccdr.node.extension.ServerExtension;
import io.ccdr.node.bolt.BoltBackend;
import io.ccdr.node.bolt.BoltTransaction;
import io.ccdr.node.bolt.RoutingTable;
import io.ccdr.node.bolt.TransactionRequest;
import io.ccdr.node.cypher.CypherEngine;
import io.ccdr.node.dbms.ClusterErrors;
import io.ccdr.node.dbms.Database;
import io.ccdr.node.graph.GraphException;
import io.ccdr.node.memory.MemoryPools;
import io.ccdr.node.security.Authenticator;
import io.ccdr.node.system.SystemState;
import io.ccdr.node.system.UserInfo;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * What Bolt sessions run against: authentication, transactions on the databases this server
 * hosts (Cypher over the replicated store), the {@code system} database's administration
 * commands, procedures, and routing tables.
 */
public final class QueryService implements BoltBackend {
    public static final String SERVER_AGENT = "Neo4j/5.26.0";
    static final String CREDENTIALS_EXPIRED = "Neo.ClientError.Security.CredentialsExpired";
    static final String FORBIDDEN = "Neo.ClientError.Security.Forbidden";

    private final CcdrServer server;
    private final Authenticator authenticator;
    private final Topology topology;
    private final CypherEngine engine;
    private final Procedures procedures;
    private final BoltMetrics metrics;
    private final MemoryPools memoryPools;

    public QueryService(CcdrServer server) {
        this.server = server;
        this.authenticator = new Authenticator(server::systemState, () -> server.catchUpSystem(java.time.Duration.ofSeconds(2)), server.config().authEnabled());
        this.topology = new Topology(server);
        this.procedures = new Procedures(server, topology);
        this.engine = new CypherEngine(procedures);
        this.metrics = BoltMetrics.bind(server.metrics());
        this.memoryPools = new MemoryPools(server.config().transactionMemoryTotalMax(),
                server.config().databaseTransactionMemoryTotalMax(), server.config().transactionMemoryMax());
    }

    CypherEngine engine() {
        return engine;
    }

    /** The heap transactions may hold on this server (the {@code *.memory.transaction.*} limits). */
    MemoryPools memoryPools() {
        return memoryPools;
    }

    /** The engine for {@code system}: also the extensions' DBMS procedures, bound to {@code who}. */
    CypherEngine systemEngine(Principal who) {
        ServerExtension.Caller caller = new ServerExtension.Caller(who.name(), who.admin());
        return new CypherEngine(name -> procedures.lookup(name).or(() -> server.extensions().stream()
                .map(e -> e.systemProcedure(name, caller)).flatMap(Optional::stream).findFirst()));
    }

    @Override
    public String serverAgent() {
        return SERVER_AGENT;
    }

    @Override
    public void connectionOpened() {
        metrics.connectionOpened();
    }

    @Override
    public void connectionClosed() {
        metrics.connectionClosed();
    }

    @Override
    public String authenticate(Map<String, Object> authToken) {
        String scheme = String.valueOf(authToken.getOrDefault("scheme", "none"));
        if (!authenticator.enabled()) {
            Object principal = authToken.get("principal");
            return principal instanceof String p && !p.isEmpty() ? p : InitialUser.NAME;
        }
        if (!"basic".equals(scheme)) {
            throw new GraphException("Neo.ClientError.Security.Unauthorized", "Unsupported authentication scheme '" + scheme
                    + "'; this server requires 'basic' (set dbms.security.auth_enabled=false to allow 'none').");
        }
        Object principal = authToken.get("principal");
        Object credentials = authToken.get("credentials");
        try {
            return authenticator.authenticate(principal instanceof String p ? p : null, credentials instanceof String c ? c : null).name();
        } catch (GraphException e) {
            metrics.recordFailure(e.statusCode());
            throw e;
        }
    }

    /** The effective user of a session: everything is allowed when authentication is disabled. */
    Principal principal(String name) {
        if (!authenticator.enabled()) {
            return new Principal(name, true, false);
        }
        UserInfo u = authenticator.user(name);
        if (u == null) {
            throw new GraphException("Neo.ClientError.Security.Unauthorized", "User '" + name + "' no longer exists.");
        }
        return new Principal(u.name(), u.roles().contains("admin"), u.passwordChangeRequired());
    }

    record Principal(String name, boolean admin, boolean passwordChangeRequired) {
        void requireAdmin(String what) {
            if (!admin) {
                throw new GraphException(FORBIDDEN, "Permission denied: " + what + " requires the admin role.");
            }
        }
    }

    @Override
    public BoltTransaction begin(TransactionRequest request) {
        try {
            return new MeteredTransaction(open(request), metrics);
        } catch (GraphException e) {
            metrics.recordFailure(e.statusCode());
            throw e;
        }
    }

    private BoltTransaction open(TransactionRequest request) {
        Principal who = principal(request.impersonatedUser() != null ? request.impersonatedUser() : request.principal());
        String name = request.database() == null || request.database().isEmpty()
                ? defaultDatabase() : request.database().toLowerCase(Locale.ROOT);
        if (SystemState.SYSTEM.equals(name)) {
            return new SystemTransaction(server, this, who, request);
        }
        if (who.passwordChangeRequired()) {
            throw credentialsExpired();
        }
        Database db = hosted(name);
        return new DatabaseTransaction(db, this, request, Bookmarks.minTxId(request.bookmarks(), name));
    }

    static GraphException credentialsExpired() {
        return new GraphException(CREDENTIALS_EXPIRED, "Permission denied. The credentials you provided were valid, but must be "
                + "changed before you can use this instance. Run ALTER CURRENT USER SET PASSWORD FROM 'old' TO 'new' on the system database.");
    }

    String defaultDatabase() {
        String d = server.systemState().defaultDatabase();
        return d != null ? d : server.config().defaultDatabase();
    }

    Database hosted(String name) {
        var info = server.systemState().databases().get(name);
        if (info != null && "offline".equals(info.requestedStatus())) {
            throw ClusterErrors.unavailable(name, "the database is stopped (START DATABASE " + name + " to start it)");
        }
        Optional<Database> db = server.database(name);
        if (db.isPresent()) {
            return db.get();
        }
        if (server.systemState().databases().containsKey(name)) {
            throw ClusterErrors.unavailable(name, "it is not hosted on this server (yet); use a routing driver (neo4j://) to reach its members");
        }
        throw ClusterErrors.notFound(name);
    }

    /** Database access set by ALTER DATABASE ... SET ACCESS. */
    boolean readOnlyAccess(String database) {
        var info = server.systemState().databases().get(database);
        return info != null && "read-only".equals(info.access());
    }

    @Override
    public RoutingTable route(Map<String, Object> routingContext, String database, List<String> bookmarks, String principal) {
        String name = database == null || database.isEmpty() ? defaultDatabase() : database.toLowerCase(Locale.ROOT);
        return topology.routingTable(name);
    }

    Topology topology() {
        return topology;
    }

    /** The user name of the initial admin. */
    static final class InitialUser {
        static final String NAME = "neo4j";

        private InitialUser() {
        }
    }
}
