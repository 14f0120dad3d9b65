package io.ccdr.node.stream;

import io.ccdr.node.config.HostPort;
import io.ccdr.node.dbms.Database;
import io.ccdr.node.embedded.EmbeddedCluster;
import io.ccdr.node.tx.ChainHash;
import io.ccdr.node.tx.TransactionRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.LongStream;

import static io.ccdr.node.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

/** The transaction stream served by the members of a real three-server cluster. */
class TransactionStreamClusterTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    private static HostPort clusterPort(EmbeddedCluster cluster, int i) {
        return cluster.server(i).config().clusterAdvertisedAddress();
    }

    private static void write(EmbeddedCluster cluster, int n) {
        for (int i = 0; i < n; i++) {
            cluster.writeToLeader("neo4j", tx -> tx.createNode(Set.of("S"), Map.of("i", 1L)), Duration.ofSeconds(30), new AtomicLong());
        }
    }

    @Test
    void leaderAndFollowerServeTheSameHistoryAndPushNewCommits() throws Exception {
        try (EmbeddedCluster cluster = new EmbeddedCluster(dir, 3, Map.of()).start()) {
            int leader = cluster.awaitLeader("neo4j", WAIT);
            int follower = (leader + 1) % 3;
            write(cluster, 30);
            Database leaderDb = cluster.server(leader).database("neo4j").orElseThrow();
            long n = leaderDb.lastCommittedTxId();
            List<TransactionRecord> expected = leaderDb.store().transactions(1, 1000);

            RecordingListener fromLeader = new RecordingListener();
            RecordingListener fromFollower = new RecordingListener();
            try (TransactionStreamClient a = new TransactionStreamClient(List.of(clusterPort(cluster, leader)), null,
                    TransactionStreamClient.Settings.defaults());
                 TransactionStreamClient b = new TransactionStreamClient(List.of(clusterPort(cluster, follower)), null,
                         TransactionStreamClient.Settings.defaults())) {
                a.subscribe("neo4j", 1, ChainHash.genesis(), fromLeader);
                b.subscribe("neo4j", 1, ChainHash.genesis(), fromFollower);
                for (RecordingListener l : List.of(fromLeader, fromFollower)) {
                    eventually(WAIT, "history streamed", () -> l.records.size() >= n);
                    assertThat(l.txIds()).containsExactlyElementsOf(LongStream.rangeClosed(1, n).boxed().toList());
                    for (int i = 0; i < n; i++) {
                        assertThat(l.records.get(i).chainHash()).isEqualTo(expected.get(i).chainHash());
                    }
                }
                write(cluster, 10);
                long m = leaderDb.lastCommittedTxId();
                for (RecordingListener l : List.of(fromLeader, fromFollower)) {
                    eventually(WAIT, "new commits pushed", () -> l.records.size() == m && l.lastHeartbeatTxId() == m);
                    assertThat(l.errors).isEmpty();
                }
                assertThat(b.lastChainHash()).isEqualTo(leaderDb.state().chainHash());
                assertThat(a.lastChainHash()).isEqualTo(leaderDb.state().chainHash());
            }
        }
    }

    @Test
    void aReaderResumesOnAnotherMemberWhenItsUpstreamGoesAwayWithNoGapAndNoDuplicate() throws Exception {
        try (EmbeddedCluster cluster = new EmbeddedCluster(dir, 3, Map.of()).start()) {
            int leader = cluster.awaitLeader("neo4j", WAIT);
            int f1 = (leader + 1) % 3;
            int f2 = (leader + 2) % 3;
            HostPort p1 = clusterPort(cluster, f1);
            write(cluster, 20);
            RecordingListener l = new RecordingListener();
            try (TransactionStreamClient c = new TransactionStreamClient(
                    List.of(p1, clusterPort(cluster, f2), clusterPort(cluster, leader)), null,
                    TransactionStreamClient.Settings.defaults())) {
                c.subscribe("neo4j", 1, ChainHash.genesis(), l);
                eventually(WAIT, "streaming from the first follower", () -> l.records.size() >= 20);
                assertThat(c.currentUpstream()).contains(p1);
                // writes keep coming while the serving member goes away
                CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> write(cluster, 150));
                eventually(WAIT, "some concurrent writes streamed", () -> l.records.size() >= 60);
                cluster.crash(f1);
                writer.get();
                Database leaderDb = cluster.server(leader).database("neo4j").orElseThrow();
                long n = leaderDb.lastCommittedTxId();
                eventually(WAIT, "everything streamed through another member", () -> c.lastTxId() == n);
                assertThat(l.txIds()).containsExactlyElementsOf(LongStream.rangeClosed(1, n).boxed().toList());
                assertThat(l.disconnects).first().isEqualTo(p1);
                assertThat(c.currentUpstream()).get().isNotEqualTo(p1);
                assertThat(c.lastChainHash()).isEqualTo(leaderDb.state().chainHash());
                assertThat(l.errors).isEmpty();
            }
        }
    }
}
