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

/**
 * A leader cut off from the majority answers clearly instead of hanging, and never invites a
 * duplicate: the write in flight when the majority went away may still commit (the leader's log
 * holds it), so its outcome is reported unknown with a non-retryable status; once the leader has
 * stepped down, new writes are refused retryably at once.
 */
class MinorityTest {
    @TempDir
    Path dir;

    @Test
    void aLeaderLeftAloneReportsTheInFlightWriteUnknownAndRefusesNewOnesRetryably() throws Exception {
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
            GraphException inFlight = catchThrowableOfType(() -> db.write(tx -> tx.createNode(Set.of("Lost"), Map.of())), GraphException.class);
            long seconds = (System.nanoTime() - started) / 1_000_000_000L;
            assertThat(inFlight).as("the write must not succeed without a majority").isNotNull();
            assertThat(inFlight.statusCode()).as(inFlight.getMessage()).isEqualTo(ClusterErrors.COMMIT_OUTCOME_UNKNOWN);
            assertThat(inFlight.isRetryable()).isFalse();
            assertThat(seconds).as("bounded wait").isLessThan(40);

            started = System.nanoTime();
            GraphException refused = catchThrowableOfType(() -> db.write(tx -> tx.createNode(Set.of("Refused"), Map.of())), GraphException.class);
            assertThat(refused).isNotNull();
            assertThat(refused.isRetryable() || ClusterErrors.NOT_A_LEADER.equals(refused.statusCode()))
                    .as("a write that cannot have been appended is retryable, got %s: %s", refused.statusCode(), refused.getMessage()).isTrue();
            assertThat((System.nanoTime() - started) / 1_000_000_000L).as("refused at once").isLessThan(5);
            // a leader of a minority never commits anything
            assertThat(db.lastCommittedTxId()).isEqualTo(1);
        }
    }
}
