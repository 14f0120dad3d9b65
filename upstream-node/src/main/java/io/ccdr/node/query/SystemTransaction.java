package io.ccdr.node.query;

import io.ccdr.node.CcdrServer;
import io.ccdr.node.bolt.BoltResult;
import io.ccdr.node.bolt.BoltTransaction;
import io.ccdr.node.bolt.TransactionRequest;
import io.ccdr.node.config.ServerConfig;
import io.ccdr.node.cypher.AdminCommand;
import io.ccdr.node.cypher.QueryResult;
import com.fasterxml.jackson.databind.JsonNode;
import io.ccdr.node.cypher.CypherEngine;
import io.ccdr.node.cypher.Statement;
import io.ccdr.node.dbms.Database;
import io.ccdr.node.graph.GraphException;
import io.ccdr.node.memory.TransactionMemory;
import io.ccdr.node.security.PasswordHashing;
import io.ccdr.node.system.DatabaseInfo;
import io.ccdr.node.system.ServerInfo;
import io.ccdr.node.system.SystemCommand;
import io.ccdr.node.system.SystemResult;
import io.ccdr.node.system.SystemState;
import io.ccdr.node.system.UserInfo;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

/**
 * A transaction on the {@code system} database: administration commands (SHOW/CREATE/DROP/START/
 * STOP/ALTER DATABASE, users and roles) and procedures. Commands that change the cluster are
 * proposed to the system Raft group and applied on every member.
 */
final class SystemTransaction implements BoltTransaction {
    static final List<String> DATABASE_COLUMNS = List.of("name", "type", "aliases", "access", "address", "role", "writer",
            "requestedStatus", "currentStatus", "statusMessage", "default", "home", "constituents");
    static final List<String> DATABASE_ALL_COLUMNS;
    static final List<String> SERVER_COLUMNS = List.of("name", "address", "state", "health", "hosting");
    static final List<String> SERVER_ALL_COLUMNS = List.of("serverId", "name", "address", "state", "health", "hosting",
            "requestedHosting", "tags", "allowedDatabases", "deniedDatabases", "modeConstraint", "version");
    static final List<String> USER_COLUMNS = List.of("user", "roles", "passwordChangeRequired", "suspended", "home");

    static {
        List<String> all = new ArrayList<>(DATABASE_COLUMNS);
        all.addAll(List.of("serverID", "currentPrimariesCount", "currentSecondariesCount", "requestedPrimariesCount",
                "requestedSecondariesCount", "creationTime", "lastStartTime", "lastStopTime", "store", "lastCommittedTxId",
                "replicationLag", "databaseID", "upstream", "upstreamLastCommittedTxId", "replicaLagTransactions", "replicaLagSeconds",
                "replicationState", "lastCommittedChainHash", "promotedFrom", "promotedAtTxId", "promotedChainHash", "fenceStatus",
                "options", "seededAtTxId", "seededChainHash"));
        DATABASE_ALL_COLUMNS = List.copyOf(all);
    }

    private final CcdrServer server;
    private final QueryService service;
    private final QueryService.Principal who;
    /** Queries on system have no graph, but may still sort or collect much (UNWIND range(...)). */
    private final TransactionMemory memory;
    private boolean failed;

    SystemTransaction(CcdrServer server, QueryService service, QueryService.Principal who, TransactionRequest request) {
        this.server = server;
        this.service = service;
        this.who = who;
        server.awaitSystemVersion(Bookmarks.minTxId(request.bookmarks(), SystemState.SYSTEM), server.config().bookmarkTimeout());
        this.memory = service.memoryPools().newTransaction(SystemState.SYSTEM);
    }

    @Override
    public String database() {
        return SystemState.SYSTEM;
    }

    @Override
    public BoltResult run(String query, Map<String, Object> parameters) {
        if (failed) {
            throw new GraphException("Neo.ClientError.Transaction.TransactionNotFound", "The transaction has failed; start a new one.");
        }
        try {
            CypherEngine engine = service.systemEngine(who);
            Statement statement = engine.parse(query);
            Optional<AdminCommand> admin = statement.adminCommand();
            if (who.passwordChangeRequired() && !(admin.orElse(null) instanceof AdminCommand.AlterCurrentUserPassword)
                    && !(admin.orElse(null) instanceof AdminCommand.ShowCurrentUser)) {
                throw QueryService.credentialsExpired();
            }
            if (admin.isPresent()) {
                return admin(admin.get(), parameters);
            }
            if (statement.kind() != Statement.Kind.QUERY || engine.isWrite(statement)) {
                throw new GraphException("Neo.ClientError.Statement.NotSystemDatabaseError",
                        "This query cannot be run on the system database; run it against a user database.");
            }
            return Results.streaming(engine.stream(EmptyGraph.INSTANCE, statement, parameters,
                    CypherEngine.STANDALONE_DATABASE_ID, memory), SystemState.SYSTEM);
        } catch (RuntimeException e) {
            failed = true;
            throw e;
        }
    }

    @Override
    public String commit() {
        memory.close();
        if (failed) {
            throw new GraphException("Neo.ClientError.Transaction.TransactionCommitFailed", "The transaction failed earlier.");
        }
        return Bookmarks.of(SystemState.SYSTEM, server.systemState().version());
    }

    @Override
    public void rollback() {
        memory.close();
    }

    private BoltResult admin(AdminCommand command, Map<String, Object> params) {
        if (command instanceof AdminCommand.ShowDatabases c) {
            return show(c.projection().apply(DATABASE_COLUMNS, DATABASE_ALL_COLUMNS, databaseRows(c), params));
        }
        if (command instanceof AdminCommand.ShowCurrentUser c) {
            UserInfo u = server.systemState().users().get(who.name());
            List<Map<String, Object>> rows = u == null ? List.of(userRow(new UserInfo(who.name(), "", Set.of("admin"), false, false)))
                    : List.of(userRow(u));
            return show(c.projection().apply(USER_COLUMNS, USER_COLUMNS, rows, params));
        }
        if (command instanceof AdminCommand.AlterCurrentUserPassword c) {
            UserInfo u = server.systemState().users().get(who.name());
            if (u == null || !PasswordHashing.matches(c.oldPassword().resolve(params), u.passwordHash())) {
                throw new GraphException("Neo.ClientError.General.InvalidArguments", "User '" + who.name() + "' failed to alter their own password: Invalid principal or credentials.");
            }
            String next = c.newPassword().resolve(params);
            if (next.equals(c.oldPassword().resolve(params))) {
                throw new GraphException("Neo.ClientError.General.InvalidArguments", "User '" + who.name() + "' failed to alter their own password: Old password and new password cannot be the same.");
            }
            return update(new SystemCommand.SetPassword(who.name(), PasswordHashing.hash(next), false));
        }
        who.requireAdmin(command.getClass().getSimpleName().replaceAll("([a-z])([A-Z])", "$1 $2").toUpperCase(Locale.ROOT));
        if (command instanceof AdminCommand.ShowServers c) {
            return show(c.projection().apply(SERVER_COLUMNS, SERVER_ALL_COLUMNS, serverRows(), params));
        }
        if (command instanceof AdminCommand.ShowUsers c) {
            return show(c.projection().apply(USER_COLUMNS, USER_COLUMNS,
                    server.systemState().users().values().stream().map(this::userRow).toList(), params));
        }
        if (command instanceof AdminCommand.CreateDatabase c) {
            String name = databaseName(c.name());
            int primaries = c.primaries() != null ? c.primaries() : server.config().defaultPrimaries();
            int secondaries = c.secondaries() != null ? c.secondaries() : 0;
            // an existing name fails (or, IF NOT EXISTS, does nothing) before any seed is read
            boolean existed = server.systemState().databases().containsKey(name);
            Optional<SeededCreation.Checked> seed = existed ? Optional.empty() : SeededCreation.check(name, c.options(), params);
            BoltResult r = update(new SystemCommand.CreateDatabase(name, UUID.randomUUID().toString(), primaries, secondaries,
                    c.ifNotExists(), false, System.currentTimeMillis(), seed.map(SeededCreation.Checked::seed).orElse(null),
                    seed.map(SeededCreation.Checked::lineageId).orElse(null)));
            if (seed.isPresent()) {
                SeededCreation.awaitSeeded(server, name, seed.get().seed(),
                        c.waitSeconds() != null ? Duration.ofSeconds(c.waitSeconds()) : SeededCreation.DEFAULT_WAIT);
            }
            awaitAvailable(name, c.waitSeconds() != null ? Duration.ofSeconds(c.waitSeconds()) : Duration.ofSeconds(30));
            if (!existed && SeededCreation.usesExistingData(c.options(), params)) {
                SeededCreation.awaitSameExistingData(server, name, Duration.ofSeconds(30));
            }
            return r;
        }
        if (command instanceof AdminCommand.DropDatabase c) {
            return update(new SystemCommand.DropDatabase(databaseName(c.name()), c.ifExists()));
        }
        if (command instanceof AdminCommand.StartDatabase c) {
            return update(new SystemCommand.SetDatabaseStatus(databaseName(c.name()), "online"));
        }
        if (command instanceof AdminCommand.StopDatabase c) {
            return update(new SystemCommand.SetDatabaseStatus(databaseName(c.name()), "offline"));
        }
        if (command instanceof AdminCommand.AlterDatabaseAccess c) {
            String name = databaseName(c.name());
            if (c.ifExists() && !server.systemState().databases().containsKey(name)) {
                return show(new QueryResult(List.of(), List.of(), null, "s"));
            }
            return update(new SystemCommand.SetDatabaseAccess(name, c.readOnly() ? "read-only" : "read-write"));
        }
        if (command instanceof AdminCommand.CreateUser c) {
            return update(new SystemCommand.CreateUser(c.name(), PasswordHashing.hash(c.password().resolve(params)), c.changeRequired(),
                    c.ifNotExists(), Set.of("PUBLIC")));
        }
        if (command instanceof AdminCommand.DropUser c) {
            if (c.name().equals(who.name())) {
                throw new GraphException("Neo.ClientError.General.InvalidArguments", "Failed to delete the specified user '" + c.name() + "': Deleting yourself is not allowed.");
            }
            return update(new SystemCommand.DropUser(c.name(), c.ifExists()));
        }
        if (command instanceof AdminCommand.GrantRoles c) {
            return forEachRoleAndUser(c.roles(), c.users(), SystemCommand.GrantRole::new);
        }
        if (command instanceof AdminCommand.RevokeRoles c) {
            return forEachRoleAndUser(c.roles(), c.users(), SystemCommand.RevokeRole::new);
        }
        throw new GraphException("Neo.ClientError.Statement.NotSystemDatabaseError", "Unsupported administration command: " + command);
    }

    private BoltResult forEachRoleAndUser(List<String> roles, List<String> users,
                                          java.util.function.BiFunction<String, String, SystemCommand> command) {
        BoltResult last = null;
        for (String role : roles) {
            for (String user : users) {
                last = update(command.apply(role, user));
            }
        }
        return last;
    }

    private static String databaseName(String name) {
        try {
            return ServerConfig.databaseName(name);
        } catch (IllegalArgumentException e) {
            throw new GraphException("Neo.ClientError.Statement.ArgumentError", e.getMessage());
        }
    }

    private void awaitAvailable(String name, Duration timeout) {
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end) {
            if (service.topology().leaderId(name).isPresent()) {
                return;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private BoltResult update(SystemCommand command) {
        SystemResult r = server.proposeSystem(command);
        if (!r.ok()) {
            throw new GraphException(r.statusCode(), r.message());
        }
        Map<String, Object> stats = new LinkedHashMap<>();
        stats.put("system-updates", 1L);
        stats.put("contains-system-updates", true);
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("type", "s");
        summary.put("db", SystemState.SYSTEM);
        summary.put("stats", stats);
        return BoltResult.of(List.of(), List.of(), summary);
    }

    private static BoltResult show(QueryResult r) {
        return Results.of(r, SystemState.SYSTEM);
    }

    private Map<String, Object> userRow(UserInfo u) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("user", u.name());
        row.put("roles", List.copyOf(new TreeSet<>(u.roles())));
        row.put("passwordChangeRequired", u.passwordChangeRequired());
        row.put("suspended", u.suspended());
        row.put("home", null);
        return row;
    }

    private List<Map<String, Object>> serverRows() {
        SystemState.Snapshot st = server.systemState();
        List<Map<String, Object>> rows = new ArrayList<>();
        for (ServerInfo s : st.servers().values()) {
            List<String> hosting = new ArrayList<>();
            if (server.systemMembers().stream().anyMatch(m -> m.id().equals(s.id()))) {
                hosting.add(SystemState.SYSTEM);
            }
            st.databases().values().stream().filter(d -> d.hostedOn(s.id())).map(DatabaseInfo::name).forEach(hosting::add);
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("serverId", s.id());
            row.put("name", s.id());
            row.put("address", s.boltAddress());
            row.put("state", "Enabled");
            row.put("health", "Available");
            row.put("hosting", hosting);
            row.put("requestedHosting", hosting);
            row.put("tags", List.of());
            row.put("allowedDatabases", List.of());
            row.put("deniedDatabases", List.of());
            row.put("modeConstraint", s.modeConstraint());
            row.put("version", "5.26.0");
            rows.add(row);
        }
        return rows;
    }

    /** The replica's upstream and stream as reported by the member that runs its subscription (null for other databases). */
    private static void replicaColumns(Map<String, Object> row, DatabaseInfo d, ClusterStatus status) {
        Optional<JsonNode> rep = d.isReplica() ? status.replication(d.name()) : Optional.empty();
        row.put("upstream", d.upstream() == null ? null : d.upstream().database() + "@" + String.join(",", d.upstream().addresses()));
        row.put("upstreamLastCommittedTxId", rep.map(r -> r.path("upstreamLastCommittedTxId").asLong()).filter(v -> v >= 0).orElse(null));
        row.put("replicaLagTransactions", rep.map(r -> r.path("lagTransactions").asLong()).orElse(null));
        row.put("replicaLagSeconds", rep.filter(r -> r.path("lagSeconds").isNumber()).map(r -> r.path("lagSeconds").asDouble()).orElse(null));
        String state = rep.map(r -> r.path("state").asText()).orElse(null);
        if (d.isReplica() && state == null) {
            state = d.upstream() != null && d.upstream().stopped() ? "stopped" : "unknown";
        }
        row.put("replicationState", state);
        DatabaseInfo.Promotion p = d.promotion();
        boolean done = p != null && p.done();
        row.put("promotedFrom", done ? p.formerUpstream() + "@" + String.join(",", p.formerUpstreamAddresses()) : null);
        row.put("promotedAtTxId", done ? p.promotedAtTxId() : null);
        row.put("promotedChainHash", done ? p.chainHashHex() : null);
        row.put("fenceStatus", p == null || !p.fence() ? null : (p.fenceStatus().isEmpty() ? "pending" : p.fenceStatus()));
    }

    private List<Map<String, Object>> databaseRows(AdminCommand.ShowDatabases c) {
        SystemState.Snapshot st = server.systemState();
        String defaultDb = service.defaultDatabase();
        List<Map<String, Object>> rows = new ArrayList<>();
        List<DatabaseInfo> databases = new ArrayList<>();
        databases.add(new DatabaseInfo(SystemState.SYSTEM, "system", server.systemMembers().size(), 0,
                server.systemMembers().stream().map(ServerInfo::id).toList(), List.of(), "online", "read-write", "system", "", 0, null, null,
                null, Map.of(), null));
        databases.addAll(st.databases().values());
        ClusterStatus status = ClusterStatus.gather(server, List.copyOf(st.servers().values()));
        for (DatabaseInfo d : databases) {
            boolean wanted = switch (c.scope()) {
                case ALL -> true;
                case NAMED -> d.name().equalsIgnoreCase(c.name());
                case DEFAULT, HOME -> d.name().equals(defaultDb);
            };
            if (!wanted) {
                continue;
            }
            Optional<String> leader = service.topology().leaderId(d.name());
            List<String> members = new ArrayList<>(d.primaryServers());
            members.addAll(d.secondaryServers());
            for (String id : members) {
                ServerInfo s = st.servers().get(id);
                boolean primary = d.primaryServers().contains(id);
                Optional<JsonNode> member = status.of(id, d.name());
                // a member that stopped applying (e.g. a full disk) says so itself, and records it in the system database
                String memberFailure = Optional.ofNullable(d.failedMembers().get(id))
                        .or(() -> member.map(n -> n.path("stoppedApplying").asText(null))).orElse(null);
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("name", d.name());
                row.put("type", d.type());
                row.put("aliases", List.of());
                row.put("access", d.access());
                row.put("address", s == null ? null : s.boltAddress());
                row.put("role", primary ? "primary" : "secondary");
                row.put("writer", leader.map(id::equals).orElse(false) && "standard".equals(d.type()) || leader.map(id::equals).orElse(false) && "system".equals(d.type()));
                row.put("requestedStatus", d.requestedStatus());
                row.put("currentStatus", s == null ? "unknown" : memberFailure != null ? "offline" : d.requestedStatus());
                row.put("statusMessage", memberFailure != null ? memberFailure : d.statusMessage());
                row.put("default", d.name().equals(defaultDb));
                row.put("home", d.name().equals(defaultDb));
                row.put("constituents", List.of());
                row.put("serverID", id);
                row.put("currentPrimariesCount", (long) d.primaryServers().size());
                row.put("currentSecondariesCount", (long) d.secondaryServers().size());
                row.put("requestedPrimariesCount", (long) d.primaries());
                row.put("requestedSecondariesCount", (long) d.secondaries());
                row.put("creationTime", d.createdAtMillis() == 0 ? null : Instant.ofEpochMilli(d.createdAtMillis()).atZone(ZoneOffset.UTC));
                row.put("lastStartTime", null);
                row.put("lastStopTime", null);
                row.put("store", "ccdr-rocksdb-1.0");
                Optional<JsonNode> leaderStatus = leader.flatMap(l -> status.of(l, d.name()));
                Long txId = member.map(n -> n.path("lastCommittedTxId").asLong()).orElse(null);
                row.put("lastCommittedTxId", txId);
                row.put("lastCommittedChainHash", member.map(n -> n.path("chainHash").asText(null)).orElse(null));
                row.put("replicationLag", txId == null ? null : leaderStatus.map(n -> Math.max(0L, n.path("lastCommittedTxId").asLong() - txId))
                        .orElse(null));
                row.put("databaseID", d.groupId());
                replicaColumns(row, d, status);
                row.put("options", SeededCreation.optionsColumn(d));
                row.put("seededAtTxId", d.seed() == null ? null : d.seed().txId());
                row.put("seededChainHash", d.seed() == null ? null : d.seed().chainHashHex());
                rows.add(row);
            }
        }
        return rows;
    }
}
