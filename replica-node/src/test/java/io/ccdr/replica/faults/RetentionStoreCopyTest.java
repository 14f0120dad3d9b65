package io.ccdr.replica.faults;

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
 * The story: the upstream keeps a short transaction log ({@code db.tx_log.rotation.retention_policy
 * = 100 txs}). The link to a three-member replica is cut while the upstream writes far more than
 * that, and the upstream prunes its log. When the link heals the upstream answers "store copy
 * needed"; the replica's leader copies the store, proposes it as a baseline that every member of
 * its group reaches, and then follows the stream again, with writes going on throughout.
 */
class RetentionStoreCopyTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    @TempDir
    Path dir;

    @Test
    void aReplicaThatFellBehindRetentionCopiesTheStoreAndFollowsAgain() throws Exception {
        try (EmbeddedCluster a = Replicas.cluster(dir.resolve("a"), 1, Map.of("db.tx_log.rotation.retention_policy", "100 txs"));
             EmbeddedCluster b = Replicas.cluster(dir.resolve("b"), 3, Map.of());
             FaultProxy proxy = new FaultProxy(Replicas.clusterAddress(a, 0));
             UpstreamWriter writer = new UpstreamWriter(a, UPSTREAM, 2)) {
            writer.awaitMore(100, WAIT);
            Replicas.createReplica(b, "behind", UPSTREAM, 3, List.of(proxy.address()));
            Replicas.awaitReplicaAt(b, "behind", Replicas.upstreamLeader(a).lastCommittedTxId(), WAIT);
            Replicas.awaitConnected(b, "behind", WAIT);
            double copiesBefore = Replicas.storeCopies(b, "behind");

            proxy.cut();
            eventually(WAIT, "the replica notices the cut", () -> Replicas.replicaLeader(b, "behind").replicationStatus()
                    .map(s -> s.state().equals("disconnected")).orElse(false));
            long atCut = Replicas.replicaLeader(b, "behind").lastCommittedTxId();
            writer.awaitMore(600, WAIT);
            // what the server's scheduled pruning does (every 30 s), done now with the configured policy
            Database up = Replicas.upstreamLeader(a);
            long dropped = up.store().pruneTransactionLog(a.server(0).config().retentionPolicy(), System.currentTimeMillis());
            assertThat(dropped).isPositive();
            assertThat(up.store().firstRetainedTxId()).as("the replica's next transaction is gone upstream").isGreaterThan(atCut + 1);

            proxy.heal();
            eventually(WAIT, "a store copy", () -> Replicas.storeCopies(b, "behind") > copiesBefore);
            long afterCopy = Replicas.upstreamLeader(a).lastCommittedTxId();
            writer.awaitMore(300, WAIT);
            // following again: past the copy through the stream, on every member
            Replicas.awaitReplicaAt(b, "behind", afterCopy + 200, WAIT);
            Replicas.awaitConnected(b, "behind", WAIT);
            Replicas.assertConverged(a, b, "behind", writer, WAIT);
        }
    }
}
