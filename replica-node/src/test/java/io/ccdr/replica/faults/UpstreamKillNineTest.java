package io.ccdr.replica.faults;

import io.ccdr.node.ServerProcess;
import io.ccdr.node.config.HostPort;
import io.ccdr.node.dbms.Database;
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
 * The story with a real process kill: one member of the three-server upstream runs as its own
 * process and serves the replica's stream as a follower. It is killed with {@code kill -9} under
 * write load; the replica moves to another upstream member. The process restarts and catches up;
 * in the end the replica, the restarted process and the upstream leader hold the same history.
 */
class UpstreamKillNineTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    @TempDir
    Path dir;

    @Test
    void theReplicaSurvivesItsServingUpstreamProcessBeingKilledWithSigkill() throws Exception {
        EmbeddedCluster prepared = Replicas.prepare(dir.resolve("a"), 3, Map.of());
        try (EmbeddedCluster a = prepared;
             ServerProcess victim = new ServerProcess(dir.resolve("process"), a.settings(0));
             EmbeddedCluster b = Replicas.cluster(dir.resolve("b"), 1, Map.of())) {
            victim.start();
            a.startOnly(1, 2);
            eventually(Duration.ofSeconds(60), "upstream formed", () -> a.server(1).isReady() && a.server(2).isReady()
                    && victim.status(UPSTREAM).isPresent() && a.leaderOf(UPSTREAM).isPresent() || victim.isLeaderOf(UPSTREAM));
            if (victim.isLeaderOf(UPSTREAM)) {
                // the process must be a follower for this story (and the writers write through in-JVM leaders)
                victim.kill9();
                a.awaitLeader(UPSTREAM, WAIT);
                victim.start();
                eventually(Duration.ofSeconds(60), "the process rejoined", () -> victim.status(UPSTREAM).isPresent());
            }
            try (UpstreamWriter writer = new UpstreamWriter(a, UPSTREAM, 2)) {
                writer.awaitMore(100, WAIT);
                HostPort processAddress = Replicas.clusterAddress(a, 0);
                Replicas.createReplica(b, "killed", UPSTREAM, 1, List.of(processAddress, Replicas.clusterAddress(a, 1),
                        Replicas.clusterAddress(a, 2)));
                Replicas.awaitConnected(b, "killed", WAIT);
                Database replica = Replicas.replicaLeader(b, "killed");
                eventually(WAIT, "the process serves the stream", () -> Replicas.upstreamAddressOf(replica)
                        .map(processAddress.toString()::equals).orElse(false));
                assertThat(victim.isLeaderOf(UPSTREAM)).as("the serving process is a follower").isFalse();

                victim.kill9();
                writer.awaitMore(300, WAIT);
                Replicas.awaitReplicaAt(b, "killed", Replicas.upstreamLeader(a).lastCommittedTxId(), WAIT);
                assertThat(Replicas.upstreamAddressOf(replica)).as("the stream moved to a live member").isPresent().get()
                        .isNotEqualTo(processAddress.toString());

                victim.start();
                writer.awaitMore(200, WAIT);
                Replicas.assertConverged(a, b, "killed", writer, WAIT);
                Database up = Replicas.upstreamLeader(a);
                eventually(Duration.ofSeconds(60), "the restarted process caught up", () -> victim.status(UPSTREAM)
                        .map(s -> s.path("lastCommittedTxId").asLong() == up.lastCommittedTxId()).orElse(false));
                assertThat(victim.status(UPSTREAM).orElseThrow().path("chainHash").asText()).isEqualTo(up.chainHashHex());
                assertThat(victim.log()).doesNotContain("Exception in thread");
            }
        }
    }
}
