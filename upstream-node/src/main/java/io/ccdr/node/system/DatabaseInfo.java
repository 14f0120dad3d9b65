package io.ccdr.node.system;

import java.util.List;

/**
 * A database as recorded in the {@code system} database: its Raft group, topology and the
 * servers allocated to host it (primaries first). {@code requestedStatus} is {@code online} or
 * {@code offline}; {@code access} is {@code read-write} or {@code read-only}.
 */
public record DatabaseInfo(String name, String groupId, int primaries, int secondaries, List<String> primaryServers,
                           List<String> secondaryServers, String requestedStatus, String access, String type,
                           String statusMessage, long createdAtMillis) {

    public DatabaseInfo {
        primaryServers = List.copyOf(primaryServers);
        secondaryServers = List.copyOf(secondaryServers);
    }

    public boolean hostedOn(String serverId) {
        return primaryServers.contains(serverId) || secondaryServers.contains(serverId);
    }

    DatabaseInfo withStatus(String status) {
        return new DatabaseInfo(name, groupId, primaries, secondaries, primaryServers, secondaryServers, status, access, type,
                statusMessage, createdAtMillis);
    }

    DatabaseInfo withAccess(String newAccess) {
        return new DatabaseInfo(name, groupId, primaries, secondaries, primaryServers, secondaryServers, requestedStatus,
                newAccess, type, statusMessage, createdAtMillis);
    }
}
