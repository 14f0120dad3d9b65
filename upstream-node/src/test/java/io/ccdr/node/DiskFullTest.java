package io.ccdr.node;

import io.ccdr.node.dbms.Database;
import io.ccdr.node.embedded.EmbeddedCluster;
import io.ccdr.node.security.InitialPassword;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.neo4j.driver.AccessMode;
import org.neo4j.driver.AuthTokens;
import org.neo4j.driver.Driver;
import org.neo4j.driver.GraphDatabase;
import org.neo4j.driver.Record;
import org.neo4j.driver.Session;
import org.neo4j.driver.SessionConfig;
import org.neo4j.driver.Value;
import org.neo4j.driver.exceptions.Neo4jException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import static io.ccdr.node.RootCommands.run;
import static io.ccdr.node.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The story of a follower whose disk fills up under a write load through the official driver
 * (issue #16): every acknowledged batch is there exactly once; the full member stops serving reads,
 * leaves the routing table and says why in SHOW DATABASES; when its disk has room again it rejoins
 * by itself and ends with the same txId and chain hash as the others.
 *
 * <p>Needs root (a size-limited tmpfs is mounted on the follower's data directory); otherwise it
 * reports itself skipped.
 */
class DiskFullTest {
    private static final String PASSWORD = "disk-full-pass";
    private static final int NODES_PER_BATCH = 2_000;
    private static final String FILLER = "x".repeat(200);

    @TempDir
    Path dir;

    @Test
    void aFollowerWhoseDiskFillsStopsServingReadsAndRejoinsWhenSpaceReturns() throws Exception {
        Path full = dir.resolve("server2");
        Files.createDirectories(full);
        Assumptions.assumeTrue(run("mount", "-t", "tmpfs", "-o", "size=40m", "tmpfs", full.toString()),
                "needs root to mount a size-limited tmpfs on a server's data directory");
        try (EmbeddedCluster cluster = new EmbeddedCluster(dir, 3, Map.of())) {
            for (int i = 0; i < 3; i++) {
                InitialPassword.write(Path.of(cluster.settings(i).get("server.directories.data")), PASSWORD);
            }
            cluster.start();
            if (cluster.awaitLeader("neo4j", Duration.ofSeconds(30)) == 2) {
                cluster.crash(2); // the full disk belongs to a follower: make the leader someone else
                cluster.restart(2);
                // the others elect a leader before the restarted server has reopened its copy
                Eventually.eventually(Duration.ofSeconds(60), "server 2 hosts neo4j again", () -> cluster.server(2).database("neo4j").isPresent());
            }
            int leaderNow = cluster.awaitLeader("neo4j", Duration.ofSeconds(30));
            int healthy = leaderNow == 0 ? 1 : 0;
            Database fullMember = database(cluster, 2);
            String fullBolt = "127.0.0.1:" + cluster.server(2).boltPort();

            Map<Integer, String> outcome = new HashMap<>(); // batch -> "acked" | "unknown"
            try (Driver driver = GraphDatabase.driver("neo4j://127.0.0.1:" + cluster.server(healthy).boltPort(),
                    AuthTokens.basic("neo4j", PASSWORD))) {
                int batch = 0;
                long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(4);
                while (database(cluster, 2).stoppedApplying() == null && System.nanoTime() < deadline) {
                    write(driver, batch, outcome);
                    batch++;
                }
                assertThat(database(cluster, 2).stoppedApplying()).as("the 40 MiB disk filled up after %d batches", batch)
                        .contains("No space left");

                // the full member says why, serves no reads and leaves the routing table; the others go on
                eventually(Duration.ofSeconds(30), "SHOW DATABASES reports the full member offline", () ->
                        showDatabase(driver, fullBolt).map(r -> r.get("currentStatus").asString().equals("offline")
                                && r.get("statusMessage").asString().contains("No space left")).orElse(false));
                eventually(Duration.ofSeconds(30), "the routing table leaves the full member out", () ->
                        !routingAddresses(driver).contains(fullBolt));
                try (Driver direct = GraphDatabase.driver("bolt://" + fullBolt, AuthTokens.basic("neo4j", PASSWORD));
                     Session s = direct.session(SessionConfig.builder().withDatabase("neo4j").withDefaultAccessMode(AccessMode.READ).build())) {
                    Neo4jException refused = org.assertj.core.api.Assertions.catchThrowableOfType(
                            () -> s.run("MATCH (n:Fill) RETURN count(n)").consume(), Neo4jException.class);
                    assertThat(refused).as("a read on the full member is refused").isNotNull();
                    assertThat(refused.code()).isEqualTo("Neo.TransientError.General.DatabaseUnavailable");
                    assertThat(refused.getMessage()).contains("No space left");
                }
                for (int more = 0; more < 3; more++, batch++) {
                    write(driver, batch, outcome);
                }

                // space returns: the member reopens, catches up and serves again, on its own
                assertThat(run("mount", "-o", "remount,size=512m", full.toString())).isTrue();
                eventually(Duration.ofSeconds(90), "the full member rejoins with the leader's txId and chain hash", () -> {
                    Database d = database(cluster, 2);
                    Database l = database(cluster, cluster.awaitLeader("neo4j", Duration.ofSeconds(10)));
                    return d != fullMember && d.stoppedApplying() == null && d.lastCommittedTxId() == l.lastCommittedTxId()
                            && d.chainHashHex().equals(l.chainHashHex());
                });
                eventually(Duration.ofSeconds(30), "SHOW DATABASES and the routing table have the member back", () ->
                        showDatabase(driver, fullBolt).map(r -> r.get("currentStatus").asString().equals("online")).orElse(false)
                                && routingAddresses(driver).contains(fullBolt));

                // no acknowledged batch lost, none applied twice, on any member
                for (int i = 0; i < 3; i++) {
                    Map<Long, Long> counts = database(cluster, i).read(0, g -> {
                        Map<Long, Long> c = new HashMap<>();
                        try (var ids = g.nodeIdsWithLabel("Fill")) {
                            ids.forEach(id -> c.merge(((Number) g.node(id).orElseThrow().properties().get("batch")).longValue(), 1L, Long::sum));
                        }
                        return c;
                    });
                    for (Map.Entry<Integer, String> e : outcome.entrySet()) {
                        long n = counts.getOrDefault((long) e.getKey(), 0L);
                        if (e.getValue().equals("acked")) {
                            assertThat(n).as("server %d: acknowledged batch %d exactly once", i, e.getKey()).isEqualTo(NODES_PER_BATCH);
                        } else {
                            assertThat(n).as("server %d: batch %d of unknown outcome present once or absent", i, e.getKey())
                                    .isIn(0L, (long) NODES_PER_BATCH);
                        }
                    }
                    assertThat(new TreeSet<>(counts.keySet())).as("server %d holds no batch that was never written", i)
                            .isSubsetOf(outcome.keySet().stream().map(Integer::longValue).toList());
                }
            }
        } finally {
            run("umount", "-l", full.toString());
        }
    }

    /** One batch through a managed transaction (the driver retries what the server says is retryable). */
    private static void write(Driver driver, int batch, Map<Integer, String> outcome) {
        try (Session s = driver.session(SessionConfig.forDatabase("neo4j"))) {
            s.executeWrite(tx -> tx.run("UNWIND range(1, $n) AS i CREATE (:Fill {batch: $b, i: i, s: $s})",
                    Map.of("n", NODES_PER_BATCH, "b", batch, "s", FILLER)).consume());
            outcome.put(batch, "acked");
        } catch (Neo4jException e) {
            // only a non-retryable answer reaches here: the outcome is then unknown, never "failed and safe to redo"
            outcome.put(batch, "unknown");
        }
    }

    private static Database database(EmbeddedCluster cluster, int i) {
        return cluster.server(i).database("neo4j").orElseThrow();
    }

    private static java.util.Optional<Record> showDatabase(Driver driver, String bolt) {
        try (Session s = driver.session(SessionConfig.forDatabase("system"))) {
            return s.run("SHOW DATABASE neo4j YIELD address, currentStatus, statusMessage").list().stream()
                    .filter(r -> r.get("address").asString().equals(bolt)).findFirst();
        }
    }

    private static Set<String> routingAddresses(Driver driver) {
        try (Session s = driver.session(SessionConfig.forDatabase("system"))) {
            Record r = s.run("CALL dbms.routing.getRoutingTable({}, 'neo4j')").single();
            Set<String> all = new TreeSet<>();
            for (Value server : r.get("servers").values()) {
                if (!server.get("role").asString().equals("WRITE")) {
                    all.addAll(server.get("addresses").asList(Value::asString));
                }
            }
            return all;
        }
    }
}
