package io.ccdr.replica.faults;

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
 * The story: a replica follows a three-server upstream under steady writes. The upstream follower
 * that serves the replica's stream crashes; the replica moves to another upstream member and keeps
 * up. Then the upstream leader crashes; writes move to a new leader and the replica keeps following.
 * Once everything is back, the replica holds exactly the upstream's history and content.
 */
class UpstreamCrashTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    @TempDir
    Path dir;

    @Test
    void theReplicaSurvivesItsServingUpstreamFollowerAndTheUpstreamLeaderCrashing() throws Exception {
        try (EmbeddedCluster a = Replicas.cluster(dir.resolve("a"), 3, Map.of());
             EmbeddedCluster b = Replicas.cluster(dir.resolve("b"), 1, Map.of());
             UpstreamWriter writer = new UpstreamWriter(a, UPSTREAM, 2)) {
            writer.awaitMore(100, WAIT);
            int leader = a.awaitLeader(UPSTREAM, WAIT);
            List<Integer> followers = List.of(0, 1, 2).stream().filter(i -> i != leader).toList();
            // the replica tries the addresses in order: make the first one a follower
            Replicas.createReplica(b, "crash-up", UPSTREAM, 1, List.of(Replicas.clusterAddress(a, followers.get(0)),
                    Replicas.clusterAddress(a, followers.get(1)), Replicas.clusterAddress(a, leader)));
            Replicas.awaitReplicaAt(b, "crash-up", Replicas.upstreamLeader(a).lastCommittedTxId(), WAIT);

            // 1. the upstream follower that serves the stream crashes
            Database replica = Replicas.replicaLeader(b, "crash-up");
            HostPort firstFollower = Replicas.clusterAddress(a, followers.get(0));
            eventually(WAIT, "the stream is served by " + firstFollower,
                    () -> Replicas.upstreamAddressOf(replica).map(firstFollower.toString()::equals).orElse(false));
            int serving = followers.get(0);
            assertThat(a.server(serving).database(UPSTREAM).orElseThrow().isLeader()).as("the serving member is a follower").isFalse();
            a.crash(serving);
            writer.awaitMore(200, WAIT);
            Replicas.awaitReplicaAt(b, "crash-up", Replicas.upstreamLeader(a).lastCommittedTxId(), WAIT);
            assertThat(Replicas.upstreamAddressOf(replica)).as("the stream moved to another upstream member")
                    .isPresent().get().isNotEqualTo(firstFollower.toString());
            a.restart(serving).awaitReady(WAIT);

            // 2. the upstream leader crashes
            int currentLeader = a.awaitLeader(UPSTREAM, WAIT);
            eventually(WAIT, "the restarted member caught up", () -> a.server(serving).database(UPSTREAM)
                    .map(d -> d.lastCommittedTxId() > 0 && d.lastCommittedTxId() >= Replicas.upstreamLeader(a).lastCommittedTxId() - 50).orElse(false));
            int beforeCrash = writer.acknowledged.size();
            a.crash(currentLeader);
            writer.awaitMore(200, WAIT);
            assertThat(a.awaitLeader(UPSTREAM, WAIT)).as("a new upstream leader").isNotEqualTo(currentLeader);
            Replicas.awaitReplicaAt(b, "crash-up", Replicas.upstreamLeader(a).lastCommittedTxId(), WAIT);
            a.restart(currentLeader).awaitReady(WAIT);
            writer.awaitMore(100, WAIT);
            assertThat(writer.acknowledged.size()).isGreaterThan(beforeCrash);

            Replicas.assertConverged(a, b, "crash-up", writer, WAIT);
        }
    }
}
