package io.ccdr.node;

import io.ccdr.node.dbms.Database;
import io.ccdr.node.embedded.EmbeddedCluster;
import io.ccdr.node.security.InitialPassword;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.neo4j.driver.AuthTokens;
import org.neo4j.driver.Driver;
import org.neo4j.driver.GraphDatabase;
import org.neo4j.driver.Session;
import org.neo4j.driver.SessionConfig;
import org.neo4j.driver.exceptions.ClientException;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * Transactions far larger than a Raft entry (issue #14): they commit atomically through the
 * driver, reach every member (in fragments), survive a member's restart, and beyond the
 * configured size fail alone with Neo4j's code and the setting's name.
 */
class LargeTransactionTest {
    private static final String PASSWORD = "large-tx-pass";
    @TempDir
    Path dir;

    @Test
    void aTransactionOfTensOfMegabytesCommitsOnEveryMemberAndOneBeyondTheLimitFailsAlone() throws Exception {
        try (EmbeddedCluster cluster = new EmbeddedCluster(dir, 3, Map.of("server.cluster.max_transaction_size", "40M"))) {
            for (int i = 0; i < 3; i++) {
                InitialPassword.write(Path.of(cluster.settings(i).get("server.directories.data")), PASSWORD);
            }
            cluster.start();
            int leader = cluster.awaitLeader("neo4j", Duration.ofSeconds(30));
            try (Driver driver = GraphDatabase.driver("neo4j://127.0.0.1:" + cluster.server(leader).boltPort(), AuthTokens.basic("neo4j", PASSWORD));
                 Session s = driver.session(SessionConfig.forDatabase("neo4j"))) {
                s.executeWrite(tx -> tx.run("CREATE (:Small {n: 1})").consume());
                // 20,000 nodes with 1,000-character strings: about 20 MB of values in one transaction
                s.executeWrite(tx -> tx.run("UNWIND range(1, 20000) AS i CREATE (:Fill {i: i, s: $s})", Map.of("s", "x".repeat(1000)))
                        .consume());
                s.executeWrite(tx -> tx.run("CREATE (:Small {n: 2})").consume());

                ClientException tooLarge = catchThrowableOfType(() -> s.executeWrite(tx -> tx.run(
                        "UNWIND range(1, 50000) AS i CREATE (:TooMuch {i: i, s: $s})", Map.of("s", "y".repeat(1000))).consume()),
                        ClientException.class);
                assertThat(tooLarge).as("50 MB is beyond the 40 MiB limit").isNotNull();
                assertThat(tooLarge.code()).isEqualTo("Neo.ClientError.General.TransactionOutOfMemoryError");
                assertThat(tooLarge.getMessage()).contains("server.cluster.max_transaction_size");
                s.executeWrite(tx -> tx.run("CREATE (:Small {n: 3})").consume()); // the server goes on serving
            }
            ClusterInvariants.assertConverged(cluster, "neo4j", Duration.ofSeconds(60));
            for (int i = 0; i < 3; i++) {
                Database db = cluster.server(i).database("neo4j").orElseThrow();
                assertThat(count(db, "Fill")).as("server %d holds the large transaction whole", i).isEqualTo(20_000);
                assertThat(count(db, "TooMuch")).as("server %d holds nothing of the refused one", i).isZero();
                assertThat(count(db, "Small")).isEqualTo(3);
            }

            // a restarted member replays its log (fragments included) and ends where the others are
            int follower = (leader + 1) % 3;
            cluster.crash(follower);
            cluster.restart(follower);
            cluster.server(follower).awaitDatabase("neo4j", Duration.ofSeconds(60));
            ClusterInvariants.assertConverged(cluster, "neo4j", Duration.ofSeconds(60));
            assertThat(count(cluster.server(follower).database("neo4j").orElseThrow(), "Fill")).isEqualTo(20_000);
        }
    }

    private static long count(Database db, String label) {
        return db.read(0, g -> {
            try (var ids = g.nodeIdsWithLabel(label)) {
                return ids.count();
            }
        });
    }
}
