package io.ccdr.node.bolt;

import io.ccdr.node.bolt.RawBoltClient.Response;
import io.ccdr.node.embedded.EmbeddedCluster;
import io.ccdr.node.store.GraphStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.neo4j.driver.AuthTokens;
import org.neo4j.driver.Config;
import org.neo4j.driver.Driver;
import org.neo4j.driver.GraphDatabase;
import org.neo4j.driver.Result;
import org.neo4j.driver.Session;
import org.neo4j.driver.SessionConfig;
import org.neo4j.driver.Transaction;
import org.neo4j.driver.exceptions.TransientException;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.ccdr.node.Eventually.eventually;
import static io.ccdr.node.bolt.RawBoltClient.FAILURE;
import static io.ccdr.node.bolt.RawBoltClient.RECORD;
import static io.ccdr.node.bolt.RawBoltClient.SUCCESS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Results stream from the store view as PULL asks for them, on a real server: the view stays open
 * exactly as long as a result does (DISCARD, RESET and a closed connection release it), results of
 * one explicit transaction are pulled alternately, and the server-wide transaction memory pool stops
 * one query that needs too much while others go on.
 */
class StreamedResultsTest {
    private static final int NODES = 10_000;
    private static final String PAD = "x".repeat(995);
    private static final int RUN = 0x10;
    private static final int PULL = 0x3F;
    private static final int DISCARD = 0x2F;
    private static final int RESET = 0x0F;
    private static final int BEGIN = 0x11;
    private static final int COMMIT = 0x12;
    private static final int ROLLBACK = 0x13;
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    static Path dir;
    static EmbeddedCluster cluster;
    static Driver driver;
    static int bolt;

    @BeforeAll
    static void start() throws Exception {
        cluster = new EmbeddedCluster(dir, 1, Map.of("dbms.security.auth_enabled", "false",
                "dbms.memory.transaction.total.max", "20m", "db.memory.transaction.max", "0")).start();
        bolt = cluster.server(0).boltPort();
        driver = GraphDatabase.driver("bolt://127.0.0.1:" + bolt, AuthTokens.none(), Config.builder().withFetchSize(1000).build());
        try (Session s = driver.session(SessionConfig.forDatabase("neo4j"))) {
            for (int from = 0; from < NODES; from += 2500) {
                int first = from;
                s.executeWrite(tx -> tx.run("UNWIND range($from, $to) AS i CREATE (:Big {i: i, s: $pad + toString(10000 + i)})",
                        Map.of("from", first, "to", first + 2499, "pad", PAD)).consume());
            }
        }
    }

    @AfterAll
    static void stop() {
        if (driver != null) {
            driver.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    private static GraphStore store() {
        return cluster.server(0).database("neo4j").orElseThrow().store();
    }

    private static void awaitNoOpenView() {
        eventually(WAIT, "no store view left open", () -> store().openViews() == 0);
    }

    private static RawBoltClient client() throws IOException {
        return RawBoltClient.connected(bolt);
    }

    /** Reads RECORDs up to the PULL's SUCCESS; returns the first value of each. */
    private static List<Object> records(RawBoltClient c, Map<String, Object>[] summary) throws IOException {
        List<Object> values = new ArrayList<>();
        while (true) {
            Response r = c.read();
            if (r.tag() == RECORD) {
                values.add(((List<?>) r.fields().get(0)).get(0));
                continue;
            }
            assertThat(r.tag()).as(r.toString()).isEqualTo(SUCCESS);
            summary[0] = r.meta();
            return values;
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object>[] meta() {
        return new Map[1];
    }

    @Test
    void anOpenResultHoldsTheViewAndDiscardResetOrADisconnectReleasesIt() throws Exception {
        awaitNoOpenView();
        for (String end : List.of("DISCARD", "RESET", "disconnect")) {
            RawBoltClient c = client();
            try {
                c.send(RUN, "MATCH (n:Big) RETURN n.i", Map.of(), Map.of("db", "neo4j"));
                assertThat(c.read().tag()).isEqualTo(SUCCESS);
                c.send(PULL, Map.of("n", 10L));
                Map<String, Object>[] summary = meta();
                assertThat(records(c, summary)).containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L);
                assertThat(summary[0]).containsEntry("has_more", true);
                assertThat(store().openViews()).as("the result streams from an open view").isGreaterThanOrEqualTo(1);
                switch (end) {
                    case "DISCARD" -> {
                        c.send(DISCARD, Map.of("n", -1L));
                        Response r = c.read();
                        assertThat(r.tag()).isEqualTo(SUCCESS);
                        assertThat(r.meta()).doesNotContainKey("has_more").containsKey("bookmark");
                    }
                    case "RESET" -> {
                        c.send(RESET);
                        assertThat(c.read().tag()).isEqualTo(SUCCESS);
                    }
                    default -> c.close();
                }
                awaitNoOpenView();
                if (!end.equals("disconnect")) {
                    // and the connection serves the next query
                    c.send(RUN, "MATCH (n:Big) RETURN count(n)", Map.of(), Map.of("db", "neo4j"));
                    c.send(PULL, Map.of("n", -1L));
                    assertThat(c.read().tag()).isEqualTo(SUCCESS);
                    assertThat(records(c, meta())).containsExactly((long) NODES);
                }
            } finally {
                c.close();
            }
        }
        awaitNoOpenView();
    }

    @Test
    void twoResultsOfOneTransactionArePulledAlternatelyAndALaterWriteDoesNotShowInAnEarlierResult() throws Exception {
        awaitNoOpenView();
        try (RawBoltClient c = client()) {
            c.send(BEGIN, Map.of("db", "neo4j"));
            assertThat(c.read().tag()).isEqualTo(SUCCESS);
            c.send(RUN, "MATCH (n:Big) RETURN n.i", Map.of(), Map.of());
            assertThat(c.read().meta()).containsEntry("qid", 0L);
            c.send(RUN, "MATCH (n:Big) WHERE n.i % 2 = 1 RETURN n.i", Map.of(), Map.of());
            assertThat(c.read().meta()).containsEntry("qid", 1L);
            Map<String, Object>[] summary = meta();
            c.send(PULL, Map.of("n", 3L, "qid", 0L));
            assertThat(records(c, summary)).containsExactly(0L, 1L, 2L);
            c.send(PULL, Map.of("n", 3L, "qid", 1L));
            assertThat(records(c, summary)).containsExactly(1L, 3L, 5L);
            c.send(PULL, Map.of("n", 2L, "qid", 0L));
            assertThat(records(c, summary)).containsExactly(3L, 4L);
            assertThat(summary[0]).containsEntry("has_more", true);

            // a statement that writes: the results already run keep what they saw when they ran
            c.send(RUN, "MATCH (n:Big) WHERE n.i < 100 DETACH DELETE n", Map.of(), Map.of());
            assertThat(c.read().meta()).containsEntry("qid", 2L);
            c.send(PULL, Map.of("n", -1L, "qid", 2L));
            assertThat(records(c, summary)).isEmpty();
            assertThat(summary[0].get("stats")).isEqualTo(Map.of("nodes-deleted", 100L, "contains-updates", true));

            c.send(PULL, Map.of("n", 3L, "qid", 1L));
            assertThat(records(c, summary)).containsExactly(7L, 9L, 11L);
            c.send(PULL, Map.of("n", -1L, "qid", 0L));
            List<Object> rest = records(c, summary);
            assertThat(rest).hasSize(NODES - 5);
            assertThat(rest.get(0)).isEqualTo(5L);
            assertThat(rest.get(rest.size() - 1)).isEqualTo((long) NODES - 1);
            assertThat(summary[0]).doesNotContainKey("has_more");

            // a statement run after the write sees it
            c.send(RUN, "MATCH (n:Big) RETURN min(n.i)", Map.of(), Map.of());
            assertThat(c.read().meta()).containsEntry("qid", 3L);
            c.send(PULL, Map.of("n", -1L, "qid", 3L));
            assertThat(records(c, summary)).containsExactly(100L);

            c.send(DISCARD, Map.of("n", -1L, "qid", 1L));
            assertThat(c.read().tag()).isEqualTo(SUCCESS);
            assertThat(store().openViews()).as("the transaction's view stays open until it ends").isGreaterThanOrEqualTo(1);
            c.send(ROLLBACK);
            assertThat(c.read().tag()).isEqualTo(SUCCESS);
        }
        awaitNoOpenView();
        try (Session s = driver.session(SessionConfig.forDatabase("neo4j"))) {
            assertThat(s.run("MATCH (n:Big) RETURN count(n)").single().get(0).asLong()).as("rolled back").isEqualTo(NODES);
        }
    }

    @Test
    void aQueryThatWouldTakeThePoolPastItsLimitFailsAloneWhileOthersGoOn() {
        SessionConfig neo4j = SessionConfig.forDatabase("neo4j");
        String collect = "MATCH (n:Big) WITH n LIMIT 10000 RETURN size(collect(n.s)) AS collected";
        try (Session b = driver.session(neo4j)) {
            assertThat(b.run(collect).single().get(0).asLong()).as("alone, it fits the pool").isEqualTo(NODES);
        }
        try (Session a = driver.session(neo4j); Transaction sorting = a.beginTransaction()) {
            // A holds a sorted result in memory while its client reads it slowly
            Result sorted = sorting.run("MATCH (n:Big) RETURN n.s AS s ORDER BY s DESC");
            assertThat(sorted.next().get(0).asString()).endsWith(String.valueOf(10000 + NODES - 1));

            try (Session b = driver.session(neo4j)) {
                assertThatThrownBy(() -> b.run(collect).consume())
                        .isInstanceOfSatisfying(TransientException.class, e -> {
                            assertThat(e.code()).isEqualTo("Neo.TransientError.General.MemoryPoolOutOfMemoryError");
                            assertThat(e.getMessage()).contains("dbms.memory.transaction.total.max threshold reached")
                                    .contains("limit 20.0 MiB");
                        });
            }
            try (Session c = driver.session(neo4j)) {
                assertThat(c.run("MATCH (n:Big) RETURN count(n)").single().get(0).asLong()).isEqualTo(NODES);
                assertThat(c.run("MATCH (n:Big) RETURN n.i ORDER BY n.i DESC LIMIT 2").list(r -> r.get(0).asLong()))
                        .containsExactly((long) NODES - 1, (long) NODES - 2);
            }
            // A itself is unharmed: it reads its result to the end
            long read = 1;
            String previous = null;
            while (sorted.hasNext()) {
                String s = sorted.next().get(0).asString();
                assertThat(previous == null || previous.compareTo(s) > 0).isTrue();
                previous = s;
                read++;
            }
            assertThat(read).isEqualTo(NODES);
            sorting.commit();
        }
        try (Session b = driver.session(neo4j)) {
            assertThat(b.run(collect).single().get(0).asLong()).as("with A done, it fits again").isEqualTo(NODES);
        }
    }
}
