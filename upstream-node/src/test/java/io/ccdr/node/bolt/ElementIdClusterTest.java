package io.ccdr.node.bolt;

import io.ccdr.node.bolt.RawBoltClient.Response;
import io.ccdr.node.embedded.EmbeddedCluster;
import io.ccdr.node.security.InitialPassword;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.neo4j.driver.AccessMode;
import org.neo4j.driver.AuthTokens;
import org.neo4j.driver.Bookmark;
import org.neo4j.driver.Driver;
import org.neo4j.driver.GraphDatabase;
import org.neo4j.driver.Record;
import org.neo4j.driver.Session;
import org.neo4j.driver.SessionConfig;
import org.neo4j.driver.Value;
import org.neo4j.driver.Values;
import org.neo4j.driver.types.IsoDuration;
import org.neo4j.driver.types.Node;
import org.neo4j.driver.types.Path;
import org.neo4j.driver.types.Relationship;

import java.time.Duration;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetTime;
import java.time.Period;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Element ids as an object mapper (Spring Data Neo4j) uses them, with the official driver against a
 * real 3-server cluster: the id a driver reads from a node or relationship is what Cypher's
 * {@code elementId()} returns and finds the element again, on the leader, on followers and after a
 * leader change; and durations and the other temporal values travel over Bolt both ways.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ElementIdClusterTest {
    private static final String PASSWORD = "element-ids-pass";
    private static final String DB = "neo4j";
    private static final Duration WAIT = Duration.ofSeconds(30);
    @TempDir
    static java.nio.file.Path dir;
    static EmbeddedCluster cluster;
    static Driver driver;

    @BeforeAll
    static void start() throws Exception {
        cluster = new EmbeddedCluster(dir, 3, Map.of());
        for (int i = 0; i < 3; i++) {
            InitialPassword.write(java.nio.file.Path.of(cluster.settings(i).get("server.directories.data")), PASSWORD);
        }
        cluster.start();
        driver = routingDriver(0);
    }

    @AfterAll
    static void stop() {
        if (driver != null) {
            driver.close();
        }
        cluster.close();
    }

    private static Driver routingDriver(int server) {
        Driver d = GraphDatabase.driver("neo4j://127.0.0.1:" + cluster.server(server).boltPort(), AuthTokens.basic("neo4j", PASSWORD));
        d.verifyConnectivity();
        return d;
    }

    private static Driver directDriver(int server) {
        return GraphDatabase.driver("bolt://127.0.0.1:" + cluster.server(server).boltPort(), AuthTokens.basic("neo4j", PASSWORD));
    }

    private static SessionConfig read(Bookmark bookmark) {
        return SessionConfig.builder().withDatabase(DB).withDefaultAccessMode(AccessMode.READ).withBookmarks(bookmark).build();
    }

    /** What one write of {@code (:Person {name})-[:KNOWS]->(:Person)} handed back, and its bookmark. */
    private record Written(Node a, Relationship knows, Node b, Bookmark bookmark) {
    }

    private static Written writeCouple(Driver d, String a, String b) {
        try (Session s = d.session(SessionConfig.forDatabase(DB))) {
            Record r = s.executeWrite(tx -> tx.run("CREATE (a:Person {name: $a})-[k:KNOWS {since: 2020}]->(b:Person {name: $b}) "
                    + "RETURN a, k, b, elementId(a) AS ea, elementId(k) AS ek, elementId(b) AS eb", Map.of("a", a, "b", b)).single());
            Written w = new Written(r.get("a").asNode(), r.get("k").asRelationship(), r.get("b").asNode(), s.lastBookmarks().iterator().next());
            // what Cypher says inside the very transaction that created them is what the structures carry
            assertThat(r.get("ea").asString()).isEqualTo(w.a().elementId());
            assertThat(r.get("ek").asString()).isEqualTo(w.knows().elementId());
            assertThat(r.get("eb").asString()).isEqualTo(w.b().elementId());
            return w;
        }
    }

    /** The lookups an object mapper generates find the elements, with their ids unchanged. */
    private static void assertFoundByElementId(Session s, Written w) {
        Node a = s.executeRead(tx -> tx.run("MATCH (n) WHERE elementId(n) = $id RETURN n", Map.of("id", w.a().elementId()))
                .single().get("n").asNode());
        assertThat(a.elementId()).isEqualTo(w.a().elementId());
        assertThat(a.get("name").asString()).isEqualTo(w.a().get("name").asString());
        List<String> both = s.executeRead(tx -> tx.run("MATCH (n) WHERE elementId(n) IN $ids RETURN n.name AS name ORDER BY name",
                Map.of("ids", List.of(w.a().elementId(), w.b().elementId()))).list(r -> r.get("name").asString()));
        assertThat(both).containsExactlyInAnyOrder(w.a().get("name").asString(), w.b().get("name").asString());
        Relationship k = s.executeRead(tx -> tx.run("MATCH ()-[r]->() WHERE elementId(r) = $id RETURN r", Map.of("id", w.knows().elementId()))
                .single().get("r").asRelationship());
        assertThat(k.elementId()).isEqualTo(w.knows().elementId());
        assertThat(k.startNodeElementId()).isEqualTo(w.a().elementId());
        assertThat(k.endNodeElementId()).isEqualTo(w.b().elementId());
        @SuppressWarnings("deprecation")
        long legacyId = w.a().id();
        String byId = s.executeRead(tx -> tx.run("MATCH (n) WHERE id(n) = $id RETURN elementId(n) AS e", Map.of("id", legacyId))
                .single().get("e").asString());
        assertThat(byId).isEqualTo(w.a().elementId());
        Path p = s.executeRead(tx -> tx.run("MATCH p = (a)-[:KNOWS]->() WHERE elementId(a) = $id RETURN p", Map.of("id", w.a().elementId()))
                .single().get("p").asPath());
        assertThat(p.start().elementId()).isEqualTo(w.a().elementId());
        assertThat(p.end().elementId()).isEqualTo(w.b().elementId());
        assertThat(p.relationships().iterator().next().elementId()).isEqualTo(w.knows().elementId());
    }

    private static String lineageId() {
        return cluster.server(cluster.awaitLeader(DB, WAIT)).systemState().databases().get(DB).lineageId();
    }

    @Test
    @Order(1)
    void theElementIdADriverReadsFindsTheElementOnTheLeaderAndOnEveryFollower() {
        Written w = writeCouple(driver, "Ada", "Bob");
        // Neo4j 5's form, with the database's lineage id
        assertThat(w.a().elementId()).isEqualTo("4:" + lineageId() + ":" + legacyId(w.a()));
        assertThat(w.knows().elementId()).startsWith("5:" + lineageId() + ":");
        assertThat(w.knows().startNodeElementId()).isEqualTo(w.a().elementId());

        // a new session sees the write only through its bookmark (causal consistency); its reads go to followers
        try (Session routed = driver.session(SessionConfig.builder().withDatabase(DB).withBookmarks(w.bookmark()).build())) {
            assertFoundByElementId(routed, w);
            // how Spring Data Neo4j saves a relationship between two entities it loaded
            String saved = routed.executeWrite(tx -> tx.run("MATCH (s) WHERE elementId(s) = $from MATCH (t) WHERE elementId(t) = $to "
                    + "MERGE (s)-[r:LIKES]->(t) RETURN elementId(r) AS e", Map.of("from", w.b().elementId(), "to", w.a().elementId()))
                    .single().get("e").asString());
            assertThat(saved).startsWith("5:" + lineageId() + ":");
        }
        try (Session routedRead = driver.session(read(w.bookmark()))) {
            assertFoundByElementId(routedRead, w);
        }
        int leader = cluster.awaitLeader(DB, WAIT);
        Set<Integer> followersChecked = new java.util.HashSet<>();
        for (int i = 0; i < cluster.size(); i++) {
            try (Driver direct = directDriver(i); Session s = direct.session(read(w.bookmark()))) {
                assertFoundByElementId(s, w);
                Record r = s.executeRead(tx -> tx.run("MATCH (a:Person {name: 'Ada'})-[k:KNOWS]->(b) RETURN a, k, elementId(a) AS e").single());
                assertThat(r.get("a").asNode().elementId()).as("element id on member %d", i).isEqualTo(w.a().elementId());
                assertThat(r.get("k").asRelationship().elementId()).as("relationship element id on member %d", i)
                        .isEqualTo(w.knows().elementId());
                assertThat(r.get("e").asString()).isEqualTo(w.a().elementId());
                if (i != leader) {
                    followersChecked.add(i);
                }
            }
        }
        assertThat(followersChecked).hasSize(2);
    }

    @SuppressWarnings("deprecation")
    private static long legacyId(Node n) {
        return n.id();
    }

    @Test
    @Order(2)
    void bolt44HasNoElementIdsOnTheWireButCypherElementIdIsTheSame() throws Exception {
        Written w = writeCouple(driver, "Cyd", "Dan");
        int leader = cluster.awaitLeader(DB, WAIT);
        try (RawBoltClient c = new RawBoltClient(cluster.server(leader).boltPort())) {
            assertThat(c.handshake(0x00000404)).isEqualTo(0x0404);
            c.send(0x01, Map.of("user_agent", "raw/1.0", "scheme", "basic", "principal", "neo4j", "credentials", PASSWORD,
                    "patch_bolt", List.of("utc")));
            assertThat(c.read().tag()).isEqualTo(RawBoltClient.SUCCESS);
            Map<String, Object> extra = Map.of("db", DB, "bookmarks", List.of(w.bookmark().value()));
            c.send(0x10, "MATCH (n:Person {name: 'Cyd'}) RETURN elementId(n) AS e", Map.of(), extra);
            c.send(0x3F, Map.of("n", -1L));
            assertThat(c.read().tag()).isEqualTo(RawBoltClient.SUCCESS);
            Response row = c.read();
            assertThat(row.tag()).isEqualTo(RawBoltClient.RECORD);
            assertThat(row.fields()).containsExactly(List.of(w.a().elementId()));
            assertThat(c.read().tag()).isEqualTo(RawBoltClient.SUCCESS);
            c.send(0x10, "MATCH (n) WHERE elementId(n) = $e RETURN n.name AS name", Map.of("e", w.a().elementId()), extra);
            c.send(0x3F, Map.of("n", -1L));
            assertThat(c.read().tag()).isEqualTo(RawBoltClient.SUCCESS);
            assertThat(c.read().fields()).containsExactly(List.of("Cyd"));
        }
    }

    @Test
    @Order(3)
    void durationsTravelOverBoltBothWays() {
        try (Session s = driver.session(SessionConfig.forDatabase(DB))) {
            IsoDuration twoHours = s.run("RETURN duration('PT2H') AS d").single().get("d").asIsoDuration();
            assertThat(List.of(twoHours.months(), twoHours.days(), twoHours.seconds(), (long) twoHours.nanoseconds()))
                    .containsExactly(0L, 0L, 7_200L, 0L);
            IsoDuration mixed = s.run("RETURN duration('P1Y2M3DT4H5M6.5S') AS d").single().get("d").asIsoDuration();
            assertThat(List.of(mixed.months(), mixed.days(), mixed.seconds(), (long) mixed.nanoseconds()))
                    .containsExactly(14L, 3L, 14_706L, 500_000_000L);

            Value iso = Values.isoDuration(14, 3, 3_600, 500);
            Record r = s.run("RETURN $d AS d, $d + duration('P1D') AS later, toString($d) AS text", Map.of("d", iso)).single();
            assertThat(r.get("d").asIsoDuration()).isEqualTo(iso.asIsoDuration());
            assertThat(r.get("later").asIsoDuration()).isEqualTo(Values.isoDuration(14, 4, 3_600, 500).asIsoDuration());
            assertThat(r.get("text").asString()).isEqualTo("P1Y2M3DT1H0.0000005S");

            Record j = s.run("RETURN $d AS d, toString($d) AS text, $p AS p",
                    Map.of("d", Duration.ofMinutes(90).plusNanos(7), "p", Period.of(1, 2, 3))).single();
            IsoDuration fromJava = j.get("d").asIsoDuration();
            assertThat(List.of(fromJava.months(), fromJava.days(), fromJava.seconds(), (long) fromJava.nanoseconds()))
                    .containsExactly(0L, 0L, 5_400L, 7L);
            assertThat(j.get("text").asString()).isEqualTo("PT1H30M0.000000007S");
            IsoDuration fromPeriod = j.get("p").asIsoDuration();
            assertThat(List.of(fromPeriod.months(), fromPeriod.days())).containsExactly(14L, 3L);
        }
    }

    @Test
    @Order(4)
    void theOtherTemporalValuesTravelBothWaysToo() {
        List<Object> values = List.of(
                LocalDate.of(2024, 2, 29),
                OffsetTime.of(23, 59, 58, 999_999_999, ZoneOffset.ofHours(-5)),
                LocalTime.of(0, 0, 1, 5),
                ZonedDateTime.of(2024, 3, 31, 3, 30, 0, 1, ZoneId.of("Europe/Berlin")),
                ZonedDateTime.of(1900, 1, 1, 0, 0, 0, 0, ZoneOffset.ofHoursMinutes(5, 30)),
                LocalDateTime.of(2000, 1, 1, 12, 0, 0, 42));
        try (Session s = driver.session(SessionConfig.forDatabase(DB))) {
            for (Object v : values) {
                Record r = s.run("RETURN $x AS x, toString($x) AS text", Map.of("x", v)).single();
                assertThat(r.get("x").asObject()).as("round trip of %s", v).isEqualTo(v);
                assertThat(r.get("text").asString()).as("Cypher sees %s", v).isNotEmpty();
            }
            Record made = s.run("RETURN date('2024-02-29') AS d, localtime('12:30:00') AS lt, time('12:30:00+01:00') AS t, "
                    + "localdatetime('2000-01-01T12:00:00') AS ldt, datetime('2020-01-01T00:00:00Z') AS dt, "
                    + "datetime('2020-01-01T00:00:00Z') + duration('P1M') AS later").single();
            assertThat(made.get("d").asLocalDate()).isEqualTo(LocalDate.of(2024, 2, 29));
            assertThat(made.get("lt").asLocalTime()).isEqualTo(LocalTime.of(12, 30));
            assertThat(made.get("t").asOffsetTime()).isEqualTo(OffsetTime.of(12, 30, 0, 0, ZoneOffset.ofHours(1)));
            assertThat(made.get("ldt").asLocalDateTime()).isEqualTo(LocalDateTime.of(2000, 1, 1, 12, 0));
            assertThat(made.get("dt").asZonedDateTime().toInstant()).isEqualTo(java.time.Instant.parse("2020-01-01T00:00:00Z"));
            assertThat(made.get("later").asZonedDateTime().toInstant()).isEqualTo(java.time.Instant.parse("2020-02-01T00:00:00Z"));
        }
    }

    @Test
    @Order(5)
    void elementIdsSurviveALeaderChange() throws Exception {
        Written before = writeCouple(driver, "Eve", "Fay");
        int oldLeader = cluster.awaitLeader(DB, WAIT);
        cluster.crash(oldLeader);
        int survivor = (oldLeader + 1) % cluster.size();
        try (Driver afterCrash = routingDriver(survivor)) {
            int newLeader = cluster.awaitLeader(DB, WAIT);
            assertThat(newLeader).isNotEqualTo(oldLeader);
            Written after = writeCouple(afterCrash, "Gil", "Hal");
            assertThat(after.a().elementId()).startsWith("4:" + lineageId() + ":");
            try (Session s = afterCrash.session(SessionConfig.builder().withDatabase(DB).withBookmarks(after.bookmark()).build())) {
                assertFoundByElementId(s, before);
                assertFoundByElementId(s, after);
            }
            cluster.restart(oldLeader);
            assertThat(cluster.server(oldLeader).awaitReady(WAIT)).isTrue();
            try (Driver direct = directDriver(oldLeader); Session s = direct.session(read(after.bookmark()))) {
                assertFoundByElementId(s, before);
                assertFoundByElementId(s, after);
            }
        }
    }
}
