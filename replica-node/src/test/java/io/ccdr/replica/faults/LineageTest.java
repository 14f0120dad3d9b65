package io.ccdr.replica.faults;

import io.ccdr.metrics.MeterNames;
import io.ccdr.node.CcdrServer;
import io.ccdr.node.dbms.Database;
import io.ccdr.node.embedded.EmbeddedCluster;
import io.ccdr.node.tx.TransactionRecord;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import static io.ccdr.node.Eventually.eventually;
import static io.ccdr.replica.faults.Replicas.UPSTREAM;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * What reaches a replica must be its upstream's history, byte for byte. A frame damaged in transit
 * (bad checksum) is dropped with its connection and sent again intact. A change set damaged so that
 * the frame checksum still matches, and an upstream database of the same name with another history
 * (cluster C's {@code neo4j} behind the same address), are refused by the chain: replication stops
 * loudly (statusMessage and replicationState in SHOW DATABASES, the broken_chain gauge) with nothing
 * applied past the break, and it stays stopped across a restart, while the upstream keeps writing.
 */
class LineageTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    @TempDir
    static Path dir;
    static EmbeddedCluster a;
    static EmbeddedCluster b;
    static EmbeddedCluster c;

    @BeforeAll
    static void start() throws Exception {
        a = Replicas.cluster(dir.resolve("a"), 1, Map.of());
        b = Replicas.cluster(dir.resolve("b"), 1, Map.of());
        c = Replicas.cluster(dir.resolve("c"), 1, Map.of());
    }

    @AfterAll
    static void stop() {
        for (EmbeddedCluster x : new EmbeddedCluster[] {b, c, a}) {
            if (x != null) {
                x.close();
            }
        }
    }

    private static double meter(String replica, String name) {
        CcdrServer s = b.server(b.awaitLeader(replica, WAIT));
        Counter counter = s.metrics().registry().find(s.metrics().name(name)).tag(MeterNames.TAG_DATABASE, replica).counter();
        return counter == null ? 0 : counter.count();
    }

    private static double brokenChainGauge(String replica) {
        CcdrServer s = b.server(b.awaitLeader(replica, WAIT));
        Gauge g = s.metrics().registry().find(s.metrics().name(MeterNames.REPLICA_STREAM_STATE)).tag(MeterNames.TAG_DATABASE, replica)
                .tag(MeterNames.TAG_STATE, "broken_chain").gauge();
        return g == null ? -1 : g.value();
    }

    /** The replica stopped loudly: SHOW DATABASES and the alert gauge say so, and it stays at {@code txId}. */
    private static void assertStoppedLoudly(String replica, long txId, String messagePart) {
        eventually(WAIT, "SHOW DATABASES reports the stop", () -> {
            List<Map<String, Object>> rows = Replicas.showReplica(b, replica);
            return !rows.isEmpty() && rows.stream().allMatch(r -> String.valueOf(r.get("statusMessage")).startsWith("Replication stopped")
                    && "broken_chain".equals(r.get("replicationState")));
        });
        Map<String, Object> row = Replicas.showReplica(b, replica).get(0);
        assertThat(String.valueOf(row.get("statusMessage"))).contains(messagePart);
        assertThat(row.get("lastCommittedTxId")).isEqualTo(txId);
        assertThat(brokenChainGauge(replica)).as("the ReplicaBrokenChain alert's gauge").isEqualTo(1.0);
        assertThat(Replicas.replicaLeader(b, replica).lastCommittedTxId()).as("nothing applied past the break").isEqualTo(txId);
    }

    @Test
    void aDamagedFrameIsDroppedAndResentButADamagedChangeSetStopsReplicationBeforeIt() throws Exception {
        try (FaultProxy proxy = new FaultProxy(Replicas.clusterAddress(a, 0));
             UpstreamWriter writer = new UpstreamWriter(a, UPSTREAM, 2)) {
            writer.awaitMore(50, WAIT);
            Replicas.createReplica(b, "tampered", UPSTREAM, 1, List.of(proxy.address()));
            Replicas.awaitConnected(b, "tampered", WAIT);
            Replicas.awaitReplicaAt(b, "tampered", Replicas.upstreamLeader(a).lastCommittedTxId(), WAIT);

            // 1. a frame whose checksum does not match: the connection is dropped and the batch comes again, intact
            double reconnects = meter("tampered", MeterNames.REPLICA_RECONNECTS);
            int connections = proxy.connections();
            proxy.corruptNextBatch(false);
            eventually(WAIT, "a batch damaged in transit", () -> proxy.corruptedBatch() != null);
            List<TransactionRecord> damaged = proxy.corruptedBatch();
            long last = damaged.get(damaged.size() - 1).txId();
            Replicas.awaitReplicaAt(b, "tampered", last + 50, WAIT);
            assertThat(proxy.connections()).as("the damaged connection was dropped").isGreaterThan(connections);
            assertThat(meter("tampered", MeterNames.REPLICA_RECONNECTS)).isGreaterThan(reconnects);
            Database replica = Replicas.replicaLeader(b, "tampered");
            Replicas.assertSameTransactions(Replicas.upstreamLeader(a), replica);

            // 2. a change set damaged with a valid frame checksum: only the chain can tell, and it does
            proxy.corruptNextBatch(true);
            eventually(WAIT, "a change set damaged in transit", () -> proxy.corruptedBatch() != null);
            long breakAt = proxy.corruptedBatch().get(0).txId() - 1;
            assertStoppedLoudly("tampered", breakAt, "chain");
            writer.awaitMore(300, WAIT);
            assertThat(Replicas.upstreamLeader(a).lastCommittedTxId()).isGreaterThan(breakAt + 200);
            assertThat(replica.lastCommittedTxId()).as("still nothing past the break").isEqualTo(breakAt);
            Replicas.assertSameTransactions(Replicas.upstreamLeader(a), replica);
            writer.stop();
            Replicas.dropReplica(b, "tampered");
        }
    }

    @Test
    void anUpstreamWithTheSameNameButAnotherHistoryIsRefusedAndTheStopSurvivesARestart() throws Exception {
        // cluster C's neo4j: same name, its own history
        AtomicLong retries = new AtomicLong();
        for (int i = 0; i < 300; i++) {
            int n = i;
            c.writeToLeader(UPSTREAM, tx -> tx.createNode(Set.of("Other"), Map.of("n", n)), WAIT, retries);
        }
        try (FaultProxy proxy = new FaultProxy(Replicas.clusterAddress(a, 0));
             UpstreamWriter writer = new UpstreamWriter(a, UPSTREAM, 2)) {
            writer.awaitMore(50, WAIT);
            Replicas.createReplica(b, "lineage", UPSTREAM, 1, List.of(proxy.address()));
            Replicas.awaitConnected(b, "lineage", WAIT);
            Replicas.awaitReplicaAt(b, "lineage", Replicas.upstreamLeader(a).lastCommittedTxId(), WAIT);

            // the address now leads to another cluster's database of the same name
            proxy.retarget(Replicas.clusterAddress(c, 0));
            eventually(WAIT, "the replica reached C", () -> Replicas.replicaLeader(b, "lineage").replicationStatus()
                    .map(s -> s.state().equals("broken_chain")).orElse(false));
            long breakAt = Replicas.replicaLeader(b, "lineage").lastCommittedTxId();
            assertStoppedLoudly("lineage", breakAt, "history");
            writer.awaitMore(200, WAIT);
            Database replica = Replicas.replicaLeader(b, "lineage");
            assertThat(replica.lastCommittedTxId()).isEqualTo(breakAt);
            Replicas.assertSameTransactions(Replicas.upstreamLeader(a), replica);
            long others = replica.read(0, g -> {
                try (var ids = g.nodeIdsWithLabel("Other")) {
                    return ids.count();
                }
            });
            assertThat(others).as("nothing of C's history").isZero();

            // the stop is durable: after a restart the replica does not follow C (nor A) by itself
            proxy.retarget(Replicas.clusterAddress(a, 0));
            b.crash(0);
            Replicas.restartAll(b, 0);
            b.awaitLeader("lineage", WAIT);
            assertStoppedLoudly("lineage", breakAt, "history");
            writer.stop();
            Replicas.dropReplica(b, "lineage");
        }
    }
}
