package io.ccdr.node;

import io.ccdr.node.dbms.Database;
import io.ccdr.node.embedded.EmbeddedCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static io.ccdr.node.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The story: one member of a three-server cluster runs as its own process and is killed with
 * {@code kill -9} under write load. While it is down the others commit far more than the Raft log
 * keeps, so when it restarts it must catch up through a snapshot install, then through the log;
 * it ends with exactly the leader's txId and chain hash.
 */
class KillNineTest {
    @TempDir
    Path dir;

    @Test
    void aMemberKilledWithSigkillUnderLoadCatchesUpAfterRestart() throws Exception {
        try (EmbeddedCluster cluster = new EmbeddedCluster(dir, 3, Map.of("server.cluster.raft.snapshot_threshold", "200", "dbms.cluster.raft.log.rotation_size", "64K"));
             ServerProcess victim = new ServerProcess(dir.resolve("process"), cluster.settings(2))) {
            victim.start();
            cluster.startOnly(0, 1);
            eventually(Duration.ofSeconds(90), "cluster formed", () -> cluster.server(0).isReady() && cluster.server(1).isReady());
            eventually(Duration.ofSeconds(60), "the process reports the database", () -> victim.status("neo4j").isPresent());
            if (victim.status("neo4j").map(s -> s.get("role").asText().equals("LEADER")).orElse(false)) {
                victim.kill9(); // the leader is the process: this is the leader-loss story
            }
            try (WriteLoad load = new WriteLoad(cluster, "neo4j", 8)) {
                load.awaitAcknowledged(300, Duration.ofSeconds(90));
                victim.kill9();
                long atKill = load.acknowledged.size();
                load.awaitAcknowledged(atKill + 1000, Duration.ofSeconds(120));
                victim.start();
                load.awaitAcknowledged(atKill + 1300, Duration.ofSeconds(120));
                load.close();
                Database reference = cluster.server(cluster.awaitLeader("neo4j", Duration.ofSeconds(30))).database("neo4j").orElseThrow();
                long txId = reference.lastCommittedTxId();
                String hash = reference.chainHashHex();
                eventually(Duration.ofSeconds(90), "the restarted process reaches txId " + txId, () -> victim.status("neo4j")
                        .map(s -> s.get("lastCommittedTxId").asLong() == txId).orElse(false));
                assertThat(victim.status("neo4j").orElseThrow().get("chainHash").asText()).isEqualTo(hash);
                assertThat(victim.log()).as("caught up through a snapshot install").contains("installed snapshot");
                assertThat(victim.log()).doesNotContain("Exception in thread");
                ClusterInvariants.assertConverged(cluster, "neo4j", Duration.ofSeconds(30));
                ClusterInvariants.assertPings(reference, load.acknowledged, load.unknown);
            }
        }
    }
}
