package io.ccdr.node;

import io.ccdr.node.dbms.ClusterErrors;
import io.ccdr.node.dbms.Database;
import io.ccdr.node.embedded.EmbeddedCluster;
import io.ccdr.node.graph.GraphException;
import io.ccdr.node.system.SystemCommand;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static io.ccdr.node.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * A member that stops applying (told by Ratis that its log write failed) steps out of service and
 * comes back by itself once its disk has room: the recovery machinery, without needing a real full
 * disk (DiskFullTest has one).
 */
class MemberRecoveryTest {
    @TempDir
    Path dir;

    @Test
    void aDatabaseMemberWhoseLogFailedServesNoReadsThenReopensAndCatchesUp() throws Exception {
        try (EmbeddedCluster cluster = new EmbeddedCluster(dir, 3, Map.of()).start()) {
            int leader = cluster.awaitLeader("neo4j", Duration.ofSeconds(30));
            int follower = (leader + 1) % 3;
            String followerId = cluster.server(follower).serverId();
            write(cluster, 20);
            Database stopped = cluster.server(follower).database("neo4j").orElseThrow();
            stopped.stateMachine().notifyLogFailed(new IOException("No space left on device"), null);

            GraphException refused = catchThrowableOfType(() -> stopped.read(0, g -> g.baseTxId()), GraphException.class);
            assertThat(refused.statusCode()).isEqualTo(ClusterErrors.DATABASE_UNAVAILABLE);
            assertThat(refused.getMessage()).contains("cannot write its Raft log (No space left on device)");
            eventually(Duration.ofSeconds(30), "the system database records the failed member", () ->
                    cluster.server(leader).systemState().databases().get("neo4j").failedMembers().containsKey(followerId));
            write(cluster, 20); // the other two go on

            eventually(Duration.ofSeconds(60), "the member is reopened and caught up, and its failure record is cleared", () -> {
                Database now = cluster.server(follower).database("neo4j").orElse(null);
                Database lead = cluster.server(cluster.awaitLeader("neo4j", Duration.ofSeconds(5))).database("neo4j").orElseThrow();
                return now != null && now != stopped && now.stoppedApplying() == null
                        && now.lastCommittedTxId() == lead.lastCommittedTxId() && now.chainHashHex().equals(lead.chainHashHex())
                        && !cluster.server(leader).systemState().databases().get("neo4j").failedMembers().containsKey(followerId);
            });
            long seen = cluster.server(follower).database("neo4j").orElseThrow().read(0, g -> g.baseTxId());
            assertThat(seen).as("the reopened member serves reads again, at the latest txId").isEqualTo(40L);
            ClusterInvariants.assertConverged(cluster, "neo4j", Duration.ofSeconds(30));
        }
    }

    @Test
    void aSystemMemberWhoseLogFailedIsReopenedAndFollowsTheSystemDatabaseAgain() throws Exception {
        try (EmbeddedCluster cluster = new EmbeddedCluster(dir, 3, Map.of()).start()) {
            int member = 0;
            long before = cluster.server(member).systemState().version();
            var stopped = cluster.server(member).systemStateMachine();
            stopped.notifyLogFailed(new IOException("No space left on device"), null);
            eventually(Duration.ofSeconds(60), "the system group is reopened on the member and has a leader again", () ->
                    cluster.server(member).systemStateMachine() != stopped && cluster.server(member).systemStateMachine().applyFailure() == null
                            && cluster.server(member).systemHasLeader());
            assertThat(cluster.server(member).systemState().version()).as("its view never went back in time").isGreaterThanOrEqualTo(before);
            eventually(Duration.ofSeconds(30), "a database is created through another member", () ->
                    cluster.server(1).proposeSystem(new SystemCommand.CreateDatabase("after", UUID.randomUUID().toString(), 1, 0, true, false,
                            System.currentTimeMillis(), null, null)).ok());
            eventually(Duration.ofSeconds(30), "the reopened member sees a database created afterwards", () ->
                    cluster.server(member).systemState().databases().containsKey("after"));
        }
    }

    private static void write(EmbeddedCluster cluster, int n) {
        for (int i = 0; i < n; i++) {
            cluster.writeToLeader("neo4j", tx -> tx.createNode(Set.of("Row"), Map.of()), Duration.ofSeconds(30),
                    new java.util.concurrent.atomic.AtomicLong());
        }
    }
}
