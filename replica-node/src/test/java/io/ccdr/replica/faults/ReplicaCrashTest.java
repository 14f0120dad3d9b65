package io.ccdr.replica.faults;

import io.ccdr.node.embedded.EmbeddedCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static io.ccdr.node.Eventually.eventually;
import static io.ccdr.replica.faults.Replicas.UPSTREAM;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The story: a three-member replica follows an upstream under steady writes. Its leader (the member
 * that pulls) crashes: another member takes over the subscription from the group's last txId. Then
 * every replica server goes down at once while the upstream keeps writing, and comes back: the
 * replica resumes from its own store and catches up. Nothing is lost or applied twice.
 */
class ReplicaCrashTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    @TempDir
    Path dir;

    @Test
    void theReplicaSurvivesItsLeaderCrashingAndAllItsServersRestarting() throws Exception {
        try (EmbeddedCluster a = Replicas.cluster(dir.resolve("a"), 1, Map.of());
             EmbeddedCluster b = Replicas.cluster(dir.resolve("b"), 3, Map.of());
             UpstreamWriter writer = new UpstreamWriter(a, UPSTREAM, 2)) {
            writer.awaitMore(100, WAIT);
            Replicas.createReplica(b, "crash-rep", UPSTREAM, 3, List.of(Replicas.clusterAddress(a, 0)));
            Replicas.awaitReplicaAt(b, "crash-rep", Replicas.upstreamLeader(a).lastCommittedTxId(), WAIT);

            // 1. the replica's leader, which runs the subscription, crashes
            int leader = b.awaitLeader("crash-rep", WAIT);
            eventually(WAIT, "the leader pulls", () -> b.server(leader).database("crash-rep").orElseThrow().replicationStatus().isPresent());
            b.crash(leader);
            writer.awaitMore(200, WAIT);
            int next = b.awaitLeader("crash-rep", WAIT);
            assertThat(next).isNotEqualTo(leader);
            Replicas.awaitReplicaAt(b, "crash-rep", Replicas.upstreamLeader(a).lastCommittedTxId(), WAIT);
            assertThat(b.server(next).database("crash-rep").orElseThrow().replicationStatus()).as("the new leader pulls").isPresent();
            Replicas.restartAll(b, leader);

            // 2. every replica server goes down while the upstream keeps writing, then comes back
            for (int i = 0; i < b.size(); i++) {
                b.crash(i);
            }
            writer.awaitMore(300, WAIT);
            Replicas.restartAll(b, 0, 1, 2);
            Replicas.awaitReplicaAt(b, "crash-rep", Replicas.upstreamLeader(a).lastCommittedTxId(), WAIT);

            Replicas.assertConverged(a, b, "crash-rep", writer, WAIT);
        }
    }
}
