package io.ccdr.node;

import io.ccdr.node.embedded.EmbeddedCluster;

import io.ccdr.node.dbms.Database;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.ccdr.node.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The story: three primaries take writes from many threads; the leader dies mid-load; a new leader
 * is elected and writes continue; the dead server comes back and catches up. No acknowledged write
 * is lost or duplicated and every member ends with the same txId and chain hash.
 */
class FailoverTest {
    @TempDir
    Path dir;

    @Test
    void leaderCrashUnderConcurrentWritesLosesNothing() throws Exception {
        try (EmbeddedCluster cluster = new EmbeddedCluster(dir, 3, Map.of("server.cluster.raft.snapshot_threshold", "300", "dbms.cluster.raft.log.rotation_size", "64K")).start()) {
            int firstLeader = cluster.awaitLeader("neo4j", Duration.ofSeconds(30));
            try (WriteLoad load = new WriteLoad(cluster, "neo4j", 8)) {
                load.awaitAcknowledged(400, Duration.ofSeconds(60));
                cluster.crash(firstLeader);
                long before = load.acknowledged.size();
                int newLeader = cluster.awaitLeader("neo4j", Duration.ofSeconds(30));
                assertThat(newLeader).isNotEqualTo(firstLeader);
                load.awaitAcknowledged(before + 800, Duration.ofSeconds(90));
                cluster.restart(firstLeader);
                load.awaitAcknowledged(before + 1200, Duration.ofSeconds(60));
                load.close();
                ClusterInvariants.assertConverged(cluster, "neo4j", Duration.ofSeconds(60));
                ClusterInvariants.assertPings(cluster.server(newLeader).database("neo4j").orElseThrow(), load.acknowledged, load.unknown);
            }
        }
    }

    @Test
    void wholeClusterRestartRecoversTheCommittedState() throws Exception {
        try (EmbeddedCluster cluster = new EmbeddedCluster(dir, 3, Map.of()).start()) {
            WriteLoad load = new WriteLoad(cluster, "neo4j", 4);
            load.awaitAcknowledged(300, Duration.ofSeconds(60));
            load.close();
            ClusterInvariants.assertConverged(cluster, "neo4j", Duration.ofSeconds(30));
            Database any = cluster.server(0).database("neo4j").orElseThrow();
            long txId = any.lastCommittedTxId();
            String hash = any.chainHashHex();
            for (int i = 0; i < 3; i++) {
                cluster.crash(i);
            }
            List<Thread> starting = new java.util.ArrayList<>();
            for (int i = 0; i < 3; i++) {
                int n = i;
                Thread t = new Thread(() -> {
                    try {
                        cluster.restart(n);
                    } catch (Exception e) {
                        throw new RuntimeException(e);
                    }
                });
                t.start();
                starting.add(t);
            }
            for (Thread t : starting) {
                t.join();
            }
            cluster.awaitLeader("neo4j", Duration.ofSeconds(60));
            for (int i = 0; i < 3; i++) {
                Database db = cluster.server(i).awaitDatabase("neo4j", Duration.ofSeconds(60));
                eventually(Duration.ofSeconds(30), "server " + i + " recovered txId " + txId, () -> db.lastCommittedTxId() == txId);
                assertThat(db.chainHashHex()).isEqualTo(hash);
            }
            ClusterInvariants.assertPings(cluster.server(0).database("neo4j").orElseThrow(), load.acknowledged, load.unknown);
            // and it still takes writes
            int leader = cluster.awaitLeader("neo4j", Duration.ofSeconds(30));
            assertThat(cluster.server(leader).database("neo4j").orElseThrow()
                    .write(tx -> tx.createNode(java.util.Set.of("After"), new HashMap<>())).txId()).isEqualTo(txId + 1);
        }
    }
}
