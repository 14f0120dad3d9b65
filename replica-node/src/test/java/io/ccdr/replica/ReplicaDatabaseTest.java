package io.ccdr.replica;

import io.ccdr.node.dbms.Database;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.neo4j.driver.Driver;
import org.neo4j.driver.Record;
import org.neo4j.driver.Session;
import org.neo4j.driver.SessionConfig;
import org.neo4j.driver.exceptions.ClientException;
import org.neo4j.driver.exceptions.SessionExpiredException;
import org.neo4j.driver.types.Node;
import org.neo4j.driver.types.Relationship;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static io.ccdr.node.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A replica database in cluster B following a database in cluster A, driven as an operator and an application would. */
class ReplicaDatabaseTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    @TempDir
    static Path dir;
    static TwoClusters clusters;
    static Driver driverA;
    static Driver driverB;

    @BeforeAll
    static void start() throws Exception {
        clusters = new TwoClusters(dir, 3, 3, Map.of(), Map.of());
        driverA = clusters.driver(clusters.a, 0);
        driverB = clusters.driver(clusters.b, 0);
    }

    @AfterAll
    static void stop() {
        if (clusters != null) {
            clusters.close();
        }
    }

    private static void writeA(String database, int n) {
        try (Session s = driverA.session(SessionConfig.forDatabase(database))) {
            for (int i = 0; i < n; i++) {
                int k = i;
                s.executeWrite(tx -> tx.run("CREATE (:Order {n: $n})-[:FOR]->(:Customer {c: $n % 7})", Map.of("n", k)).consume());
            }
        }
    }

    private static Session systemB() {
        return driverB.session(SessionConfig.forDatabase("system"));
    }

    @Test
    void aReplicaCopiesFollowsAndStaysReadOnly() {
        try (Session s = driverA.session(SessionConfig.forDatabase("system"))) {
            s.run("CREATE DATABASE orders WAIT").consume();
        }
        eventually(WAIT, "orders has a leader in A", () -> clusters.a.leaderOf("orders").isPresent());
        // An auto-commit statement is not retried by the driver: until the member answering the routing
        // request has heard from the new leader, the table has no writer (SessionExpired), as in Neo4j.
        eventually(WAIT, "orders takes a schema command through routing", () -> {
            try (Session s = driverA.session(SessionConfig.forDatabase("orders"))) {
                s.run("CREATE INDEX order_n IF NOT EXISTS FOR (o:Order) ON (o.n)").consume();
                return true;
            } catch (SessionExpiredException e) {
                return false;
            }
        });
        writeA("orders", 40);

        try (Session s = systemB()) {
            s.run(clusters.createReplicaCall("orders-replica", "orders", 3)).consume();
        }
        clusters.assertReplicaEqualsUpstream("orders", "orders-replica", WAIT);

        writeA("orders", 25); // pushed as they commit
        clusters.assertReplicaEqualsUpstream("orders", "orders-replica", WAIT);
        Database up = clusters.upstream("orders");
        for (int i = 0; i < 3; i++) {
            TwoClusters.assertPrefix(up, clusters.b.server(i).database("orders-replica").orElseThrow());
        }

        try (Session r = driverB.session(SessionConfig.forDatabase("orders-replica"))) {
            long orders = r.executeRead(tx -> tx.run("MATCH (o:Order) RETURN count(o) AS c").single().get("c").asLong());
            assertThat(orders).isEqualTo(65);
            List<Object> indexes = r.executeRead(tx -> tx.run("SHOW INDEXES YIELD name RETURN collect(name) AS n").single().get("n").asList());
            assertThat(indexes).contains("order_n");
        }

        // read-only, whatever the server: direct (bolt://) to each member
        for (int i = 0; i < 3; i++) {
            try (Driver direct = org.neo4j.driver.GraphDatabase.driver("bolt://127.0.0.1:" + clusters.b.server(i).boltPort(),
                    org.neo4j.driver.AuthTokens.basic("neo4j", TwoClusters.PASSWORD));
                 Session w = direct.session(SessionConfig.forDatabase("orders-replica"))) {
                assertThatThrownBy(() -> w.run("CREATE (:Nope)").consume())
                        .isInstanceOfSatisfying(ClientException.class, e -> {
                            assertThat(e.code()).isEqualTo("Neo.ClientError.General.ForbiddenOnReadOnlyDatabase");
                            assertThat(e.getMessage()).contains("orders").contains("promoteReplicaDatabase");
                        });
            }
        }

        try (Session s = systemB()) {
            List<Record> rows = s.run("SHOW DATABASE `orders-replica` YIELD name, type, writer, access, lastCommittedTxId, "
                    + "upstreamLastCommittedTxId, replicationState").list();
            assertThat(rows).hasSize(3);
            for (Record row : rows) {
                assertThat(row.get("type").asString()).isEqualTo("replica");
                assertThat(row.get("writer").asBoolean()).isFalse();
                assertThat(row.get("access").asString()).isEqualTo("read-only");
                assertThat(row.get("lastCommittedTxId").asLong()).isEqualTo(up.lastCommittedTxId());
                assertThat(row.get("upstreamLastCommittedTxId").asLong()).isEqualTo(up.lastCommittedTxId());
                assertThat(row.get("replicationState").asString()).isEqualTo("connected");
            }
            Record table = s.run("CALL dbms.routing.getRoutingTable({}, 'orders-replica')").single();
            List<Object> servers = table.get("servers").asList();
            assertThat(servers).noneMatch(o -> "WRITE".equals(((Map<?, ?>) o).get("role")));
            assertThat(servers).anyMatch(o -> "READ".equals(((Map<?, ?>) o).get("role")) && ((List<?>) ((Map<?, ?>) o).get("addresses")).size() == 3);
        }

        // dropping the replica stops its subscription and removes it everywhere
        try (Session s = systemB()) {
            s.run("DROP DATABASE `orders-replica`").consume();
        }
        eventually(WAIT, "replica gone from every member of B", () -> {
            for (int i = 0; i < 3; i++) {
                if (clusters.b.server(i).database("orders-replica").isPresent()) {
                    return false;
                }
            }
            return true;
        });
        writeA("orders", 3); // the upstream is unaffected
    }

    @Test
    void aTransactionLargerThanARaftEntryReachesEveryReplicaMemberWhole() {
        try (Session s = driverA.session(SessionConfig.forDatabase("system"))) {
            s.run("CREATE DATABASE bulk WAIT").consume();
        }
        eventually(WAIT, "bulk has a leader in A", () -> clusters.a.leaderOf("bulk").isPresent());
        try (Session s = systemB()) {
            s.run(clusters.createReplicaCall("bulk-replica", "bulk", 3)).consume();
        }
        try (Session s = driverA.session(SessionConfig.forDatabase("bulk"))) {
            // about 12 MB of values in one upstream transaction: one record of the stream, many Raft entries on both sides
            s.executeWrite(tx -> tx.run("UNWIND range(1, 12000) AS i CREATE (:Big {i: i, s: $s})", Map.of("s", "z".repeat(1000))).consume());
            s.executeWrite(tx -> tx.run("CREATE (:After)").consume());
        }
        clusters.assertReplicaEqualsUpstream("bulk", "bulk-replica", WAIT);
        Database up = clusters.upstream("bulk");
        for (int i = 0; i < 3; i++) {
            Database member = clusters.b.server(i).database("bulk-replica").orElseThrow();
            TwoClusters.assertPrefix(up, member);
            long big = member.read(0, g -> {
                try (var ids = g.nodeIdsWithLabel("Big")) {
                    return ids.count();
                }
            });
            assertThat(big).as("replica member %d holds the large transaction whole", i).isEqualTo(12_000);
        }
    }

    @Test
    void aReplicaHandsOutItsUpstreamsElementIdsOnEveryMember() {
        try (Session s = driverA.session(SessionConfig.forDatabase("system"))) {
            s.run("CREATE DATABASE people WAIT").consume();
        }
        eventually(WAIT, "people has a leader in A", () -> clusters.a.leaderOf("people").isPresent());
        Record created;
        try (Session s = driverA.session(SessionConfig.forDatabase("people"))) {
            created = s.executeWrite(tx -> tx.run("CREATE (a:Person {name: 'Ada'})-[k:KNOWS]->(b:Person {name: 'Bob'}) RETURN a, k").single());
        }
        Node ada = created.get("a").asNode();
        Relationship knows = created.get("k").asRelationship();
        try (Session s = systemB()) {
            s.run(clusters.createReplicaCall("people-replica", "people", 3)).consume();
        }
        clusters.assertReplicaEqualsUpstream("people", "people-replica", WAIT);

        // the replica continues the upstream's history under its own Raft group
        var upstreamInfo = clusters.upstream("people").info();
        var replicaInfo = clusters.b.server(0).systemState().databases().get("people-replica");
        assertThat(replicaInfo.lineageId()).isEqualTo(upstreamInfo.lineageId());
        assertThat(replicaInfo.groupId()).isNotEqualTo(upstreamInfo.groupId());
        assertThat(ada.elementId()).isEqualTo("4:" + upstreamInfo.lineageId() + ":" + ada.elementId().substring(ada.elementId().lastIndexOf(':') + 1));

        for (int i = 0; i < 3; i++) {
            try (Driver direct = org.neo4j.driver.GraphDatabase.driver("bolt://127.0.0.1:" + clusters.b.server(i).boltPort(),
                    org.neo4j.driver.AuthTokens.basic("neo4j", TwoClusters.PASSWORD));
                 Session r = direct.session(SessionConfig.forDatabase("people-replica"))) {
                Record row = r.executeRead(tx -> tx.run("MATCH (a:Person {name: 'Ada'})-[k:KNOWS]->() RETURN a, k, elementId(a) AS e").single());
                assertThat(row.get("a").asNode().elementId()).as("node element id on replica member %d", i).isEqualTo(ada.elementId());
                assertThat(row.get("k").asRelationship().elementId()).as("relationship element id on replica member %d", i)
                        .isEqualTo(knows.elementId());
                assertThat(row.get("e").asString()).isEqualTo(ada.elementId());
                // an id read from the upstream finds the element on the replica
                String name = r.executeRead(tx -> tx.run("MATCH (n) WHERE elementId(n) = $id RETURN n.name AS name",
                        Map.of("id", ada.elementId())).single().get("name").asString());
                assertThat(name).isEqualTo("Ada");
                long found = r.executeRead(tx -> tx.run("MATCH ()-[k]->() WHERE elementId(k) = $id RETURN count(k) AS c",
                        Map.of("id", knows.elementId())).single().get("c").asLong());
                assertThat(found).isEqualTo(1);
            }
        }
    }

    @Test
    void creationFailsClearlyAndCreatesNothingWhenTheUpstreamIsUnreachableOrLacksTheDatabase() throws Exception {
        int closedPort = io.ccdr.node.embedded.EmbeddedCluster.freePorts(1).get(0);
        try (Session s = systemB()) {
            assertThatThrownBy(() -> s.run("CALL internal.dbms.createReplicaDatabase('nowhere', 1, 0, {remote: 'neo4j', addresses: ['127.0.0.1:"
                    + closedPort + "']})").consume())
                    .isInstanceOfSatisfying(ClientException.class, e -> {
                        assertThat(e.code()).isEqualTo("Neo.ClientError.Procedure.ProcedureCallFailed");
                        assertThat(e.getMessage()).contains("cannot be reached").contains("127.0.0.1:" + closedPort);
                    });
            assertThatThrownBy(() -> s.run(clusters.createReplicaCall("ghost-replica", "ghost", 1)).consume())
                    .isInstanceOfSatisfying(ClientException.class, e -> assertThat(e.getMessage()).contains("no database named 'ghost'"));
            List<Object> names = s.run("SHOW DATABASES YIELD name RETURN collect(name) AS n").single().get("n").asList();
            assertThat(names).doesNotContain("nowhere", "ghost-replica");
        }
    }
}
