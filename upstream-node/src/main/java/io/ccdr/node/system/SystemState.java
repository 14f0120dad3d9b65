package io.ccdr.node.system;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The replicated cluster metadata: servers, databases and their allocations. Only the system state
 * machine mutates it (on its apply thread); readers get immutable {@link #snapshot() snapshots}.
 */
public final class SystemState {
    public static final String SYSTEM = "system";

    /** Jackson-friendly immutable copy. */
    public record Snapshot(Map<String, ServerInfo> servers, Map<String, DatabaseInfo> databases, String defaultDatabase,
                           Map<String, UserInfo> users, long version) {
        public Snapshot {
            servers = Map.copyOf(servers);
            databases = Map.copyOf(databases);
            users = users == null ? Map.of() : Map.copyOf(users);
        }

        public static Snapshot empty() {
            return new Snapshot(Map.of(), Map.of(), null, Map.of(), 0);
        }
    }

    /** Neo4j's built-in roles. */
    public static final java.util.Set<String> ROLES = java.util.Set.of("PUBLIC", "reader", "editor", "publisher", "architect", "admin");

    private final TreeMap<String, ServerInfo> servers = new TreeMap<>();
    private final TreeMap<String, DatabaseInfo> databases = new TreeMap<>();
    private final TreeMap<String, UserInfo> users = new TreeMap<>();
    private String defaultDatabase;
    private long version;
    private volatile Snapshot snapshot = Snapshot.empty();

    public Snapshot snapshot() {
        return snapshot;
    }

    void load(Snapshot s) {
        servers.clear();
        servers.putAll(s.servers());
        databases.clear();
        databases.putAll(s.databases());
        defaultDatabase = s.defaultDatabase();
        users.clear();
        users.putAll(s.users());
        version = s.version();
        snapshot = s;
    }

    SystemResult apply(SystemCommand command) {
        SystemResult r;
        if (command instanceof SystemCommand.RegisterServer c) {
            r = register(c);
        } else if (command instanceof SystemCommand.CreateDatabase c) {
            r = create(c);
        } else if (command instanceof SystemCommand.DropDatabase c) {
            r = drop(c);
        } else if (command instanceof SystemCommand.SetDatabaseStatus c) {
            r = setStatus(c);
        } else if (command instanceof SystemCommand.SetDatabaseAccess c) {
            r = setAccess(c);
        } else if (command instanceof SystemCommand.CreateUser c) {
            r = createUser(c);
        } else if (command instanceof SystemCommand.DropUser c) {
            r = dropUser(c);
        } else if (command instanceof SystemCommand.SetPassword c) {
            r = setPassword(c);
        } else if (command instanceof SystemCommand.CreateReplicaDatabase c) {
            r = createReplica(c);
        } else if (command instanceof SystemCommand.SetDatabaseStatusMessage c) {
            r = setStatusMessage(c);
        } else if (command instanceof SystemCommand.RequestPromotion c) {
            r = requestPromotion(c);
        } else if (command instanceof SystemCommand.PromoteDatabase c) {
            r = promote(c);
        } else if (command instanceof SystemCommand.RecordFence c) {
            r = recordFence(c);
        } else if (command instanceof SystemCommand.SetMemberFailure c) {
            r = setMemberFailure(c);
        } else if (command instanceof SystemCommand.GrantRole c) {
            r = changeRole(c.role(), c.user(), true);
        } else {
            SystemCommand.RevokeRole c = (SystemCommand.RevokeRole) command;
            r = changeRole(c.role(), c.user(), false);
        }
        if (r.ok()) {
            version++;
            snapshot = new Snapshot(servers, databases, defaultDatabase, users, version);
        }
        return r;
    }

    private SystemResult register(SystemCommand.RegisterServer c) {
        ServerInfo previous = servers.put(c.server().id(), c.server());
        return SystemResult.success(previous == null ? "registered" : "updated");
    }

    private SystemResult create(SystemCommand.CreateDatabase c) {
        if (databases.containsKey(c.name()) || SYSTEM.equals(c.name())) {
            return c.ifNotExists() ? SystemResult.success("exists") : exists(c.name());
        }
        // a new database starts a history of its own (its lineage is its group); a seeded one continues the backup's
        return allocate(c.name(), c.groupId(), c.primaries(), c.secondaries(), DatabaseInfo.STANDARD, null, c.timeMillis(), c.makeDefault(),
                c.seedLineageId() != null ? c.seedLineageId() : c.groupId(), c.seed());
    }

    private static SystemResult exists(String name) {
        return SystemResult.failure("Neo.ClientError.Database.ExistingDatabaseFound", "Failed to create the specified database '" + name
                + "': Database already exists.");
    }

    private SystemResult createReplica(SystemCommand.CreateReplicaDatabase c) {
        if (databases.containsKey(c.name()) || SYSTEM.equals(c.name())) {
            return exists(c.name());
        }
        return allocate(c.name(), c.groupId(), c.primaries(), c.secondaries(), DatabaseInfo.REPLICA, c.upstream(), c.timeMillis(), false,
                c.lineageId(), null);
    }

    private SystemResult setStatusMessage(SystemCommand.SetDatabaseStatusMessage c) {
        DatabaseInfo d = databases.get(c.name());
        if (d == null) {
            return notFound(c.name());
        }
        databases.put(c.name(), d.withStatusMessage(c.message(), c.replicationStopped()));
        return SystemResult.success("status message set");
    }

    private SystemResult setMemberFailure(SystemCommand.SetMemberFailure c) {
        DatabaseInfo d = databases.get(c.name());
        if (d == null) {
            return notFound(c.name());
        }
        if (!d.hostedOn(c.serverId())) {
            return SystemResult.failure("Neo.ClientError.Cluster.NotAllocated", "Database '" + c.name() + "' is not hosted on server "
                    + c.serverId());
        }
        databases.put(c.name(), d.withFailedMember(c.serverId(), c.why()));
        return SystemResult.success(c.why() == null || c.why().isEmpty() ? "member recovered" : "member failure recorded");
    }

    private SystemResult requestPromotion(SystemCommand.RequestPromotion c) {
        DatabaseInfo d = databases.get(c.name());
        if (d == null) {
            return notFound(c.name());
        }
        if (!d.isReplica()) {
            return notAReplica(d);
        }
        if (d.promotion() != null) {
            return SystemResult.success("promotion already requested");
        }
        databases.put(c.name(), d.promotionRequested(new DatabaseInfo.Promotion(c.timeMillis(), c.fence(), d.upstream().database(),
                d.upstream().addresses(), -1, "", 0, -1, 0, 0, "")));
        return SystemResult.success("promotion requested");
    }

    static SystemResult notAReplica(DatabaseInfo d) {
        if (d.promotion() != null && d.promotion().done()) {
            return SystemResult.failure("Neo.ClientError.General.InvalidArguments", "Database '" + d.name() + "' was already promoted at txId "
                    + d.promotion().promotedAtTxId() + "; it is a standard database now and can never follow an upstream again. "
                    + "To follow another database, create a new replica.");
        }
        return SystemResult.failure("Neo.ClientError.General.InvalidArguments", "Database '" + d.name() + "' is not a replica database (type "
                + d.type() + "); only replica databases can be promoted.");
    }

    private SystemResult promote(SystemCommand.PromoteDatabase c) {
        DatabaseInfo d = databases.get(c.name());
        if (d == null) {
            return notFound(c.name());
        }
        if (!d.isReplica()) {
            return notAReplica(d);
        }
        databases.put(c.name(), d.promoted(c.promotion()));
        return SystemResult.success("promoted");
    }

    private SystemResult recordFence(SystemCommand.RecordFence c) {
        DatabaseInfo d = databases.get(c.name());
        if (d == null || d.promotion() == null) {
            return notFound(c.name());
        }
        databases.put(c.name(), d.withPromotion(d.promotion().withFenceStatus(c.status())));
        return SystemResult.success("fence recorded");
    }

    private SystemResult allocate(String name, String groupId, int primaryCount, int secondaryCount, String type,
                                  DatabaseInfo.Upstream upstream, long timeMillis, boolean makeDefault, String lineageId,
                                  DatabaseInfo.Seed seed) {
        List<ServerInfo> candidates = new ArrayList<>(servers.values().stream().filter(ServerInfo::canHostPrimary).toList());
        if (candidates.size() < primaryCount) {
            return SystemResult.failure("Neo.ClientError.Cluster.NotEnoughServers", "Cannot allocate database '" + name + "': it needs "
                    + primaryCount + " primaries but only " + candidates.size() + " primary-capable servers are enabled");
        }
        // least loaded first, then by id: deterministic on every member
        Comparator<ServerInfo> byLoad = Comparator.<ServerInfo>comparingLong(s -> databases.values().stream()
                .filter(d -> d.hostedOn(s.id())).count()).thenComparing(ServerInfo::id);
        candidates.sort(byLoad);
        List<String> primaries = candidates.subList(0, primaryCount).stream().map(ServerInfo::id).toList();
        List<ServerInfo> others = new ArrayList<>(servers.values().stream().filter(s -> !primaries.contains(s.id())).toList());
        others.sort(byLoad);
        if (others.size() < secondaryCount) {
            return SystemResult.failure("Neo.ClientError.Cluster.NotEnoughServers", "Cannot allocate database '" + name + "': it needs "
                    + secondaryCount + " secondaries but only " + others.size() + " more servers are enabled");
        }
        List<String> secondaries = others.subList(0, secondaryCount).stream().map(ServerInfo::id).toList();
        databases.put(name, new DatabaseInfo(name, groupId, primaryCount, secondaryCount, primaries, secondaries,
                "online", DatabaseInfo.REPLICA.equals(type) ? "read-only" : "read-write", type, "", timeMillis, upstream, null,
                lineageId, Map.of(), seed));
        if (makeDefault && defaultDatabase == null) {
            defaultDatabase = name;
        }
        return SystemResult.success("created");
    }

    private SystemResult drop(SystemCommand.DropDatabase c) {
        if (SYSTEM.equals(c.name())) {
            return SystemResult.failure("Neo.ClientError.Statement.NotSystemDatabaseError", "The system database cannot be dropped.");
        }
        if (databases.remove(c.name()) == null) {
            return c.ifExists() ? SystemResult.success("absent") : notFound(c.name());
        }
        if (c.name().equals(defaultDatabase)) {
            defaultDatabase = null;
        }
        return SystemResult.success("dropped");
    }

    private SystemResult setStatus(SystemCommand.SetDatabaseStatus c) {
        DatabaseInfo d = databases.get(c.name());
        if (d == null) {
            return notFound(c.name());
        }
        databases.put(c.name(), d.withStatus(c.requestedStatus()));
        return SystemResult.success(c.requestedStatus());
    }

    private SystemResult setAccess(SystemCommand.SetDatabaseAccess c) {
        DatabaseInfo d = databases.get(c.name());
        if (d == null) {
            return notFound(c.name());
        }
        if (d.isReplica() && "read-write".equals(c.access())) {
            return SystemResult.failure("Neo.ClientError.General.ForbiddenOnReadOnlyDatabase", "Database '" + c.name() + "' is a replica of '"
                    + (d.upstream() == null ? "?" : d.upstream().database()) + "' and stays read-only; promote it to make it writable: "
                    + "CALL internal.dbms.promoteReplicaDatabase('" + c.name() + "').");
        }
        DatabaseInfo changed = d.withAccess(c.access());
        if ("read-write".equals(c.access()) && d.statusMessage() != null && d.statusMessage().startsWith(DatabaseInfo.FENCED_PREFIX)) {
            changed = changed.withStatusMessage("", false); // the operator lifted the fence: its message no longer holds
        }
        databases.put(c.name(), changed);
        return SystemResult.success(c.access());
    }

    private SystemResult createUser(SystemCommand.CreateUser c) {
        if (users.containsKey(c.name())) {
            return c.ifNotExists() ? SystemResult.success("exists")
                    : SystemResult.failure("Neo.ClientError.General.InvalidArguments", "Failed to create the specified user '" + c.name() + "': User already exists.");
        }
        for (String role : c.roles()) {
            if (!ROLES.contains(role)) {
                return SystemResult.failure("Neo.ClientError.General.InvalidArguments", "Role '" + role + "' does not exist.");
            }
        }
        users.put(c.name(), new UserInfo(c.name(), c.passwordHash(), c.roles(), c.changeRequired(), false));
        return SystemResult.success("created");
    }

    private SystemResult dropUser(SystemCommand.DropUser c) {
        if (users.remove(c.name()) == null) {
            return c.ifExists() ? SystemResult.success("absent") : userNotFound(c.name());
        }
        return SystemResult.success("dropped");
    }

    private SystemResult setPassword(SystemCommand.SetPassword c) {
        UserInfo u = users.get(c.name());
        if (u == null) {
            return userNotFound(c.name());
        }
        users.put(c.name(), u.withPassword(c.passwordHash(), c.changeRequired()));
        return SystemResult.success("password set");
    }

    private SystemResult changeRole(String role, String user, boolean grant) {
        UserInfo u = users.get(user);
        if (u == null) {
            return userNotFound(user);
        }
        if (!ROLES.contains(role)) {
            return SystemResult.failure("Neo.ClientError.General.InvalidArguments", "Role '" + role + "' does not exist.");
        }
        java.util.Set<String> roles = new java.util.TreeSet<>(u.roles());
        if (grant) {
            roles.add(role);
        } else {
            roles.remove(role);
        }
        users.put(user, u.withRoles(roles));
        return SystemResult.success(grant ? "granted" : "revoked");
    }

    private static SystemResult userNotFound(String name) {
        return SystemResult.failure("Neo.ClientError.General.InvalidArguments", "User '" + name + "' does not exist.");
    }

    private static SystemResult notFound(String name) {
        return SystemResult.failure("Neo.ClientError.Database.DatabaseNotFound", "Database does not exist. Database name: '" + name + "'.");
    }
}
