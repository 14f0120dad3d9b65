package io.ccdr.node;

import io.ccdr.node.dbms.ClusterErrors;
import io.ccdr.node.dbms.Database;
import io.ccdr.node.embedded.EmbeddedCluster;
import io.ccdr.node.graph.GraphException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** A server cut off from the majority answers writes with a clear, retryable error instead of hanging. */
class MinorityTest {
    @TempDir
    Path dir;

    @Test
    void aLeaderLeftAloneRefusesWritesWithARetryableError() throws Exception {
        try (EmbeddedCluster cluster = new EmbeddedCluster(dir, 3, Map.of("server.cluster.write_timeout", "2s")).start()) {
            int leader = cluster.awaitLeader("neo4j", Duration.ofSeconds(30));
            Database db = cluster.server(leader).database("neo4j").orElseThrow();
            db.write(tx -> tx.createNode(Set.of("Before"), Map.of()));
            for (int i = 0; i < 3; i++) {
                if (i != leader) {
                    cluster.crash(i);
                }
            }
            long started = System.nanoTime();
            GraphException e = catchThrowableOfType(() -> db.write(tx -> tx.createNode(Set.of("Lost"), Map.of())), GraphException.class);
            long seconds = (System.nanoTime() - started) / 1_000_000_000L;
            assertThat(e).as("the write must fail").isNotNull();
            assertThat(e.isRetryable() || ClusterErrors.NOT_A_LEADER.equals(e.statusCode()))
                    .as("retryable status, got %s: %s", e.statusCode(), e.getMessage()).isTrue();
            assertThat(seconds).as("bounded wait").isLessThan(20);
            // a follower of a minority never accepts writes either
            assertThat(db.lastCommittedTxId()).isEqualTo(1);
        }
    }
}
