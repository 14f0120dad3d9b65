package io.ccdr.replica;

import io.ccdr.node.CcdrServer;
import io.ccdr.node.cypher.CallContext;
import io.ccdr.node.dbms.ClusterErrors;
import io.ccdr.node.extension.ServerExtension;
import io.ccdr.node.graph.GraphException;
import io.ccdr.node.system.DatabaseInfo;
import io.ccdr.node.system.SystemCommand;
import io.ccdr.node.system.SystemResult;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code CALL internal.dbms.promoteReplicaDatabase(name [, {fence: true}])} and
 * {@code internal.dbms.promoteReplicaDatabaseWithTopology(name, primaries, secondaries [, {fence: true}])}
 * on the {@code system} database: turns a replica into a standard, writable database, one way. Works
 * with the upstream gone. Returns the txId it was promoted at and what the replica last heard of its
 * upstream, i.e. how much it may have missed.
 */
final class PromoteReplicaDatabaseProcedure extends DbmsProcedure {
    static final String NAME = "internal.dbms.promoteReplicaDatabase";
    static final String WITH_TOPOLOGY = "internal.dbms.promoteReplicaDatabaseWithTopology";
    private static final Duration PROMOTION_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration FENCE_WAIT = Duration.ofSeconds(5);

    private final boolean withTopology;

    PromoteReplicaDatabaseProcedure(CcdrServer server, ServerExtension.Caller caller, boolean withTopology) {
        super(server, caller);
        this.withTopology = withTopology;
    }

    @Override
    public List<Input> inputs() {
        List<Input> in = new ArrayList<>();
        in.add(Input.of("replicaDatabaseName", Type.STRING));
        if (withTopology) {
            in.add(Input.of("numPrimaries", Type.INTEGER));
            in.add(Input.of("numSecondaries", Type.INTEGER));
        }
        in.add(new Input("options", Type.MAP, true));
        return in;
    }

    @Override
    public List<String> outputColumns() {
        return List.of("name", "promotedAtTxId", "chainHash", "lastAppliedCommitTime", "upstream", "upstreamLastKnownTxId",
                "upstreamLastKnownCommitTime", "possiblyMissedTransactions", "fenced", "fenceStatus");
    }

    @Override
    public List<Map<String, Object>> call(List<Object> args, CallContext context) {
        String procedure = withTopology ? WITH_TOPOLOGY : NAME;
        caller.requireAdmin("CALL " + procedure);
        String name = CreateReplicaDatabaseProcedure.databaseName(args.get(0), "replicaDatabaseName");
        DatabaseInfo info = server.systemState().databases().get(name);
        if (info == null) {
            throw ClusterErrors.notFound(name);
        }
        int optionsAt = withTopology ? 3 : 1;
        if (withTopology) {
            int primaries = CreateReplicaDatabaseProcedure.count(args.get(1), "numPrimaries", 1);
            int secondaries = CreateReplicaDatabaseProcedure.count(args.get(2), "numSecondaries", 0);
            if (primaries != info.primaries() || secondaries != info.secondaries()) {
                throw new GraphException("Neo.ClientError.General.InvalidArguments", procedure + ": changing the topology while promoting "
                        + "is not supported yet; promote with the current topology (" + info.primaries() + " primaries, " + info.secondaries()
                        + " secondaries) using " + NAME + "('" + name + "').");
            }
        }
        boolean fence = false;
        if (args.size() > optionsAt && args.get(optionsAt) instanceof Map<?, ?> options) {
            for (Map.Entry<?, ?> e : options.entrySet()) {
                if (!"fence".equals(e.getKey()) || !(e.getValue() instanceof Boolean)) {
                    throw new GraphException("Neo.ClientError.General.InvalidArguments", procedure + ": unknown option " + e.getKey()
                            + "; the only option is {fence: true|false}");
                }
                fence = (Boolean) e.getValue();
            }
        }
        SystemResult requested = server.proposeSystem(new SystemCommand.RequestPromotion(name, fence, System.currentTimeMillis()));
        if (!requested.ok()) {
            throw new GraphException(requested.statusCode(), requested.message());
        }
        DatabaseInfo done = awaitPromotion(name);
        if (done.promotion().fence()) {
            long end = System.nanoTime() + FENCE_WAIT.toNanos();
            while (done.promotion().fenceStatus().isEmpty() && System.nanoTime() < end) {
                pause();
                done = server.systemState().databases().getOrDefault(name, done);
            }
        }
        return List.of(row(done));
    }

    private DatabaseInfo awaitPromotion(String name) {
        long end = System.nanoTime() + PROMOTION_TIMEOUT.toNanos();
        while (System.nanoTime() < end) {
            DatabaseInfo info = server.systemState().databases().get(name);
            if (info == null) {
                throw ClusterErrors.notFound(name);
            }
            if (!info.isReplica() && info.promotion() != null && info.promotion().done()) {
                return info;
            }
            pause();
        }
        throw ClusterErrors.unavailable(name, "the promotion was recorded but the replica's leader has not completed it within "
                + PROMOTION_TIMEOUT.toSeconds() + " s (does the replica have a leader?). It completes as soon as the replica has one; "
                + "check SHOW DATABASE " + name + ", or call the procedure again");
    }

    private static void pause() {
        try {
            Thread.sleep(20);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ClusterErrors.unavailable("system", "interrupted");
        }
    }

    private static Map<String, Object> row(DatabaseInfo info) {
        DatabaseInfo.Promotion p = info.promotion();
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("name", info.name());
        row.put("promotedAtTxId", p.promotedAtTxId());
        row.put("chainHash", p.chainHashHex());
        row.put("lastAppliedCommitTime", time(p.lastAppliedCommitMillis()));
        row.put("upstream", p.formerUpstream() + "@" + String.join(",", p.formerUpstreamAddresses()));
        row.put("upstreamLastKnownTxId", p.upstreamLastKnownTxId() < 0 ? null : p.upstreamLastKnownTxId());
        row.put("upstreamLastKnownCommitTime", time(p.upstreamLastKnownCommitMillis()));
        row.put("possiblyMissedTransactions", p.upstreamLastKnownTxId() < 0 ? null : Math.max(0, p.upstreamLastKnownTxId() - p.promotedAtTxId()));
        row.put("fenced", !p.fenceStatus().isEmpty());
        row.put("fenceStatus", p.fence() ? (p.fenceStatus().isEmpty() ? "pending: the old upstream is unreachable; fencing is retried "
                + "until it answers" : p.fenceStatus()) : "not requested");
        return row;
    }

    private static Object time(long millis) {
        return millis <= 0 ? null : Instant.ofEpochMilli(millis).atZone(ZoneOffset.UTC);
    }
}
