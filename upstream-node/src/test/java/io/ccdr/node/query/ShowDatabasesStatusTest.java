package io.ccdr.node.query;

import io.ccdr.node.embedded.EmbeddedCluster;
import io.ccdr.node.security.InitialPassword;
import io.ccdr.node.stream.Frame;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.neo4j.driver.AuthTokens;
import org.neo4j.driver.Driver;
import org.neo4j.driver.GraphDatabase;
import org.neo4j.driver.Record;
import org.neo4j.driver.Session;
import org.neo4j.driver.SessionConfig;
import org.neo4j.driver.Value;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * SHOW DATABASES asks every member for its position. A member that is merely slow to answer (a
 * loaded machine) keeps showing its last known position instead of null; a member that is gone
 * shows null.
 */
class ShowDatabasesStatusTest {
    private static final String PASSWORD = "status-pass";
    @TempDir
    Path dir;

    @Test
    void aSlowMemberShowsItsLastKnownPositionAndAGoneOneShowsNone() throws Exception {
        try (EmbeddedCluster cluster = new EmbeddedCluster(dir, 3, Map.of())) {
            for (int i = 0; i < 3; i++) {
                InitialPassword.write(Path.of(cluster.settings(i).get("server.directories.data")), PASSWORD);
            }
            cluster.start();
            cluster.awaitLeader("neo4j", Duration.ofSeconds(30));
            int reader = cluster.leaderOf("neo4j").orElseThrow();
            int slow = (reader + 1) % 3;
            int gone = (reader + 2) % 3;
            String slowBolt = "127.0.0.1:" + cluster.server(slow).boltPort();
            String goneBolt = "127.0.0.1:" + cluster.server(gone).boltPort();
            try (Driver driver = GraphDatabase.driver("bolt://127.0.0.1:" + cluster.server(reader).boltPort(), AuthTokens.basic("neo4j", PASSWORD))) {
                try (Session s = driver.session(SessionConfig.forDatabase("neo4j"))) {
                    s.run("CREATE (:Row)").consume();
                }
                io.ccdr.node.Eventually.eventually(Duration.ofSeconds(30), "every member reports txId 1", () ->
                        txId(driver, slowBolt) == 1L && txId(driver, goneBolt) == 1L);

                CountDownLatch release = new CountDownLatch(1);
                cluster.server(slow).handleClusterRequest(Frame.Type.STATUS, payload -> {
                    try {
                        release.await(10, TimeUnit.SECONDS); // busy: answers long after the deadline
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return new Frame(Frame.Type.ERROR, "busy".getBytes());
                });
                cluster.crash(gone);
                try {
                    assertThat(txId(driver, slowBolt)).as("a slow member keeps its last known position").isEqualTo(1L);
                    assertThat(txId(driver, goneBolt)).as("a member that is gone has none").isNull();
                } finally {
                    release.countDown();
                }
            }
        }
    }

    private static Long txId(Driver driver, String bolt) {
        try (Session s = driver.session(SessionConfig.forDatabase("system"))) {
            for (Record r : s.run("SHOW DATABASE neo4j YIELD address, lastCommittedTxId").list()) {
                if (r.get("address").asString().equals(bolt)) {
                    Value v = r.get("lastCommittedTxId");
                    return v.isNull() ? null : v.asLong();
                }
            }
            return null;
        }
    }
}
