package io.ccdr.node.bolt;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.neo4j.driver.AuthTokens;
import org.neo4j.driver.Bookmark;
import org.neo4j.driver.Config;
import org.neo4j.driver.Driver;
import org.neo4j.driver.EagerResult;
import org.neo4j.driver.GraphDatabase;
import org.neo4j.driver.Record;
import org.neo4j.driver.Result;
import org.neo4j.driver.Session;
import org.neo4j.driver.SessionConfig;
import org.neo4j.driver.Transaction;
import org.neo4j.driver.Value;
import org.neo4j.driver.Values;
import org.neo4j.driver.exceptions.AuthenticationException;
import org.neo4j.driver.exceptions.ClientException;
import org.neo4j.driver.exceptions.DatabaseException;
import org.neo4j.driver.summary.ResultSummary;
import org.neo4j.driver.types.IsoDuration;
import org.neo4j.driver.types.Node;
import org.neo4j.driver.types.Path;
import org.neo4j.driver.types.Relationship;

import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The official Java driver against the Bolt server and the test backend. */
class BoltDriverCompatibilityTest {
    private static TestBackend backend;
    private static BoltServer server;
    private static Driver direct;
    private static Driver routing;

    @BeforeAll
    static void start() {
        backend = new TestBackend();
        server = new BoltServer(backend).start(BoltConfig.defaults("127.0.0.1", 0).withThreads(1, 4));
        backend.routeAddress = "127.0.0.1:" + server.boundPort();
        direct = driver("bolt://127.0.0.1:" + server.boundPort(), "secret");
        routing = driver("neo4j://127.0.0.1:" + server.boundPort(), "secret");
    }

    static Driver driver(String uri, String password) {
        return GraphDatabase.driver(uri, AuthTokens.basic("neo4j", password), Config.builder()
                .withMaxTransactionRetryTime(15, TimeUnit.SECONDS)
                .withConnectionTimeout(5, TimeUnit.SECONDS)
                .build());
    }

    @AfterAll
    static void stop() {
        direct.close();
        routing.close();
        server.close();
    }

    @BeforeEach
    void clear() {
        backend.begins.clear();
        backend.events.clear();
    }

    @Test
    void directAndRoutingDriversConnectAndQuery() {
        direct.verifyConnectivity();
        routing.verifyConnectivity();
        // verifyConnectivity asks for the system database's routing table.
        assertThat(backend.events).contains("route system");
        for (Driver d : List.of(direct, routing)) {
            EagerResult result = d.executableQuery("RETURN 1 AS x").execute();
            assertThat(result.keys()).containsExactly("x");
            assertThat(result.records()).singleElement().satisfies(r -> assertThat(r.get("x").asLong()).isEqualTo(1));
            assertThat(result.summary().database().name()).isEqualTo("neo4j");
        }
        try (Session s = routing.session()) {
            assertThat(s.run("RETURN 1 AS x").single().get("x").asInt()).isEqualTo(1);
        }
        assertThat(server.boundPort()).isPositive();
    }

    @Test
    void autoCommitRunBeginsImplicitTransactionAndCommitsAfterStream() {
        try (Session s = direct.session(SessionConfig.forDatabase("movies"))) {
            ResultSummary summary = s.run("CREATE (n)").consume();
            assertThat(summary.counters().nodesCreated()).isEqualTo(1);
            assertThat(summary.counters().containsUpdates()).isTrue();
            assertThat(summary.database().name()).isEqualTo("movies");
            assertThat(s.lastBookmarks()).extracting(Bookmark::value)
                    .containsExactly("FB:test:" + backend.bookmarkCounter.get());
        }
        TransactionRequest req = backend.begins.get(backend.begins.size() - 1);
        assertThat(req.implicit()).isTrue();
        assertThat(req.database()).isEqualTo("movies");
        assertThat(req.principal()).isEqualTo("neo4j");
        assertThat(req.accessMode()).isEqualTo(AccessMode.WRITE);
        assertThat(backend.events).containsSubsequence("begin implicit", "run CREATE (n)", "commit");
    }

    @Test
    void explicitTransactionsCommitAndRollBack() {
        try (Session s = direct.session()) {
            try (Transaction tx = s.beginTransaction()) {
                assertThat(tx.run("RETURN 1 AS x").single().get("x").asLong()).isEqualTo(1);
                tx.run("CREATE (n)").consume();
                tx.commit();
            }
            assertThat(backend.events).containsSubsequence("begin explicit", "run RETURN 1 AS x", "run CREATE (n)",
                    "commit");
            backend.events.clear();
            try (Transaction tx = s.beginTransaction()) {
                tx.run("CREATE (n)").consume();
                tx.rollback();
            }
            assertThat(backend.events).containsExactly("begin explicit", "run CREATE (n)", "rollback");
        }
    }

    @Test
    void severalResultsOpenInOneTransaction() {
        try (Session s = direct.session(SessionConfig.builder().withFetchSize(2).build());
             Transaction tx = s.beginTransaction()) {
            Result a = tx.run("UNWIND range(1, $n) AS i RETURN i", Map.of("n", 5));
            Result b = tx.run("UNWIND range(1, $n) AS i RETURN i", Map.of("n", 3));
            // Interleaved consumption: the driver pulls each with its own qid, 2 rows at a time.
            assertThat(a.next().get("i").asLong()).isEqualTo(1);
            assertThat(b.list(r -> r.get("i").asLong())).containsExactly(1L, 2L, 3L);
            List<Long> rest = a.list(r -> r.get("i").asLong());
            assertThat(rest).containsExactly(2L, 3L, 4L, 5L);
            tx.commit();
        }
    }

    @Test
    void fetchSizeStreamsInBatches() {
        try (Session s = direct.session(SessionConfig.builder().withFetchSize(3).build())) {
            List<Long> all = s.run("UNWIND range(1, $n) AS i RETURN i", Map.of("n", 10)).list(r -> r.get("i").asLong());
            assertThat(all).hasSize(10).startsWith(1L).endsWith(10L);
            // A partially consumed auto-commit result is discarded when the session closes.
            Result partial = s.run("UNWIND range(1, $n) AS i RETURN i", Map.of("n", 10));
            assertThat(partial.next().get("i").asLong()).isEqualTo(1);
        }
        assertThat(backend.events).endsWith("commit");
    }

    @Test
    void largeResultsStreamCompletely() {
        for (long fetchSize : new long[]{-1, 1000}) {
            try (Session s = direct.session(SessionConfig.builder().withFetchSize(fetchSize).build())) {
                Result r = s.run("UNWIND range(1, $n) AS i RETURN i", Map.of("n", 200_000));
                long count = 0;
                long sum = 0;
                while (r.hasNext()) {
                    sum += r.next().get("i").asLong();
                    count++;
                }
                assertThat(count).isEqualTo(200_000);
                assertThat(sum).isEqualTo(200_000L * 200_001L / 2);
            }
        }
    }

    @Test
    void managedWriteIsRetriedOnTransientErrors() {
        backend.flakyFailures.set(2);
        backend.flakyAttempts.set(0);
        try (Session s = routing.session()) {
            boolean ok = s.executeWrite(tx -> tx.run("FLAKY").single().get("ok").asBoolean());
            assertThat(ok).isTrue();
        }
        assertThat(backend.flakyAttempts.get()).isEqualTo(3);
        assertThat(backend.events.stream().filter(e -> e.equals("rollback")).count()).isEqualTo(2);
    }

    @Test
    void bookmarksFlowFromCommitToTheNextSession() {
        Set<Bookmark> bookmarks;
        try (Session s = routing.session()) {
            s.executeWrite(tx -> tx.run("CREATE (n)").consume());
            bookmarks = s.lastBookmarks();
        }
        String committed = "FB:test:" + backend.bookmarkCounter.get();
        assertThat(bookmarks).extracting(Bookmark::value).containsExactly(committed);
        backend.begins.clear();
        try (Session s = routing.session(SessionConfig.builder().withBookmarks(bookmarks)
                .withDefaultAccessMode(org.neo4j.driver.AccessMode.READ).build())) {
            s.executeRead(tx -> tx.run("RETURN 1 AS x").consume());
        }
        TransactionRequest read = backend.begins.get(backend.begins.size() - 1);
        assertThat(read.bookmarks()).containsExactly(committed);
        assertThat(read.accessMode()).isEqualTo(AccessMode.READ);
        assertThat(read.implicit()).isFalse();
    }

    @Test
    void transactionConfigReachesTheBackend() {
        try (Session s = direct.session()) {
            s.executeWrite(tx -> tx.run("RETURN 1 AS x").consume(), org.neo4j.driver.TransactionConfig.builder()
                    .withTimeout(java.time.Duration.ofSeconds(7)).withMetadata(Map.of("app", "test")).build());
        }
        TransactionRequest req = backend.begins.get(backend.begins.size() - 1);
        assertThat(req.timeout()).isEqualTo(java.time.Duration.ofSeconds(7));
        assertThat(req.metadata()).containsEntry("app", "test");
    }

    @Test
    void impersonatedUserReachesRoutingAndTransactions() {
        backend.routePrincipals.clear();
        try (Session s = routing.session(SessionConfig.builder().withImpersonatedUser("bob").build())) {
            assertThat(s.run("RETURN 1 AS x").single().get("x").asLong()).isEqualTo(1);
        }
        TransactionRequest req = backend.begins.get(backend.begins.size() - 1);
        assertThat(req.impersonatedUser()).isEqualTo("bob");
        assertThat(req.principal()).isEqualTo("neo4j");
        assertThat(backend.routePrincipals).contains("bob");
    }

    @Test
    void failureIsReportedAndTheConnectionRecovers() {
        try (Session s = direct.session()) {
            assertThatThrownBy(() -> s.run("FAIL").consume())
                    .isInstanceOf(ClientException.class)
                    .satisfies(e -> assertThat(((ClientException) e).code())
                            .isEqualTo("Neo.ClientError.Statement.SyntaxError"))
                    .hasMessageContaining("Invalid input 'FAIL'");
            assertThat(s.run("RETURN 1 AS x").single().get("x").asLong()).isEqualTo(1);
            try (Transaction tx = s.beginTransaction()) {
                assertThatThrownBy(() -> tx.run("FAIL").consume()).isInstanceOf(ClientException.class);
            }
            assertThat(s.run("RETURN 1 AS x").single().get("x").asLong()).isEqualTo(1);
            assertThatThrownBy(() -> s.run("BOOM").consume())
                    .isInstanceOf(DatabaseException.class)
                    .satisfies(e -> assertThat(((DatabaseException) e).code())
                            .isEqualTo("Neo.DatabaseError.General.UnknownError"))
                    .hasMessageNotContaining("secret internal detail");
            assertThat(s.run("RETURN 1 AS x").single().get("x").asLong()).isEqualTo(1);
        }
    }

    @Test
    void wrongPasswordIsAnAuthenticationException() {
        for (String scheme : List.of("bolt", "neo4j")) {
            try (Driver bad = driver(scheme + "://127.0.0.1:" + server.boundPort(), "wrong")) {
                assertThatThrownBy(bad::verifyConnectivity)
                        .isInstanceOf(AuthenticationException.class)
                        .satisfies(e -> assertThat(((AuthenticationException) e).code())
                                .isEqualTo("Neo.ClientError.Security.Unauthorized"));
            }
        }
        direct.verifyConnectivity();
    }

    @Test
    void sessionAuthUsesLogoffAndLogon() {
        assertThat(direct.verifyAuthentication(AuthTokens.basic("neo4j", "secret"))).isTrue();
        assertThat(direct.verifyAuthentication(AuthTokens.basic("neo4j", "wrong"))).isFalse();
        try (Session s = direct.session(Session.class, SessionConfig.defaultConfig(), AuthTokens.basic("neo4j", "secret"))) {
            assertThat(s.run("RETURN 1 AS x").single().get("x").asLong()).isEqualTo(1);
        }
        try (Session s = direct.session(Session.class, SessionConfig.defaultConfig(), AuthTokens.basic("neo4j", "nope"))) {
            assertThatThrownBy(() -> s.run("RETURN 1 AS x").consume()).isInstanceOf(AuthenticationException.class);
        }
        assertThat(direct.executableQuery("RETURN 1 AS x").execute().records()).hasSize(1);
    }

    @Test
    void blockedBackendCallDoesNotStallOtherConnections() throws Exception {
        backend.slowGate = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newSingleThreadExecutor();
        try {
            java.util.concurrent.Future<Boolean> slow = pool.submit(() -> {
                try (Session s = direct.session()) {
                    return s.run("SLOW").single().get("done").asBoolean();
                }
            });
            assertThat(backend.slowEntered.await(10, TimeUnit.SECONDS)).isTrue();
            for (int i = 0; i < 20; i++) {
                assertThat(routing.executableQuery("RETURN 1 AS x").execute().records()).hasSize(1);
            }
            assertThat(slow.isDone()).isFalse();
            backend.slowGate.countDown();
            assertThat(slow.get(10, TimeUnit.SECONDS)).isTrue();
        } finally {
            backend.slowGate.countDown();
            pool.shutdownNow();
        }
    }

    @Test
    void concurrentSessionsKeepTheirResponsesApart() throws Exception {
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(8);
        try {
            List<java.util.concurrent.Future<List<Long>>> futures = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                long n = 20 + t;
                futures.add(pool.submit(() -> {
                    List<Long> sums = new ArrayList<>();
                    for (int i = 0; i < 25; i++) {
                        try (Session s = direct.session(SessionConfig.builder().withFetchSize(7).build())) {
                            sums.add(s.executeRead(tx -> tx.run("UNWIND range(1, $n) AS i RETURN i", Map.of("n", n))
                                    .list(r -> r.get("i").asLong()).stream().mapToLong(Long::longValue).sum()));
                        }
                    }
                    return sums;
                }));
            }
            for (int t = 0; t < 8; t++) {
                long n = 20 + t;
                assertThat(futures.get(t).get(30, TimeUnit.SECONDS)).hasSize(25).containsOnly(n * (n + 1) / 2);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void graphEntitiesAndTemporalValuesAreDecodedByTheDriver() {
        Record r = direct.executableQuery("GRAPH").execute().records().get(0);
        Node a = r.get("a").asNode();
        assertThat(a.labels()).containsExactly("Person");
        assertThat(a.get("name").asString()).isEqualTo("Alice");
        assertThat(a.get("age").asLong()).isEqualTo(42);
        assertThat(a.elementId()).isEqualTo("4:db-neo4j:1");
        Relationship knows = r.get("r").asRelationship();
        assertThat(knows.type()).isEqualTo("KNOWS");
        assertThat(knows.elementId()).isEqualTo("5:db-neo4j:7");
        assertThat(knows.startNodeElementId()).isEqualTo("4:db-neo4j:1");
        assertThat(knows.endNodeElementId()).isEqualTo("4:db-neo4j:2");
        assertThat(knows.get("since").asLong()).isEqualTo(2020);
        Path p = r.get("p").asPath();
        assertThat(p.length()).isEqualTo(2);
        assertThat(p.start().elementId()).isEqualTo("4:db-neo4j:1");
        assertThat(p.end().elementId()).isEqualTo("4:db-neo4j:1");
        List<String> segments = new ArrayList<>();
        p.forEach(seg -> segments.add(seg.start().get("name").asString() + "-" + seg.relationship().type() + "->"
                + seg.end().get("name").asString() + " " + seg.relationship().startNodeElementId()));
        assertThat(segments).containsExactly("Alice-KNOWS->Bob 4:db-neo4j:1", "Bob-KNOWS->Alice 4:db-neo4j:1");
        assertThat(r.get("when").asZonedDateTime()).isEqualTo(TestBackend.WHEN);
    }

    @Test
    void parameterValuesRoundTrip() {
        Map<String, Object> nested = new LinkedHashMap<>();
        nested.put("list", List.of(1L, 2L, 3L));
        nested.put("inner", Map.of("k", "v"));
        List<Object> values = Arrays.asList(
                null, true, false, 0L, -16L, 127L, -129L, 40_000L, Long.MIN_VALUE, Long.MAX_VALUE, 3.25, Double.NaN,
                "", "héllo wörld ✓", "x".repeat(70_000),
                List.of(), List.of("a", "b"), nested,
                LocalDate.of(1969, 7, 20), LocalDate.of(2024, 2, 29),
                OffsetTime.of(23, 59, 58, 999_999_999, ZoneOffset.ofHours(-5)),
                LocalTime.of(0, 0, 1, 5),
                ZonedDateTime.of(2024, 3, 31, 2, 30, 0, 1, ZoneId.of("Europe/Berlin")),
                ZonedDateTime.of(1900, 1, 1, 0, 0, 0, 0, ZoneOffset.ofHoursMinutes(5, 30)),
                LocalDateTime.of(2000, 1, 1, 12, 0, 0, 42));
        try (Session s = direct.session()) {
            for (Object v : values) {
                Object back = s.run("RETURN $x AS x", Values.parameters("x", v)).single().get("x").asObject();
                if (v instanceof Double d && d.isNaN()) {
                    assertThat((Double) back).isNaN();
                } else {
                    assertThat(back).as("round trip of %s", v).isEqualTo(v);
                }
            }
            byte[] bytes = new byte[300];
            new java.util.Random(1).nextBytes(bytes);
            assertThat(s.run("RETURN $x AS x", Values.parameters("x", bytes)).single().get("x").asByteArray())
                    .isEqualTo(bytes);
            Value duration = Values.isoDuration(14, 3, 3_600, 500);
            IsoDuration d = s.run("RETURN $x AS x", Map.of("x", duration)).single().get("x").asIsoDuration();
            assertThat(d.months()).isEqualTo(14);
            assertThat(d.days()).isEqualTo(3);
            assertThat(d.seconds()).isEqualTo(3_600);
            assertThat(d.nanoseconds()).isEqualTo(500);
        }
    }
}
