package io.ccdr.node;

import io.ccdr.node.dbms.Database;
import io.ccdr.node.embedded.EmbeddedCluster;
import io.ccdr.node.security.InitialPassword;
import org.apache.ratis.protocol.RaftGroupId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.neo4j.driver.AuthTokens;
import org.neo4j.driver.Driver;
import org.neo4j.driver.GraphDatabase;
import org.neo4j.driver.Session;
import org.neo4j.driver.SessionConfig;
import org.neo4j.driver.exceptions.Neo4jException;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static io.ccdr.node.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * STOP DATABASE stops the database on every member (its Raft group and store are closed, nothing
 * is served, a restart keeps it stopped); START DATABASE brings it back from disk, whole.
 */
class StopDatabaseTest {
    private static final String PASSWORD = "stop-pass";
    @TempDir
    Path dir;

    @Test
    void aStoppedDatabaseIsClosedEverywhereStaysClosedAcrossARestartAndStartsWhole() throws Exception {
        try (EmbeddedCluster cluster = new EmbeddedCluster(dir, 3, Map.of())) {
            for (int i = 0; i < 3; i++) {
                InitialPassword.write(Path.of(cluster.settings(i).get("server.directories.data")), PASSWORD);
            }
            cluster.start();
            int leader = cluster.awaitLeader("neo4j", Duration.ofSeconds(30));
            try (Driver driver = GraphDatabase.driver("neo4j://127.0.0.1:" + cluster.server(leader).boltPort(), AuthTokens.basic("neo4j", PASSWORD))) {
                try (Session s = driver.session(SessionConfig.forDatabase("neo4j"))) {
                    for (int i = 0; i < 5; i++) {
                        s.executeWrite(tx -> tx.run("CREATE (:Kept)").consume());
                    }
                }
                ClusterInvariants.assertConverged(cluster, "neo4j", Duration.ofSeconds(30));
                Database before = cluster.server(0).database("neo4j").orElseThrow();
                long txId = before.lastCommittedTxId();
                String hash = before.chainHashHex();
                RaftGroupId group = before.groupId();

                try (Session s = driver.session(SessionConfig.forDatabase("system"))) {
                    s.run("STOP DATABASE neo4j").consume();
                }
                eventually(Duration.ofSeconds(30), "every member closed the database and its raft group", () -> {
                    for (int i = 0; i < 3; i++) {
                        if (cluster.server(i).database("neo4j").isPresent() || cluster.server(i).raftNode().hosts(group)) {
                            return false;
                        }
                    }
                    return true;
                });
                try (Driver direct = GraphDatabase.driver("bolt://127.0.0.1:" + cluster.server(0).boltPort(), AuthTokens.basic("neo4j", PASSWORD));
                     Session s = direct.session(SessionConfig.forDatabase("neo4j"))) {
                    Neo4jException e = catchThrowableOfType(() -> s.run("MATCH (n) RETURN count(n)").consume(), Neo4jException.class);
                    assertThat(e.code()).isEqualTo("Neo.TransientError.General.DatabaseUnavailable");
                    assertThat(e.getMessage()).contains("stopped");
                }

                cluster.crash(1);
                cluster.restart(1);
                assertThat(cluster.server(1).awaitReady(Duration.ofSeconds(60))).as("ready: a stopped database is not waited for").isTrue();
                eventually(Duration.ofSeconds(30), "the restarted member keeps the stopped database closed", () ->
                        !cluster.server(1).raftNode().hosts(group) && cluster.server(1).database("neo4j").isEmpty());

                try (Session s = driver.session(SessionConfig.forDatabase("system"))) {
                    s.run("START DATABASE neo4j").consume();
                }
                for (int i = 0; i < 3; i++) {
                    Database db = cluster.server(i).awaitDatabase("neo4j", Duration.ofSeconds(60));
                    eventually(Duration.ofSeconds(30), "member back at its txId", () -> db.lastCommittedTxId() == txId);
                    assertThat(db.chainHashHex()).isEqualTo(hash);
                }
                cluster.awaitLeader("neo4j", Duration.ofSeconds(30));
                eventually(Duration.ofSeconds(30), "writes are accepted again", () -> {
                    try (Session s = driver.session(SessionConfig.forDatabase("neo4j"))) {
                        s.executeWrite(tx -> tx.run("CREATE (:Kept)").consume());
                        return true;
                    }
                });
                ClusterInvariants.assertConverged(cluster, "neo4j", Duration.ofSeconds(30));
            }
        }
    }
}
