package io.ccdr.node.system;

import java.util.List;

/**
 * A database as recorded in the {@code system} database: its Raft group, topology and the
 * servers allocated to host it (primaries first). {@code requestedStatus} is {@code online} or
 * {@code offline}; {@code access} is {@code read-write} or {@code read-only}.
 */
public record DatabaseInfo(String name, String groupId, int primaries, int secondaries, List<String> primaryServers,
                           List<String> secondaryServers, String requestedStatus, String access, String type,
                           String statusMessage, long createdAtMillis, Upstream upstream) {
    public static final String STANDARD = "standard";
    public static final String REPLICA = "replica";

    /**
     * Where a replica database pulls from: the upstream database's name and its servers'
     * {@code server.cluster.advertised_address} values. {@code stopped} is set (with the database's
     * status message) when replication stopped for good, e.g. on a break in the chain.
     */
    public record Upstream(String database, List<String> addresses, boolean stopped) {
        public Upstream {
            addresses = List.copyOf(addresses);
        }
    }

    public DatabaseInfo {
        primaryServers = List.copyOf(primaryServers);
        secondaryServers = List.copyOf(secondaryServers);
    }

    public boolean isReplica() {
        return REPLICA.equals(type);
    }

    public boolean hostedOn(String serverId) {
        return primaryServers.contains(serverId) || secondaryServers.contains(serverId);
    }

    DatabaseInfo withStatus(String status) {
        return new DatabaseInfo(name, groupId, primaries, secondaries, primaryServers, secondaryServers, status, access, type,
                statusMessage, createdAtMillis, upstream);
    }

    DatabaseInfo withAccess(String newAccess) {
        return new DatabaseInfo(name, groupId, primaries, secondaries, primaryServers, secondaryServers, requestedStatus,
                newAccess, type, statusMessage, createdAtMillis, upstream);
    }

    DatabaseInfo withStatusMessage(String message, boolean replicationStopped) {
        Upstream u = upstream == null ? null : new Upstream(upstream.database(), upstream.addresses(), replicationStopped);
        return new DatabaseInfo(name, groupId, primaries, secondaries, primaryServers, secondaryServers, requestedStatus, access, type,
                message, createdAtMillis, u);
    }

    /** A promoted replica: a standard database with no upstream, for good. */
    DatabaseInfo promoted(String message) {
        return new DatabaseInfo(name, groupId, primaries, secondaries, primaryServers, secondaryServers, requestedStatus, "read-write",
                STANDARD, message, createdAtMillis, null);
    }
}
