package io.ccdr.node.cypher;

import io.ccdr.node.graph.ElementIds;
import io.ccdr.node.graph.GraphException;
import io.ccdr.node.graph.IsoDuration;
import io.ccdr.node.graph.NodeRecord;
import io.ccdr.node.graph.PathValue;
import io.ccdr.node.graph.RelationshipRecord;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CypherEngineTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-01-02T03:04:05Z"), ZoneOffset.UTC);
    private CypherEngine engine;
    private TestGraph graph;

    @BeforeEach
    void setUp() {
        engine = new CypherEngine(ProcedureRegistry.EMPTY, CLOCK);
        graph = new TestGraph();
    }

    private QueryResult run(String query) {
        return engine.execute(graph, query, Map.of());
    }

    private QueryResult run(String query, Map<String, Object> params) {
        return engine.execute(graph, query, params);
    }

    private List<List<Object>> rows(String query) {
        return run(query).rows();
    }

    private Object single(String query) {
        List<List<Object>> rows = rows(query);
        assertThat(rows).hasSize(1);
        assertThat(rows.get(0)).hasSize(1);
        return rows.get(0).get(0);
    }

    private GraphException error(String query) {
        try {
            run(query);
        } catch (GraphException e) {
            return e;
        }
        throw new AssertionError("expected an error from: " + query);
    }

    @Test
    void createAndMatchNodesWithStatistics() {
        QueryResult created = run("CREATE (a:Person {name: 'Ann', age: 30}), (b:Person:Admin {name: 'Bob'}) RETURN a.name");
        assertThat(created.columns()).containsExactly("a.name");
        assertThat(created.rows()).containsExactly(List.of("Ann"));
        assertThat(created.statistics().nodesCreated()).isEqualTo(2);
        assertThat(created.statistics().labelsAdded()).isEqualTo(3);
        assertThat(created.statistics().propertiesSet()).isEqualTo(3);
        assertThat(created.statistics().containsUpdates()).isTrue();
        assertThat(created.queryType()).isEqualTo("rw");

        QueryResult matched = run("MATCH (p:Person) WHERE p.age IS NULL RETURN p");
        assertThat(matched.queryType()).isEqualTo("r");
        NodeRecord bob = (NodeRecord) matched.rows().get(0).get(0);
        assertThat(bob.labels()).containsExactlyInAnyOrder("Person", "Admin");
        assertThat(bob.properties()).containsEntry("name", "Bob");
        assertThat(matched.statistics().containsUpdates()).isFalse();
    }

    @Test
    void relationshipsDirectionsAndMultiHopPaths() {
        run("CREATE (a:N {n: 1})-[:R {w: 1}]->(b:N {n: 2})-[:R {w: 2}]->(c:N {n: 3}), (c)-[:S]->(a)");
        assertThat(rows("MATCH (x:N {n: 1})-[:R]->(y) RETURN y.n")).containsExactly(List.of(2L));
        assertThat(rows("MATCH (x:N {n: 1})<-[:S]-(y) RETURN y.n")).containsExactly(List.of(3L));
        assertThat(rows("MATCH (x:N {n: 2})-[r]-(y) RETURN y.n ORDER BY y.n")).containsExactly(List.of(1L), List.of(3L));
        assertThat(rows("MATCH (a)-[:R]->()-[:R]->(c) RETURN a.n, c.n")).containsExactly(List.of(1L, 3L));
        assertThat(rows("MATCH (a {n: 1})-[:R*1..2]->(c) RETURN c.n ORDER BY c.n")).containsExactly(List.of(2L), List.of(3L));

        QueryResult path = run("MATCH p = (a {n: 1})-[:R]->()-[:R]->() RETURN p, length(p), nodes(p)[2].n");
        PathValue pv = (PathValue) path.rows().get(0).get(0);
        assertThat(pv.nodes()).hasSize(3);
        assertThat(pv.relationships()).extracting(RelationshipRecord::type).containsExactly("R", "R");
        assertThat(path.rows().get(0).subList(1, 3)).containsExactly(2L, 3L);
        // relationship isomorphism: the same relationship is not used twice in one pattern
        assertThat(rows("MATCH (a)-[r1]-(b)-[r2]-(a) RETURN count(*)")).containsExactly(List.of(0L));
    }

    @Test
    void elementIdsAreNeo4jsFormWithTheDatabaseIdTheCallerNames() {
        run("CREATE (:S {v: 1})-[:T]->(:S {v: 2})");
        List<Object> ids = engine.execute(graph, engine.parse("MATCH (a)-[r]->(b) RETURN id(a), id(r), elementId(a), elementId(r), "
                + "elementId(b)"), Map.of(), "lineage-1").rows().get(0);
        assertThat(ids.subList(2, 5)).containsExactly(ElementIds.node("lineage-1", (Long) ids.get(0)),
                ElementIds.relationship("lineage-1", (Long) ids.get(1)), ElementIds.node("lineage-1", (Long) ids.get(0) + 1));
        assertThat((String) ids.get(2)).startsWith("4:lineage-1:");
        assertThat((String) ids.get(3)).startsWith("5:lineage-1:");
        assertThat(single("MATCH (n:S {v: 1}) RETURN elementId(n)")).isEqualTo(ElementIds.node(CypherEngine.STANDALONE_DATABASE_ID,
                (Long) ids.get(0)));
    }

    @Test
    void idAndElementIdLookupsAreSeeksThatFindWhatTheFunctionsReturn() {
        run("CREATE (:S {v: 1})-[:T]->(:S {v: 2}), (:S {v: 3})");
        long id = (Long) single("MATCH (n:S {v: 1}) RETURN id(n)");
        String e1 = (String) single("MATCH (n:S {v: 1}) RETURN elementId(n)");
        String e3 = (String) single("MATCH (n:S {v: 3}) RETURN elementId(n)");
        String rel = (String) single("MATCH ()-[r:T]->() RETURN elementId(r)");
        graph.nodeScans = 0;
        assertThat(run("MATCH (n)-[:T]->(m) WHERE id(n) = $id RETURN m.v", Map.of("id", id)).rows()).containsExactly(List.of(2L));
        assertThat(run("MATCH (n) WHERE id(n) = $id RETURN n.v", Map.of("id", (double) id)).rows()).containsExactly(List.of(1L));
        assertThat(run("MATCH (n) WHERE elementId(n) = $e RETURN n.v", Map.of("e", e1)).rows()).containsExactly(List.of(1L));
        assertThat(run("MATCH (n) WHERE $e = elementId(n) RETURN n.v", Map.of("e", e3)).rows()).containsExactly(List.of(3L));
        assertThat(run("MATCH (n) WHERE elementId(n) IN $es RETURN n.v ORDER BY n.v",
                Map.of("es", Arrays.asList(e3, e1, e1, "nope", 7L, null))).rows()).containsExactly(List.of(1L), List.of(3L));
        assertThat(run("MATCH (n) WHERE id(n) IN [$id, 12345] RETURN n.v", Map.of("id", id)).rows()).containsExactly(List.of(1L));
        assertThat(run("MATCH (a)-[r]->(b) WHERE elementId(r) = $r RETURN a.v, b.v", Map.of("r", rel)).rows())
                .containsExactly(List.of(1L, 2L));
        assertThat(run("MATCH (a)<-[r]-(b) WHERE elementId(r) = $r RETURN a.v, b.v", Map.of("r", rel)).rows())
                .containsExactly(List.of(2L, 1L));
        assertThat(run("MATCH (a)-[r]-(b) WHERE elementId(r) IN [$r] RETURN a.v, b.v ORDER BY a.v", Map.of("r", rel)).rows())
                .containsExactly(List.of(1L, 2L), List.of(2L, 1L));
        assertThat(run("MATCH (a)-[r]->(b:S) WHERE elementId(r) = $r RETURN b.v", Map.of("r", rel)).rows()).containsExactly(List.of(2L));
        assertThat(graph.nodeScans).as("node scans by the seeks above").isZero();
    }

    @Test
    void idLookupsFindNothingForValuesThatCompareUnequal() {
        run("CREATE (:S {v: 1})-[:T]->(:S {v: 2})");
        long id = (Long) single("MATCH (n:S {v: 1}) RETURN id(n)");
        String e = (String) single("MATCH (n:S {v: 1}) RETURN elementId(n)");
        String rel = (String) single("MATCH ()-[r:T]->() RETURN elementId(r)");
        String otherDatabase = "4:another-database:" + id;
        for (Object wrong : Arrays.asList(String.valueOf(id), 12345L, otherDatabase, rel, e.replace(":" + id, ":0" + id), "nope")) {
            String query = wrong instanceof Long ? "MATCH (n) WHERE id(n) = $x RETURN n" : "MATCH (n) WHERE elementId(n) = $x RETURN n";
            assertThat(run(query, Map.of("x", wrong)).rows()).as("%s with %s", query, wrong).isEmpty();
            // the same comparison without a seek (OR defeats it) agrees
            assertThat(run(query.replace("RETURN", "OR false RETURN"), Map.of("x", wrong)).rows()).isEmpty();
        }
        assertThat(run("MATCH (n) WHERE id(n) = $x RETURN n", Map.of("x", e)).rows()).isEmpty();
        assertThat(run("MATCH (n) WHERE elementId(n) = $x RETURN n", Map.of("x", id)).rows()).isEmpty();
        assertThat(run("MATCH ()-[r]->() WHERE elementId(r) = $x RETURN r", Map.of("x", e)).rows()).isEmpty();
        assertThat(run("MATCH (n) WHERE elementId(n) IN $x RETURN n", java.util.Collections.singletonMap("x", null)).rows()).isEmpty();
    }

    @Test
    void optionalMatchProducesNulls() {
        run("CREATE (:A {v: 1}), (:A {v: 2})-[:T]->(:B)");
        assertThat(rows("MATCH (a:A) OPTIONAL MATCH (a)-[:T]->(b) RETURN a.v, b IS NULL ORDER BY a.v"))
                .containsExactly(List.of(1L, true), List.of(2L, false));
    }

    @Test
    void mergeMatchesOrCreatesAndRunsOnCreateOnMatch() {
        QueryResult first = run("MERGE (n:User {id: 1}) ON CREATE SET n.created = timestamp() ON MATCH SET n.seen = true RETURN n.created");
        assertThat(first.statistics().nodesCreated()).isEqualTo(1);
        assertThat(first.rows().get(0).get(0)).isEqualTo(CLOCK.millis());
        QueryResult second = run("MERGE (n:User {id: 1}) ON CREATE SET n.created = 0 ON MATCH SET n.seen = true RETURN n.seen");
        assertThat(second.statistics().nodesCreated()).isZero();
        assertThat(second.rows()).containsExactly(List.of(true));

        run("MATCH (u:User {id: 1}) MERGE (u)-[:OWNS]->(d:Doc {id: 7})");
        QueryResult again = run("MATCH (u:User {id: 1}) MERGE (u)-[r:OWNS]->(d:Doc {id: 7}) RETURN count(r)");
        assertThat(again.statistics().relationshipsCreated()).isZero();
        assertThat(again.rows()).containsExactly(List.of(1L));

        // MERGE sees rows merged earlier in the same clause
        QueryResult unwind = run("UNWIND [5, 5, 6] AS x MERGE (n:U {x: x}) RETURN count(*)");
        assertThat(unwind.statistics().nodesCreated()).isEqualTo(2);
        assertThat(error("MERGE (n:U {x: null})").statusCode()).isEqualTo("Neo.ClientError.Statement.SemanticError");
    }

    @Test
    void mergeAndMatchUseThePropertyLookup() {
        run("CREATE (:P {k: 1}), (:P {k: 2})");
        int before = graph.propertyLookups;
        run("MATCH (p:P {k: 2}) RETURN p");
        run("MATCH (p:P) WHERE p.k = $k RETURN p", Map.of("k", 1));
        run("MERGE (p:P {k: 3})");
        assertThat(graph.propertyLookups - before).isEqualTo(3);
        // IN on a label+property: one lookup per distinct element, results in id order, no duplicates
        before = graph.propertyLookups;
        assertThat(rows("MATCH (p:P) WHERE p.k IN [2, 1, 2, 99] RETURN p.k")).containsExactly(List.of(1L), List.of(2L));
        assertThat(graph.propertyLookups - before).isEqualTo(3);
        // an integral float equals an integer in Cypher; the engine does not rely on the store for that
        assertThat(rows("MATCH (p:P {k: 2.0}) RETURN p.k")).containsExactly(List.of(2L));
    }

    @Test
    void setRemoveAndMapOperators() {
        run("CREATE (n:X {a: 1, b: 2})");
        QueryResult set = run("MATCH (n:X) SET n.c = 3, n:Y, n += {a: 10, b: null} RETURN n.a, n.b, n.c, labels(n)");
        assertThat(set.rows()).containsExactly(Arrays.asList(10L, null, 3L, List.of("X", "Y")));
        assertThat(set.statistics().labelsAdded()).isEqualTo(1);
        assertThat(set.statistics().propertiesSet()).isEqualTo(3);
        assertThat(rows("MATCH (n:X) SET n = {z: 1} RETURN properties(n)")).containsExactly(List.of(Map.of("z", 1L)));
        QueryResult removed = run("MATCH (n:X) REMOVE n.z, n:Y RETURN keys(n), labels(n)");
        assertThat(removed.rows()).containsExactly(List.of(List.of(), List.of("X")));
        assertThat(removed.statistics().labelsRemoved()).isEqualTo(1);
    }

    @Test
    void deleteRequiresDetachForConnectedNodes() {
        run("CREATE (a:D)-[:R]->(b:D)");
        GraphException e = error("MATCH (n:D) DELETE n");
        assertThat(e.statusCode()).isEqualTo("Neo.ClientError.Schema.ConstraintValidationFailed");
        assertThat(e.getMessage()).matches("Cannot delete node<\\d+>, because it still has relationships\\. "
                + "To delete this node, you must first delete its relationships\\.");
        QueryResult r = run("MATCH (n:D) DETACH DELETE n");
        assertThat(r.statistics().nodesDeleted()).isEqualTo(2);
        assertThat(r.statistics().relationshipsDeleted()).isEqualTo(1);
        assertThat(single("MATCH (n) RETURN count(n)")).isEqualTo(0L);
        run("CREATE (a:E)-[:R]->(b:E)");
        assertThat(run("MATCH (a)-[r]->(b) DELETE r, a, b").statistics().nodesDeleted()).isEqualTo(2);
    }

    @Test
    void projectionOrderSkipLimitDistinctAndAggregation() {
        run("UNWIND range(1, 6) AS i CREATE (:V {i: i, g: i % 2})");
        assertThat(rows("MATCH (v:V) RETURN v.i AS i ORDER BY i DESC SKIP 1 LIMIT 2")).containsExactly(List.of(5L), List.of(4L));
        assertThat(rows("MATCH (v:V) RETURN DISTINCT v.g AS g ORDER BY g")).containsExactly(List.of(0L), List.of(1L));
        assertThat(rows("MATCH (v:V) RETURN v.g AS g, count(*) AS c, sum(v.i) AS s, collect(v.i)[0] AS f, avg(v.i) AS a, "
                + "min(v.i) AS lo, max(v.i) AS hi ORDER BY g"))
                .containsExactly(List.of(0L, 3L, 12L, 2L, 4.0, 2L, 6L), List.of(1L, 3L, 9L, 1L, 3.0, 1L, 5L));
        assertThat(single("MATCH (v:V) RETURN count(DISTINCT v.g)")).isEqualTo(2L);
        assertThat(single("MATCH (v:Nope) RETURN count(*)")).isEqualTo(0L);
        assertThat(rows("MATCH (v:Nope) RETURN v.g, count(*)")).isEmpty();
        assertThat(rows("MATCH (v:V) WITH v.g AS g, count(*) AS c WHERE g = 1 RETURN g, c")).containsExactly(List.of(1L, 3L));
        assertThat(rows("MATCH (v:V) WITH v ORDER BY v.i LIMIT 2 RETURN collect(v.i)")).containsExactly(List.of(List.of(1L, 2L)));
        assertThat(rows("MATCH (v:V) RETURN v.g, count(*) ORDER BY count(*) DESC, v.g LIMIT 1")).containsExactly(List.of(0L, 3L));
        QueryResult star = run("MATCH (v:V {i: 1}) WITH v, v.i AS i RETURN *");
        assertThat(star.columns()).containsExactly("i", "v");
    }

    @Test
    void expressionsAndNullLogic() {
        assertThat(single("RETURN 1 + 2 * 3 - 4 / 2")).isEqualTo(5L);
        assertThat(single("RETURN 2 ^ 3")).isEqualTo(8.0);
        assertThat(single("RETURN 7 % 3")).isEqualTo(1L);
        assertThat(single("RETURN 'a' + 'b' + 1")).isEqualTo("ab1");
        assertThat(single("RETURN [1, 2] + 3")).isEqualTo(List.of(1L, 2L, 3L));
        assertThat(single("RETURN null = null")).isNull();
        assertThat(single("RETURN null OR true")).isEqualTo(true);
        assertThat(single("RETURN null AND false")).isEqualTo(false);
        assertThat(single("RETURN null AND true")).isNull();
        assertThat(single("RETURN true XOR false")).isEqualTo(true);
        assertThat(single("RETURN NOT null")).isNull();
        assertThat(single("RETURN 2 IN [1, null]")).isNull();
        assertThat(single("RETURN 1 IN [1, null]")).isEqualTo(true);
        assertThat(single("RETURN 1 < 2 < 3")).isEqualTo(true);
        assertThat(single("RETURN 1 = 1.0")).isEqualTo(true);
        assertThat(single("RETURN 'abc' STARTS WITH 'a' AND 'abc' ENDS WITH 'c' AND 'abc' CONTAINS 'b'")).isEqualTo(true);
        assertThat(single("RETURN 'abc' =~ 'a.*'")).isEqualTo(true);
        assertThat(single("RETURN 1 < 'a'")).isNull();
        assertThat(single("RETURN [1, 2, 3, 4][1..3]")).isEqualTo(List.of(2L, 3L));
        assertThat(single("RETURN [1, 2, 3][-1]")).isEqualTo(3L);
        assertThat(single("RETURN [1, 2, 3][5]")).isNull();
        assertThat(single("RETURN {a: {b: 2}}.a.b")).isEqualTo(2L);
        assertThat(single("RETURN CASE 2 WHEN 1 THEN 'one' WHEN 2 THEN 'two' ELSE 'many' END")).isEqualTo("two");
        assertThat(single("RETURN CASE WHEN 1 > 2 THEN 'x' END")).isNull();
        assertThat(single("RETURN [x IN range(1, 5) WHERE x % 2 = 1 | x * 10]")).isEqualTo(List.of(10L, 30L, 50L));
        assertThat(single("RETURN reduce(s = 0, x IN [1, 2, 3] | s + x)")).isEqualTo(6L);
        assertThat(single("RETURN any(x IN [1, 2] WHERE x = 2)")).isEqualTo(true);
        assertThat(single("RETURN -9223372036854775808")).isEqualTo(Long.MIN_VALUE);
        assertThat(single("RETURN 0x1F")).isEqualTo(31L);
        assertThat(single("RETURN $p.x", Map.of("p", Map.of("x", 3)))).isEqualTo(3L);
    }

    private Object single(String query, Map<String, Object> params) {
        return run(query, params).rows().get(0).get(0);
    }

    @Test
    void functions() {
        assertThat(single("RETURN coalesce(null, 2)")).isEqualTo(2L);
        assertThat(single("RETURN toString(1.5)")).isEqualTo("1.5");
        assertThat(single("RETURN toInteger('42')")).isEqualTo(42L);
        assertThat(single("RETURN toInteger('x')")).isNull();
        assertThat(single("RETURN toFloat('1.5')")).isEqualTo(1.5);
        assertThat(single("RETURN toBoolean('TRUE')")).isEqualTo(true);
        assertThat(single("RETURN size('héllo')")).isEqualTo(5L);
        assertThat(single("RETURN head([1, 2]) + last([1, 2])")).isEqualTo(3L);
        assertThat(single("RETURN tail([1, 2, 3])")).isEqualTo(List.of(2L, 3L));
        assertThat(single("RETURN range(0, 10, 5)")).isEqualTo(List.of(0L, 5L, 10L));
        assertThat(single("RETURN abs(-3)")).isEqualTo(3L);
        assertThat(single("RETURN keys({b: 1, a: 2})")).isEqualTo(List.of("b", "a"));
        assertThat(single("RETURN toUpper('a') + toLower('B') + trim('  c ')")).isEqualTo("Abc");
        assertThat(single("RETURN split('a,b', ',')")).isEqualTo(List.of("a", "b"));
        assertThat(single("RETURN timestamp()")).isEqualTo(CLOCK.millis());
        assertThat(single("RETURN datetime()")).isEqualTo(ZonedDateTime.now(CLOCK));
        assertThat(single("RETURN datetime().year")).isEqualTo(2026L);
        assertThat(single("RETURN date('2020-02-03').month")).isEqualTo(2L);
        assertThat((String) single("RETURN randomUUID()")).matches("[0-9a-f-]{36}");
        // timestamp() is fixed for the whole query
        assertThat(single("UNWIND range(1, 100) AS i WITH collect(timestamp()) AS ts RETURN size(ts) = 100 AND all(t IN ts WHERE t = ts[0])"))
                .isEqualTo(true);
        run("CREATE (:F)-[:T {x: 1}]->(:G)");
        List<Object> row = rows("MATCH (a)-[r]->(b) RETURN type(r), id(startNode(r)) = id(a), id(endNode(r)) = id(b), "
                + "elementId(a) IS NOT NULL, exists(r.x), properties(r)").get(0);
        assertThat(row).containsExactly("T", true, true, true, true, Map.of("x", 1L));
    }

    @Test
    void durations() {
        assertThat(single("RETURN duration('P1Y2M3DT4H5M6.5S')")).isEqualTo(new IsoDuration(14, 3, 14706, 500_000_000));
        assertThat(single("RETURN toString(duration({days: 1, hours: 36}))")).isEqualTo("P1DT36H");
        assertThat(single("RETURN toString(duration('PT0S'))")).isEqualTo("PT0S");
        assertThat(single("RETURN toString(-duration('PT5H10M32.142S'))")).isEqualTo("PT-5H-10M-32.142S");
        assertThat(single("RETURN date('2020-01-31') + duration('P1M')")).isEqualTo(java.time.LocalDate.of(2020, 2, 29));
        assertThat(single("RETURN datetime('2020-01-01T00:00:00Z') - duration({days: 1})"))
                .isEqualTo(ZonedDateTime.parse("2019-12-31T00:00:00Z"));
        assertThat(single("RETURN toString(duration('PT1H') * 2.5)")).isEqualTo("PT2H30M");
        assertThat(single("RETURN toString(duration('P1D') + duration('PT1H'))")).isEqualTo("P1DT1H");
        assertThat(single("RETURN duration('P1Y2M').monthsOfYear")).isEqualTo(2L);
        assertThat(single("RETURN toString(duration.between(date('2020-01-15'), date('2021-03-20')))")).isEqualTo("P1Y2M5D");
        assertThat(single("RETURN toString(duration.inSeconds(datetime('2020-01-01T00:00:00+0100'), datetime('2020-01-01T01:30:00+01:00')))"))
                .isEqualTo("PT1H30M");
        assertThat(single("RETURN datetime() > datetime() - duration('PT1S')")).isEqualTo(true);
        assertThat(single("RETURN duration('P1D') < duration('P2D')")).isNull();
        assertThat(error("RETURN duration('P1X')").statusCode()).isEqualTo("Neo.ClientError.Statement.ArgumentError");
    }

    @Test
    void durationsCrossTheBoundaryAsIsoDurationsBothWays() {
        IsoDuration d = new IsoDuration(14, 3, 3_600, 500);
        assertThat(run("RETURN $d", Map.of("d", d)).rows()).containsExactly(List.of(d));
        assertThat(run("RETURN $d + duration('P1D'), toString($d), $d.months", Map.of("d", d)).rows())
                .containsExactly(List.of(new IsoDuration(14, 4, 3_600, 500), "P1Y2M3DT1H0.0000005S", 14L));
        assertThat(run("RETURN $d, toString($d)", Map.of("d", java.time.Duration.ofHours(2).plusNanos(7))).rows())
                .containsExactly(List.of(new IsoDuration(0, 0, 7_200, 7), "PT2H0.000000007S"));
        assertThat(run("RETURN $d", Map.of("d", java.time.Period.of(1, 2, 3))).rows()).containsExactly(List.of(new IsoDuration(14, 3, 0, 0)));
        assertThat(run("RETURN date('2020-01-31') + $d", Map.of("d", new IsoDuration(1, 0, 0, 0))).rows())
                .containsExactly(List.of(java.time.LocalDate.of(2020, 2, 29)));
        // nested in lists and maps, and negative (nanoseconds stay 0..999,999,999, the sign is in seconds)
        assertThat(single("RETURN [duration('PT1S'), {d: -duration('PT0.5S')}]"))
                .isEqualTo(List.of(new IsoDuration(0, 0, 1, 0), Map.of("d", new IsoDuration(0, 0, -1, 500_000_000))));
    }

    @Test
    void typeAndArithmeticErrors() {
        assertThat(error("RETURN 1 / 0").statusCode()).isEqualTo("Neo.ClientError.Statement.ArithmeticError");
        assertThat(error("RETURN 1 / 0").getMessage()).isEqualTo("/ by zero");
        assertThat(single("RETURN 1.0 / 0")).isEqualTo(Double.POSITIVE_INFINITY);
        assertThat(error("RETURN true + 1").statusCode()).isEqualTo("Neo.ClientError.Statement.TypeError");
        assertThat(error("UNWIND [1] AS x RETURN x AND true").statusCode()).isEqualTo("Neo.ClientError.Statement.TypeError");
        // evidently mistyped operands are rejected when the query is compiled, as Neo4j does
        assertThat(error("RETURN 1 AND true").statusCode()).isEqualTo("Neo.ClientError.Statement.SyntaxError");
        assertThat(error("RETURN 1 AND true").getMessage()).isEqualTo("Type mismatch: expected Boolean but was Integer");
        assertThat(error("RETURN 9223372036854775807 + 1").statusCode()).isEqualTo("Neo.ClientError.Statement.ArithmeticError");
        assertThat(error("WITH 1 AS x RETURN x.prop").statusCode()).isEqualTo("Neo.ClientError.Statement.TypeError");
        assertThat(error("CREATE (n {m: {a: 1}})").statusCode()).isEqualTo("Neo.ClientError.Statement.TypeError");
    }

    @Test
    void syntaxErrorsPointAtTheOffendingToken() {
        GraphException e = error("MATCH (n) RETRUN n");
        assertThat(e.statusCode()).isEqualTo("Neo.ClientError.Statement.SyntaxError");
        assertThat(e.getMessage()).startsWith("Invalid input 'RETRUN': expected")
                .contains("(line 1, column 11 (offset: 10))")
                .endsWith("\"MATCH (n) RETRUN n\"\n           ^");
        GraphException multi = error("MATCH (n)\nRETURN n +");
        assertThat(multi.getMessage()).contains("(line 2, column 11 (offset: 20))");
        assertThat(error("RETURN 'abc").getMessage()).contains("string literal");
        assertThat(error("CREATE (n:Person {name: 'a'}").getMessage()).startsWith("Invalid input '': expected");
        assertThat(error("RETURN 1; RETURN 2").statusCode()).isEqualTo("Neo.ClientError.Statement.SyntaxError");
        assertThat(error("EXPLAIN MATCH (n) RETURN n").getMessage()).contains("EXPLAIN is not supported");
        assertThat(rows("RETURN 1;")).containsExactly(List.of(1L));
    }

    @Test
    void semanticErrors() {
        GraphException e = error("MATCH (n) RETURN x");
        assertThat(e.statusCode()).isEqualTo("Neo.ClientError.Statement.SyntaxError");
        assertThat(e.getMessage()).isEqualTo("Variable `x` not defined (line 1, column 18 (offset: 17))\n"
                + "\"MATCH (n) RETURN x\"\n                  ^");
        assertThat(error("RETURN foo(1)").getMessage()).startsWith("Unknown function 'foo'");
        assertThat(error("MATCH (n) WITH n.x RETURN 1").getMessage()).contains("must be aliased");
        assertThat(error("MATCH (n)").getMessage()).contains("Query cannot conclude with MATCH");
        assertThat(error("CREATE (a)-[:R]-(b)").getMessage()).contains("Only directed relationships");
        assertThat(error("CREATE (a)-[]->(b)").getMessage()).contains("Exactly one relationship type");
        assertThat(error("MATCH (n) WHERE count(n) > 1 RETURN n").getMessage()).contains("Invalid use of aggregating function");
        assertThat(error("RETURN count(count(*))").getMessage()).contains("inside of aggregate functions");
        assertThat(error("MATCH (n) RETURN DISTINCT n.a ORDER BY n.b").getMessage()).contains("not possible to access variables");
        assertThat(error("RETURN 1 AS a, 2 AS a").getMessage()).contains("same name");
        assertThat(error("RETURN 1 LIMIT -1").statusCode()).isEqualTo("Neo.ClientError.Statement.SyntaxError");
    }

    @Test
    void parametersMissingAndNormalised() {
        GraphException e = error("MATCH (n) WHERE n.x = $a AND n.y = $b RETURN n");
        assertThat(e.statusCode()).isEqualTo("Neo.ClientError.Statement.ParameterMissing");
        assertThat(e.getMessage()).isEqualTo("Expected parameter(s): a, b");
        Map<String, Object> params = new HashMap<>();
        params.put("i", 5);
        params.put("list", List.of(1, 2.5f));
        assertThat(run("RETURN $i + 1, $list", params).rows()).containsExactly(List.of(6L, List.of(1L, 2.5)));
    }

    @Test
    void writesOnReadOnlyViewFailWithAccessMode() {
        Statement s = engine.parse("CREATE (n)");
        assertThat(engine.isWrite(s)).isTrue();
        assertThat(engine.isWrite(engine.parse("MATCH (n) RETURN n"))).isFalse();
        assertThatThrownBy(() -> engine.execute(graph.readOnly(), s, Map.of()))
                .isInstanceOf(GraphException.class)
                .extracting(x -> ((GraphException) x).statusCode()).isEqualTo("Neo.ClientError.Statement.AccessMode");
        assertThat(engine.execute(graph.readOnly(), "MATCH (n) RETURN count(n)", Map.of()).rows()).containsExactly(List.of(0L));
    }

    @Test
    void nestingAndLengthLimitsAreSyntaxErrors() {
        String deep = "RETURN " + "(".repeat(5000) + "1" + ")".repeat(5000);
        GraphException e = error(deep);
        assertThat(e.statusCode()).isEqualTo("Neo.ClientError.Statement.SyntaxError");
        assertThat(e.getMessage()).contains("nesting");
        String deepList = "RETURN " + "[".repeat(100_000);
        assertThat(error(deepList).statusCode()).isEqualTo("Neo.ClientError.Statement.SyntaxError");
        String ok = "RETURN " + "(".repeat(100) + "1" + ")".repeat(100);
        assertThat(single(ok)).isEqualTo(1L);
        String huge = "RETURN '" + "x".repeat(Parser.MAX_QUERY_LENGTH) + "'";
        assertThat(error(huge).getMessage()).startsWith("Query is too long");
        assertThat(error("RETURN " + "NOT ".repeat(20000) + "true").statusCode()).isEqualTo("Neo.ClientError.Statement.SyntaxError");
        assertThat(error("RETURN " + "-".repeat(20000) + "1").statusCode()).isEqualTo("Neo.ClientError.Statement.SyntaxError");
        assertThat(single("RETURN 1" + " + 1".repeat(400))).isEqualTo(401L);
        assertThat(error("RETURN 1" + " + 1".repeat(100_000)).getMessage()).contains("nesting");
    }

    @Test
    void unionAndUnwindAndForeach() {
        assertThat(rows("RETURN 1 AS x UNION RETURN 1 AS x")).containsExactly(List.of(1L));
        assertThat(rows("RETURN 1 AS x UNION ALL RETURN 1 AS x")).hasSize(2);
        assertThat(rows("UNWIND [[1, 2], null, 3] AS x RETURN x")).containsExactly(List.of(List.of(1L, 2L)), Arrays.asList((Object) null), List.of(3L));
        QueryResult fe = run("FOREACH (i IN [1, 2, 3] | CREATE (:F {i: i}))");
        assertThat(fe.statistics().nodesCreated()).isEqualTo(3);
        assertThat(fe.columns()).isEmpty();
    }

    @Test
    void patternPredicatesAndComprehensions() {
        run("CREATE (a:A {n: 'a'})-[:K]->(b:B {n: 'b'}), (:A {n: 'c'})");
        assertThat(rows("MATCH (x:A) WHERE (x)-[:K]->() RETURN x.n")).containsExactly(List.of("a"));
        assertThat(rows("MATCH (x:A) WHERE NOT (x)-[:K]->() RETURN x.n")).containsExactly(List.of("c"));
        assertThat(rows("MATCH (x:A {n: 'a'}) RETURN [(x)-[:K]->(y) | y.n]")).containsExactly(List.of(List.of("b")));
        assertThat(rows("MATCH (x:A {n: 'a'}) RETURN x {.n, k: 1}")).containsExactly(List.of(Map.of("n", "a", "k", 1L)));
        assertThat(rows("MATCH (x:A) WHERE EXISTS { (x)-[:K]->(y:B) WHERE y.n = 'b' } RETURN x.n")).containsExactly(List.of("a"));
        assertThat(rows("MATCH (x:A) WHERE NOT EXISTS { MATCH (x)-->() } RETURN x.n")).containsExactly(List.of("c"));
        assertThat(rows("MATCH (x:A) RETURN x.n, COUNT { (x)-->() } AS c ORDER BY x.n"))
                .containsExactly(List.of("a", 1L), List.of("c", 0L));
        assertThat(error("MATCH (x) RETURN (x)-->()").getMessage()).contains("exists()");
        assertThat(rows("MATCH (x:A) WHERE EXISTS { MATCH (x)-->(y) WITH y WHERE y.n = 'b' RETURN y } RETURN x.n"))
                .containsExactly(List.of("a"));
        assertThat(rows("MATCH (x:A) RETURN x.n, COUNT { MATCH (x)-->(y) RETURN y } AS c ORDER BY x.n"))
                .containsExactly(List.of("a", 1L), List.of("c", 0L));
        assertThat(error("MATCH (x) WHERE EXISTS { MATCH (x)-->(y) CREATE (y)-[:R]->(x) } RETURN x").getMessage())
                .contains("cannot contain a query that updates");
        assertThat(error("MATCH (x) WHERE EXISTS { MATCH (x)-->(y) RETURN z } RETURN x").getMessage())
                .startsWith("Variable `z` not defined");
    }

    @Test
    void interruptedQueriesStopWithTerminated() throws Exception {
        // a clique where unbounded variable-length expansion explodes combinatorially
        run("UNWIND range(1, 9) AS i CREATE (:K {i: i})");
        run("MATCH (a:K), (b:K) WHERE a.i < b.i CREATE (a)-[:E]->(b)");
        GraphException[] failure = new GraphException[1];
        Thread t = new Thread(() -> {
            try {
                run("MATCH p = (a)-[*]-(b) RETURN count(p)");
            } catch (GraphException e) {
                failure[0] = e;
            }
        });
        t.start();
        t.interrupt();
        t.join(30_000);
        assertThat(t.isAlive()).isFalse();
        assertThat(failure[0]).isNotNull();
        assertThat(failure[0].statusCode()).isEqualTo("Neo.ClientError.Transaction.Terminated");
    }

    private static final long MIB = 1 << 20;

    private List<List<Object>> drain(QueryStream s) {
        List<List<Object>> out = new java.util.ArrayList<>();
        try (s) {
            for (List<Object> row = s.next(); row != null; row = s.next()) {
                out.add(row);
            }
        }
        return out;
    }

    private QueryStream stream(String query, io.ccdr.node.memory.TransactionMemory memory) {
        return engine.stream(graph, engine.parse(query), Map.of(), CypherEngine.STANDALONE_DATABASE_ID, memory);
    }

    @Test
    void streamingOperatorsHoldNoAccountedMemoryWhileBufferingOnesAreBoundedByTheTransactionLimit() {
        var memory = new io.ccdr.node.memory.TransactionMemory(MIB, null, "test");
        // 200,000 rows through UNWIND, WITH, WHERE and count(): nothing is buffered
        assertThat(drain(stream("UNWIND range(1, 200000) AS i WITH i * 2 AS j WHERE j % 3 = 0 RETURN count(*)", memory)))
                .containsExactly(List.of(66666L));
        assertThat(memory.used()).isZero();
        // ORDER BY ... LIMIT keeps only the rows it returns
        assertThat(drain(stream("UNWIND range(1, 200000) AS i RETURN i ORDER BY i DESC LIMIT 2", memory)))
                .containsExactly(List.of(200000L), List.of(199999L));
        assertThat(memory.used()).isZero();
        // collect() and a full ORDER BY must hold every row: past 1 MiB the query fails, naming the setting
        for (String query : List.of("UNWIND range(1, 200000) AS i RETURN collect(i)",
                "UNWIND range(1, 200000) AS i RETURN i ORDER BY i DESC",
                "UNWIND range(1, 200000) AS i RETURN DISTINCT i")) {
            assertThatThrownBy(() -> drain(stream(query, memory)))
                    .as(query)
                    .isInstanceOf(GraphException.class)
                    .hasMessageContaining("db.memory.transaction.max threshold reached")
                    .hasMessageContaining("limit 1.0 MiB")
                    .extracting(x -> ((GraphException) x).statusCode()).isEqualTo("Neo.ClientError.General.TransactionOutOfMemoryError");
            assertThat(memory.used()).as("released after " + query).isZero();
        }
    }

    @Test
    void oneValueCannotOutgrowTheLimitWhileItIsBuiltAndRangeIsNotMaterialised() {
        var memory = new io.ccdr.node.memory.TransactionMemory(MIB, null, "test");
        assertThatThrownBy(() -> drain(stream("RETURN size([x IN range(1, 200000) | toString(x)])", memory)))
                .isInstanceOf(GraphException.class).hasMessageContaining("db.memory.transaction.max threshold reached");
        assertThat(memory.used()).isZero();
        assertThat(drain(stream("RETURN size([x IN range(1, 10000) | toString(x)]) AS n", memory))).containsExactly(List.of(10000L));
        // a range is computed as it is read: ten million integers in a 1 MiB transaction
        assertThat(drain(stream("WITH range(1, 10000000) AS r RETURN size(r), r[9999999], r[-2]", memory)))
                .containsExactly(List.of(10_000_000L, 10_000_000L, 9_999_999L));
        assertThat(rows("RETURN range(10, 1, -3), range(1, 0), range(-2, 2, 2)"))
                .containsExactly(List.of(List.of(10L, 7L, 4L, 1L), List.of(), List.of(-2L, 0L, 2L)));
        assertThat(error("RETURN range(-9223372036854775807, 9223372036854775807)").getMessage())
                .contains("more than 10000000 elements");
    }

    @Test
    void aQueryPastItsPoolFailsWithMemoryPoolOutOfMemoryErrorAndGivesItsMemoryBack() {
        var pools = new io.ccdr.node.memory.MemoryPools(10 * MIB, 0, 0);
        var memory = pools.newTransaction("neo4j");
        assertThatThrownBy(() -> drain(stream("UNWIND range(1, 500000) AS i RETURN i ORDER BY i DESC", memory)))
                .isInstanceOf(GraphException.class)
                .hasMessageContaining("dbms.memory.transaction.total.max threshold reached")
                .extracting(x -> ((GraphException) x).statusCode()).isEqualTo("Neo.TransientError.General.MemoryPoolOutOfMemoryError");
        memory.close();
        assertThat(pools.server().used()).isZero();
    }

    @Test
    void aReadPullsFromTheStoreOnlyAsRowsAreAskedForAndClosingReleasesTheScan() {
        run("UNWIND range(1, 100) AS i CREATE (:N {i: i})");
        io.ccdr.node.graph.GraphReader base = graph.readOnly();
        int[] pulled = {0};
        boolean[] scanClosed = {false};
        io.ccdr.node.graph.GraphReader counting = (io.ccdr.node.graph.GraphReader) java.lang.reflect.Proxy.newProxyInstance(
                getClass().getClassLoader(), new Class<?>[] {io.ccdr.node.graph.GraphReader.class}, (proxy, method, args) -> {
                    Object result = method.invoke(base, args);
                    if (method.getName().equals("nodeIdsWithLabel")) {
                        return ((java.util.stream.Stream<?>) result).peek(id -> pulled[0]++).onClose(() -> scanClosed[0] = true);
                    }
                    return result;
                });
        QueryStream s = engine.stream(counting, engine.parse("MATCH (n:N) WHERE n.i > 50 RETURN n.i AS i"), Map.of(),
                CypherEngine.STANDALONE_DATABASE_ID, io.ccdr.node.memory.TransactionMemory.unlimited());
        assertThat(pulled[0]).as("nothing read before the first row is asked for").isZero();
        assertThat(s.next()).containsExactly(51L);
        assertThat(pulled[0]).as("the scan stopped at the first match").isEqualTo(51);
        assertThat(s.next()).containsExactly(52L);
        assertThat(pulled[0]).isEqualTo(52);
        assertThat(scanClosed[0]).isFalse();
        s.close();
        assertThat(scanClosed[0]).as("closing the result closes the store scan").isTrue();
        assertThat(s.next()).isNull();
    }

    @Test
    void writesHappenWhenTheStreamIsOpenedEvenIfNoRowIsRead() {
        try (QueryStream s = stream("UNWIND range(1, 3) AS i CREATE (n:W {i: i}) RETURN n.i", io.ccdr.node.memory.TransactionMemory.unlimited())) {
            assertThat(s.statistics().nodesCreated()).isEqualTo(3);
        }
        assertThat(single("MATCH (n:W) RETURN count(n)")).isEqualTo(3L);
    }

    @Test
    void engineIsSafeToShareBetweenThreads() throws Exception {
        int threads = 4;
        List<Thread> workers = new java.util.ArrayList<>();
        List<Throwable> errors = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        for (int w = 0; w < threads; w++) {
            int id = w;
            workers.add(new Thread(() -> {
                try {
                    TestGraph own = new TestGraph();
                    for (int i = 0; i < 200; i++) {
                        engine.execute(own, "CREATE (:T {w: $w, i: $i})", Map.of("w", id, "i", i));
                        engine.parse("RETURN " + (i % 50));
                    }
                    Object count = engine.execute(own, "MATCH (t:T {w: $w}) RETURN count(t)", Map.of("w", id)).rows().get(0).get(0);
                    assertThat(count).isEqualTo(200L);
                } catch (Throwable e) {
                    errors.add(e);
                }
            }));
        }
        workers.forEach(Thread::start);
        for (Thread t : workers) {
            t.join(30_000);
        }
        assertThat(errors).isEmpty();
    }

    @Test
    void parseCacheReturnsTheSameStatement() {
        assertThat(engine.parse("RETURN 1")).isSameAs(engine.parse("RETURN 1"));
        assertThat(engine.parse("RETURN 1").queryType()).isEqualTo("r");
        assertThat(engine.parse("CREATE (n)").queryType()).isEqualTo("w");
        assertThat(engine.parse("MATCH (n) SET n.x = 1").queryType()).isEqualTo("rw");
    }
}
