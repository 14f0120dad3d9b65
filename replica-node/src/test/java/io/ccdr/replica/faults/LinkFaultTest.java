package io.ccdr.replica.faults;

import io.ccdr.node.dbms.Database;
import io.ccdr.node.embedded.EmbeddedCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
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
 * The link between the clusters fails while the upstream keeps writing: cut for a while, stalled
 * mid-frame for longer than the heartbeat timeout, and resetting connections at random points
 * (mostly mid-frame). Each replica is created with the proxy's address instead of the upstream's,
 * so every byte between the clusters passes through the fault. After healing, the replica reaches
 * the upstream exactly.
 */
class LinkFaultTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    @TempDir
    static Path dir;
    static EmbeddedCluster a;
    static EmbeddedCluster b;

    @BeforeAll
    static void start() throws Exception {
        a = Replicas.cluster(dir.resolve("a"), 1, Map.of());
        b = Replicas.cluster(dir.resolve("b"), 1, Map.of());
    }

    @AfterAll
    static void stop() {
        if (b != null) {
            b.close();
        }
        if (a != null) {
            a.close();
        }
    }

    private static String state(String replica) {
        return Replicas.replicaLeader(b, replica).replicationStatus().map(s -> s.state()).orElse("none");
    }

    @Test
    void aCutLinkIsSurvivedAndTheReplicaCatchesUpWhenItHeals() throws Exception {
        try (FaultProxy proxy = new FaultProxy(Replicas.clusterAddress(a, 0));
             UpstreamWriter writer = new UpstreamWriter(a, UPSTREAM, 2)) {
            writer.awaitMore(50, WAIT);
            Replicas.createReplica(b, "link-cut", UPSTREAM, 1, List.of(proxy.address()));
            Replicas.awaitReplicaAt(b, "link-cut", Replicas.upstreamLeader(a).lastCommittedTxId(), WAIT);
            Replicas.awaitConnected(b, "link-cut", WAIT);

            proxy.cut();
            // What the upstream had committed when the link went down bounds what the replica can
            // ever hold until it heals; frames received before the cut may still be applying (the
            // pipeline keeps entries in flight), so the replica's own position at the cut is no bound.
            long atCut = Replicas.upstreamLeader(a).lastCommittedTxId();
            eventually(WAIT, "the replica notices the cut", () -> state("link-cut").equals("disconnected"));
            writer.awaitMore(400, WAIT);
            assertThat(Replicas.replicaLeader(b, "link-cut").lastCommittedTxId()).as("nothing crosses a cut link").isLessThanOrEqualTo(atCut);
            assertThat(Replicas.upstreamLeader(a).lastCommittedTxId()).isGreaterThan(atCut + 300);
            int connectionsBefore = proxy.connections();

            proxy.heal();
            Replicas.awaitReplicaAt(b, "link-cut", atCut + 300, WAIT);
            assertThat(proxy.connections()).as("the replica reconnected by itself").isGreaterThan(connectionsBefore);
            Replicas.assertConverged(a, b, "link-cut", writer, WAIT);
            Replicas.dropReplica(b, "link-cut");
        }
    }

    @Test
    void aLinkThatStallsMidFrameLongerThanTheHeartbeatTimeoutIsDetectedAndSurvived() throws Exception {
        try (FaultProxy proxy = new FaultProxy(Replicas.clusterAddress(a, 0));
             UpstreamWriter writer = new UpstreamWriter(a, UPSTREAM, 2)) {
            writer.awaitMore(50, WAIT);
            Replicas.createReplica(b, "link-stall", UPSTREAM, 1, List.of(proxy.address()));
            Replicas.awaitReplicaAt(b, "link-stall", Replicas.upstreamLeader(a).lastCommittedTxId(), WAIT);
            Replicas.awaitConnected(b, "link-stall", WAIT);
            int connectionsBefore = proxy.connections();

            proxy.stall(7_000); // the client's heartbeat timeout is 5 s
            eventually(WAIT, "the stalled stream is declared dead", () -> state("link-stall").equals("disconnected"));
            assertThat(proxy.stalling()).as("detected while the link still stalls").isTrue();
            Database replica = Replicas.replicaLeader(b, "link-stall");
            assertThat(replica.replicationStatus().orElseThrow().lagSeconds()).as("the lag is visible: time since last caught up")
                    .isGreaterThanOrEqualTo(4.0);
            eventually(WAIT, "the stall ends", () -> !proxy.stalling());

            Replicas.awaitReplicaAt(b, "link-stall", Replicas.upstreamLeader(a).lastCommittedTxId(), WAIT);
            assertThat(proxy.connections()).as("a fresh connection replaced the stalled one").isGreaterThan(connectionsBefore);
            Replicas.assertConverged(a, b, "link-stall", writer, WAIT);
            Replicas.dropReplica(b, "link-stall");
        }
    }

    @Test
    void aLinkThatResetsConnectionsAtRandomPointsStillMakesProgressAndConverges() throws Exception {
        try (FaultProxy proxy = new FaultProxy(Replicas.clusterAddress(a, 0));
             UpstreamWriter writer = new UpstreamWriter(a, UPSTREAM, 2)) {
            writer.awaitMore(50, WAIT);
            Replicas.createReplica(b, "link-flaky", UPSTREAM, 1, List.of(proxy.address()));
            Replicas.awaitReplicaAt(b, "link-flaky", Replicas.upstreamLeader(a).lastCommittedTxId(), WAIT);
            Replicas.awaitConnected(b, "link-flaky", WAIT);

            // each connection dies after 8..256 KiB towards the replica, wherever that is in a frame
            proxy.randomCuts(8 << 10, 256 << 10);
            proxy.dropConnections();
            int connectionsBefore = proxy.connections();
            long start = Replicas.replicaLeader(b, "link-flaky").lastCommittedTxId();
            eventually(WAIT, "many resets", () -> proxy.connections() >= connectionsBefore + 8);
            assertThat(Replicas.replicaLeader(b, "link-flaky").lastCommittedTxId()).as("progress despite the resets")
                    .isGreaterThan(start + 100);

            proxy.heal();
            Replicas.assertConverged(a, b, "link-flaky", writer, WAIT);
            Replicas.dropReplica(b, "link-flaky");
        }
    }
}
