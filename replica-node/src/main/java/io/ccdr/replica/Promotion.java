package io.ccdr.replica;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ccdr.node.CcdrServer;
import io.ccdr.node.config.HostPort;
import io.ccdr.node.dbms.Database;
import io.ccdr.node.graph.GraphException;
import io.ccdr.node.raft.ReplicationEntry;
import io.ccdr.node.stream.Frame;
import io.ccdr.node.system.DatabaseInfo;
import io.ccdr.node.system.SystemCommand;
import io.ccdr.node.system.SystemResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The leader's half of a promotion, and fencing. A promotion is requested in the {@code system}
 * database (which stops every member's subscription); the replica group's leader then commits a
 * PROMOTE entry at its last applied txId — after which the group refuses upstream transactions for
 * good — and records the promotion, which makes the database standard and writable.
 *
 * <p>Both halves are driven by the replica supervisor's ticks from recorded state, so a promotion
 * completes even if the caller, or the leader, dies half-way.
 */
final class Promotion {
    private static final Logger LOG = LoggerFactory.getLogger(Promotion.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration FENCE_RETRY = Duration.ofSeconds(2);

    private final CcdrServer server;
    private long nextFenceAttemptNanos;

    Promotion(CcdrServer server) {
        this.server = server;
    }

    /** On the replica's leader, once its subscription has stopped: commit PROMOTE, then record the promotion. */
    void complete(Database db, DatabaseInfo info, ReplicaPuller puller) {
        DatabaseInfo.Promotion requested = info.promotion();
        long at = db.proposeReplication(new ReplicationEntry.Promote(db.lastCommittedTxId(), db.state().chainHash(),
                System.currentTimeMillis()));
        long upstreamTx = puller == null ? -1 : puller.upstreamLastCommittedTxId();
        long upstreamTime = puller == null ? 0 : puller.upstreamLastCommitMillis();
        DatabaseInfo.Promotion done = new DatabaseInfo.Promotion(requested.requestedAtMillis(), requested.fence(), requested.formerUpstream(),
                requested.formerUpstreamAddresses(), at, db.chainHashHex(), System.currentTimeMillis(), upstreamTx, upstreamTime,
                db.state().lastCommitTimeMillis(), "");
        SystemResult r = server.proposeSystem(new SystemCommand.PromoteDatabase(db.name(), done));
        if (!r.ok()) {
            throw new GraphException(r.statusCode(), r.message());
        }
        LOG.info("database '{}' promoted at txId {} (chain hash {}); upstream '{}' last heard at txId {}", db.name(), at, db.chainHashHex(),
                requested.formerUpstream(), upstreamTx);
    }

    /** On the promoted database's leader: tell the old upstream to become read-only, until it acknowledges. */
    void fenceIfDue(Database db, DatabaseInfo info) {
        if (System.nanoTime() - nextFenceAttemptNanos < 0) {
            return;
        }
        nextFenceAttemptNanos = System.nanoTime() + FENCE_RETRY.toNanos();
        DatabaseInfo.Promotion p = info.promotion();
        Map<String, Object> request = new LinkedHashMap<>();
        request.put("database", p.formerUpstream());
        request.put("promotedDatabase", db.name());
        request.put("promotedAtTxId", p.promotedAtTxId());
        request.put("promotedBy", server.info().boltAddress());
        byte[] payload;
        try {
            payload = JSON.writeValueAsBytes(request);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        for (String address : p.formerUpstreamAddresses()) {
            try {
                Frame reply = server.clusterClient().request(HostPort.parse(address), new Frame(Frame.Type.FENCE, payload), Duration.ofSeconds(3));
                JsonNode answer = JSON.readTree(reply.payload());
                String status = "fenced at " + address + " on " + Instant.now() + " (old upstream at txId " + answer.path("lastCommittedTxId").asLong() + ")";
                server.proposeSystem(new SystemCommand.RecordFence(db.name(), status));
                LOG.info("database '{}': old upstream '{}' {}", db.name(), p.formerUpstream(), status);
                return;
            } catch (Exception e) {
                LOG.debug("fencing '{}' at {} failed (will retry): {}", p.formerUpstream(), address, e.toString());
            }
        }
    }

    /**
     * The old upstream's side: make {@code database} read-only with a status message naming the
     * promoted database. Trusted because the cluster port requires a certificate this cluster trusts.
     */
    static Frame handleFence(CcdrServer server, byte[] payload) {
        try {
            JsonNode request = JSON.readTree(payload);
            String database = request.path("database").asText();
            DatabaseInfo info = server.systemState().databases().get(database);
            if (info == null) {
                return error("no database named '" + database + "' here");
            }
            String message = DatabaseInfo.FENCED_PREFIX + "a replica of this database was promoted as '" + request.path("promotedDatabase").asText() + "' at txId "
                    + request.path("promotedAtTxId").asLong() + " (" + request.path("promotedBy").asText() + ") on " + Instant.now()
                    + ". Writes here would diverge from it; see the failback runbook.";
            if (!"read-only".equals(info.access())) {
                check(server.proposeSystem(new SystemCommand.SetDatabaseAccess(database, "read-only")));
            }
            check(server.proposeSystem(new SystemCommand.SetDatabaseStatusMessage(database, message, false)));
            long txId = server.database(database).map(Database::lastCommittedTxId).orElse(-1L);
            LOG.warn("database '{}' fenced: {}", database, message);
            return new Frame(Frame.Type.FENCE_REPLY, JSON.writeValueAsBytes(Map.of("database", database, "lastCommittedTxId", txId)));
        } catch (Exception e) {
            return error(e.getMessage());
        }
    }

    private static void check(SystemResult r) {
        if (!r.ok()) {
            throw new GraphException(r.statusCode(), r.message());
        }
    }

    private static Frame error(String message) {
        return new Frame(Frame.Type.ERROR, ("fence refused: " + message).getBytes(StandardCharsets.UTF_8));
    }
}
