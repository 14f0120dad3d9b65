package io.ccdr.node.query;

import io.ccdr.node.ServerProcess;
import io.ccdr.node.embedded.EmbeddedCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.neo4j.driver.AuthTokens;
import org.neo4j.driver.Config;
import org.neo4j.driver.Driver;
import org.neo4j.driver.GraphDatabase;
import org.neo4j.driver.Result;
import org.neo4j.driver.Session;
import org.neo4j.driver.SessionConfig;
import org.neo4j.driver.exceptions.ClientException;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static io.ccdr.node.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Issue 14's measurement as a test: a server started with a small heap holds more data than its heap,
 * a driver reads all of it in one result, and the server is still up and serving afterwards. Sorting it
 * all cannot be streamed: the transaction's memory limit (default a quarter of the heap) stops that
 * query alone, with one log line, and the server goes on.
 */
class SmallHeapServerTest {
    private static final int NODES = 200_000;
    /** Under 1 MiB per transaction: 3.5 MB ones (Raft fragments) ran this heap out while being applied, on main too. */
    private static final int BATCH = 900;
    /** With the 7 digits of the node's number, 1000 characters: 200 MB of values against a 128 MiB heap. */
    private static final String PAD = "x".repeat(993);

    @TempDir
    Path dir;

    private static String logOf(ServerProcess server) {
        try {
            return server.log();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void aResultLargerThanTheHeapStreamsToTheDriverAndTheServerStaysUp() throws Exception {
        List<Integer> ports = EmbeddedCluster.freePorts(3);
        Map<String, String> settings = Map.of(
                "server.directories.data", dir.resolve("data").toString(),
                "server.default_listen_address", "127.0.0.1",
                "server.default_advertised_address", "127.0.0.1",
                "server.cluster.raft.listen_address", ":" + ports.get(0),
                "server.cluster.listen_address", ":" + ports.get(1),
                "server.bolt.listen_address", ":" + ports.get(2),
                "dbms.security.auth_enabled", "false");
        Config config = Config.builder().withFetchSize(1000).withoutEncryption().build();
        try (ServerProcess server = new ServerProcess(dir.resolve("process"), settings).start("128m");
             Driver driver = GraphDatabase.driver("neo4j://127.0.0.1:" + ports.get(2), AuthTokens.none(), config)) {
            try {
                story(server, driver);
            } catch (Throwable e) {
                String log = logOf(server);
                throw new AssertionError(e + "\n--- server log (last 8000 chars):\n" + log.substring(Math.max(0, log.length() - 8000)), e);
            }
        }
    }

    private void story(ServerProcess server, Driver driver) {
        eventually(Duration.ofSeconds(90), "the server is ready", () -> logOf(server).contains("ready:"));
        SessionConfig neo4j = SessionConfig.forDatabase("neo4j");
        for (int from = 0; from < NODES; from += BATCH) {
            int first = from;
            try (Session session = driver.session(neo4j)) {
                session.executeWrite(tx -> tx.run("UNWIND range($from, $to) AS i CREATE (:Big {s: $pad + toString(1000000 + i)})",
                        Map.of("from", first, "to", Math.min(NODES, first + BATCH) - 1, "pad", PAD)).consume());
            }
        }

        long rows = 0;
        long chars = 0;
        try (Session session = driver.session(neo4j)) {
            Result result = session.run("MATCH (n:Big) RETURN n.s");
            while (result.hasNext()) {
                chars += result.next().get(0).asString().length();
                rows++;
            }
        }
        assertThat(rows).isEqualTo(NODES);
        assertThat(chars).as("characters streamed").isEqualTo((long) NODES * 1000);

        try (Session session = driver.session(neo4j)) {
            assertThatThrownBy(() -> session.run("MATCH (n:Big) RETURN n.s ORDER BY n.s DESC").consume())
                    .isInstanceOfSatisfying(ClientException.class, e -> {
                        assertThat(e.code()).isEqualTo("Neo.ClientError.General.TransactionOutOfMemoryError");
                        assertThat(e.getMessage()).contains("db.memory.transaction.max threshold reached");
                    });
        }
        try (Session session = driver.session(neo4j)) {
            assertThat(session.run("MATCH (n:Big) RETURN count(n)").single().get(0).asLong()).isEqualTo(NODES);
            assertThat(session.run("MATCH (n:Big) RETURN n.s ORDER BY n.s DESC LIMIT 1").single().get(0).asString())
                    .endsWith(String.valueOf(1000000 + NODES - 1));
        }
        assertThat(server.isAlive()).isTrue();
        String log = logOf(server);
        assertThat(log).doesNotContain("OutOfMemoryError: Java heap space");
        assertThat(log.lines().filter(l -> l.contains("was stopped")).count())
                .as("one log line for the stopped transaction:\n" + log).isEqualTo(1);
    }
}
