package io.ccdr.node.system;

import java.util.List;

/**
 * A database as recorded in the {@code system} database: its Raft group, topology and the
 * servers allocated to host it (primaries first). {@code requestedStatus} is {@code online} or
 * {@code offline}; {@code access} is {@code read-write} or {@code read-only}.
 *
 * <p>{@code lineageId} names the history the database holds: a database created here starts one
 * (its Raft group id), a replica continues its upstream's (the upstream's lineage id, asked for when
 * the replica is created), and a promotion keeps it. It is the database part of element ids, so an
 * element keeps its id on every member, across promotion and failback (docs/design/element-ids.md).
 * Entries written before lineage ids existed read as their own group id.
 *
 * <p>{@code failedMembers} are the hosting servers that reported they stopped applying its
 * transactions (server id → why, e.g. a full disk): they serve no reads and are left out of routing
 * tables until they recover.
 */
public record DatabaseInfo(String name, String groupId, int primaries, int secondaries, List<String> primaryServers,
                           List<String> secondaryServers, String requestedStatus, String access, String type,
                           String statusMessage, long createdAtMillis, Upstream upstream, Promotion promotion,
                           String lineageId, java.util.Map<String, String> failedMembers, Seed seed) {
    public static final String STANDARD = "standard";
    public static final String REPLICA = "replica";
    /**
     * How a fenced database's status message starts (a replica of it was promoted elsewhere). Lifting
     * the fence ({@code ALTER DATABASE … SET ACCESS READ WRITE}) clears such a message.
     */
    public static final String FENCED_PREFIX = "Fenced: ";

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

    /**
     * The promotion of a replica: requested (with or without fencing the old upstream), then done at
     * {@code promotedAtTxId} (-1 until then). What the replica last heard of its upstream is kept,
     * so operators see what a promotion may have missed. {@code fenceStatus} is empty until the old
     * upstream acknowledged being fenced.
     */
    public record Promotion(long requestedAtMillis, boolean fence, String formerUpstream, List<String> formerUpstreamAddresses,
                            long promotedAtTxId, String chainHashHex, long promotedAtMillis, long upstreamLastKnownTxId,
                            long upstreamLastKnownCommitMillis, long lastAppliedCommitMillis, String fenceStatus) {
        public Promotion {
            formerUpstreamAddresses = List.copyOf(formerUpstreamAddresses);
        }

        public boolean done() {
            return promotedAtTxId >= 0;
        }

        public Promotion withFenceStatus(String status) {
            return new Promotion(requestedAtMillis, fence, formerUpstream, formerUpstreamAddresses, promotedAtTxId, chainHashHex,
                    promotedAtMillis, upstreamLastKnownTxId, upstreamLastKnownCommitMillis, lastAppliedCommitMillis, status);
        }
    }

    /**
     * Where a database seeded from a backup came from: the {@code seedURI} and the restore point
     * asked for ({@link io.ccdr.node.backup.RestoreUntil}'s two bounds), and what the server that ran
     * {@code CREATE DATABASE} found the seed restores to. Every hosting server restores the same seed
     * and must reach exactly {@code txId} and {@code chainHashHex} before its member starts.
     */
    public record Seed(String uri, long untilTxId, long untilCommitMillis, long txId, String chainHashHex) {
    }

    public DatabaseInfo {
        primaryServers = List.copyOf(primaryServers);
        secondaryServers = List.copyOf(secondaryServers);
        if (lineageId == null || lineageId.isEmpty()) {
            lineageId = groupId;
        }
        failedMembers = failedMembers == null ? java.util.Map.of() : java.util.Map.copyOf(failedMembers); // absent in older snapshots
    }

    DatabaseInfo withFailedMember(String serverId, String why) {
        java.util.Map<String, String> failed = new java.util.TreeMap<>(failedMembers);
        if (why == null || why.isEmpty()) {
            failed.remove(serverId);
        } else {
            failed.put(serverId, why);
        }
        return new DatabaseInfo(name, groupId, primaries, secondaries, primaryServers, secondaryServers, requestedStatus, access, type,
                statusMessage, createdAtMillis, upstream, promotion, lineageId, failed, seed);
    }

    public boolean isReplica() {
        return REPLICA.equals(type);
    }

    public boolean hostedOn(String serverId) {
        return primaryServers.contains(serverId) || secondaryServers.contains(serverId);
    }

    DatabaseInfo withStatus(String status) {
        return new DatabaseInfo(name, groupId, primaries, secondaries, primaryServers, secondaryServers, status, access, type,
                statusMessage, createdAtMillis, upstream, promotion, lineageId, failedMembers, seed);
    }

    DatabaseInfo withAccess(String newAccess) {
        return new DatabaseInfo(name, groupId, primaries, secondaries, primaryServers, secondaryServers, requestedStatus,
                newAccess, type, statusMessage, createdAtMillis, upstream, promotion, lineageId, failedMembers, seed);
    }

    DatabaseInfo withStatusMessage(String message, boolean replicationStopped) {
        Upstream u = upstream == null ? null : new Upstream(upstream.database(), upstream.addresses(), replicationStopped);
        return new DatabaseInfo(name, groupId, primaries, secondaries, primaryServers, secondaryServers, requestedStatus, access, type,
                message, createdAtMillis, u, promotion, lineageId, failedMembers, seed);
    }

    /** A replica whose promotion was asked for: it stops pulling at once; its leader completes the promotion. */
    DatabaseInfo promotionRequested(Promotion requested) {
        Upstream u = new Upstream(upstream.database(), upstream.addresses(), true);
        return new DatabaseInfo(name, groupId, primaries, secondaries, primaryServers, secondaryServers, requestedStatus, access, type,
                "Promotion requested", createdAtMillis, u, requested, lineageId, failedMembers, seed);
    }

    /** A promoted replica: a standard database with no upstream, for good. */
    DatabaseInfo promoted(Promotion done) {
        return new DatabaseInfo(name, groupId, primaries, secondaries, primaryServers, secondaryServers, requestedStatus, "read-write",
                STANDARD, "", createdAtMillis, null, done, lineageId, failedMembers, seed);
    }

    DatabaseInfo withPromotion(Promotion p) {
        return new DatabaseInfo(name, groupId, primaries, secondaries, primaryServers, secondaryServers, requestedStatus, access, type,
                statusMessage, createdAtMillis, upstream, p, lineageId, failedMembers, seed);
    }
}
