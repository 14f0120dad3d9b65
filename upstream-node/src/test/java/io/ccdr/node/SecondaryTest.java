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
import org.neo4j.driver.exceptions.Neo4jException;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static io.ccdr.node.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Secondaries hold a database outside its Raft group and follow the primaries through the transaction stream. */
class SecondaryTest {
    private static final String PASSWORD = "secondary-pass";
    private static final Duration WAIT = Duration.ofSeconds(60);
    @TempDir
    Path dir;

    @Test
    void secondariesFollowThePrimaryServeReadsRefuseWritesAndResumeAfterARestart() throws Exception {
        try (EmbeddedCluster cluster = new EmbeddedCluster(dir, 3, Map.of("dbms.routing.reads_on_primaries_enabled", "false"))) {
            for (int i = 0; i < 3; i++) {
                InitialPassword.write(Path.of(cluster.settings(i).get("server.directories.data")), PASSWORD);
            }
            cluster.start();
            try (Driver driver = GraphDatabase.driver("neo4j://127.0.0.1:" + cluster.server(0).boltPort(), AuthTokens.basic("neo4j", PASSWORD))) {
                try (Session s = driver.session(SessionConfig.forDatabase("system"))) {
                    s.run("CREATE DATABASE shop TOPOLOGY 1 PRIMARY 2 SECONDARIES WAIT").consume();
                }
                eventually(WAIT, "shop hosted everywhere", () -> {
                    for (int i = 0; i < 3; i++) {
                        if (cluster.server(i).database("shop").isEmpty()) {
                            return false;
                        }
                    }
                    return cluster.leaderOf("shop").isPresent();
                });
                try (Session s = driver.session(SessionConfig.forDatabase("shop"))) {
                    for (int i = 0; i < 25; i++) {
                        int k = i;
                        s.executeWrite(tx -> tx.run("CREATE (:Item {n: $n})", Map.of("n", k)).consume());
                    }
                }
                int primary = cluster.leaderOf("shop").orElseThrow();
                Database p = cluster.server(primary).database("shop").orElseThrow();
                List<Integer> secondaries = List.of(0, 1, 2).stream().filter(i -> i != primary).toList();
                for (int i : secondaries) {
                    Database sec = cluster.server(i).database("shop").orElseThrow();
                    assertThat(sec.isSecondary()).isTrue();
                    eventually(WAIT, "secondary " + i + " caught up", () -> sec.lastCommittedTxId() == p.lastCommittedTxId());
                    assertThat(sec.chainHashHex()).isEqualTo(p.chainHashHex());
                    assertThat(sec.store().contentFingerprint()).isEqualTo(p.store().contentFingerprint());
                }
                // a secondary hands out the primary's element ids and finds elements by them
                String first;
                try (Session s = driver.session(SessionConfig.forDatabase("shop"))) {
                    first = s.executeWrite(tx -> tx.run("MATCH (i:Item {n: 0}) RETURN i").single().get("i").asNode().elementId());
                }
                for (int i : secondaries) {
                    try (Driver direct = GraphDatabase.driver("bolt://127.0.0.1:" + cluster.server(i).boltPort(), AuthTokens.basic("neo4j", PASSWORD));
                         Session r = direct.session(SessionConfig.builder().withDatabase("shop")
                                 .withDefaultAccessMode(org.neo4j.driver.AccessMode.READ).build())) {
                        var item = r.executeRead(tx -> tx.run("MATCH (i) WHERE elementId(i) = $id RETURN i", Map.of("id", first))
                                .single().get("i").asNode());
                        assertThat(item.elementId()).as("element id on secondary %d", i).isEqualTo(first);
                        assertThat(item.get("n").asLong()).isZero();
                    }
                }

                try (Session s = driver.session(SessionConfig.forDatabase("system"))) {
                    var table = s.run("CALL dbms.routing.getRoutingTable({}, 'shop')").single().get("servers").asList();
                    String primaryBolt = cluster.server(primary).info().boltAddress();
                    assertThat(table).anyMatch(o -> "READ".equals(((Map<?, ?>) o).get("role"))
                            && ((List<?>) ((Map<?, ?>) o).get("addresses")).size() == 2
                            && !((List<?>) ((Map<?, ?>) o).get("addresses")).contains(primaryBolt));
                    var roles = s.run("SHOW DATABASE shop YIELD role, writer, lastCommittedTxId").list();
                    assertThat(roles.stream().filter(r -> r.get("role").asString().equals("secondary")).count()).isEqualTo(2);
                    assertThat(roles).allMatch(r -> r.get("lastCommittedTxId").asLong() == p.lastCommittedTxId());
                }
                try (Session r = driver.session(SessionConfig.builder().withDatabase("shop").withDefaultAccessMode(org.neo4j.driver.AccessMode.READ).build())) {
                    long n = r.executeRead(tx -> tx.run("MATCH (i:Item) RETURN count(i) AS c").single().get("c").asLong());
                    assertThat(n).isEqualTo(25);
                }
                int s0 = secondaries.get(0);
                try (Driver direct = GraphDatabase.driver("bolt://127.0.0.1:" + cluster.server(s0).boltPort(), AuthTokens.basic("neo4j", PASSWORD));
                     Session w = direct.session(SessionConfig.forDatabase("shop"))) {
                    assertThatThrownBy(() -> w.run("CREATE (:Nope)").consume()).isInstanceOfSatisfying(Neo4jException.class,
                            e -> assertThat(e.code()).isEqualTo("Neo.ClientError.Cluster.NotALeader"));
                }

                cluster.crash(s0);
                try (Session s = driver.session(SessionConfig.forDatabase("shop"))) {
                    for (int i = 0; i < 10; i++) {
                        s.executeWrite(tx -> tx.run("CREATE (:Late)").consume());
                    }
                }
                cluster.restart(s0);
                eventually(WAIT, "restarted secondary resumes", () -> cluster.server(s0).database("shop")
                        .map(Database::lastCommittedTxId).orElse(-1L) == p.lastCommittedTxId());
                assertThat(cluster.server(s0).database("shop").orElseThrow().chainHashHex()).isEqualTo(p.chainHashHex());
            }
        }
    }
}
