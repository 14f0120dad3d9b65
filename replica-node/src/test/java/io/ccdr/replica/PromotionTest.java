package io.ccdr.replica;

import io.ccdr.node.dbms.Database;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.neo4j.driver.Driver;
import org.neo4j.driver.Record;
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

/** Promotion of a replica on the worst day: its upstream cluster is gone. */
class PromotionTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    @TempDir
    Path dir;

    private static void write(Driver d, String database, int from, int n) {
        try (Session s = d.session(SessionConfig.forDatabase(database))) {
            for (int i = from; i < from + n; i++) {
                int k = i;
                s.executeWrite(tx -> tx.run("CREATE (:Ping {n: $n})", Map.of("n", k)).consume());
            }
        }
    }

    @Test
    void promotionWithTheUpstreamClusterKilledMakesTheReplicaWritableContinuingItsTxIds() throws Exception {
        try (TwoClusters c = new TwoClusters(dir, 3, 3, Map.of(), Map.of())) {
            Driver a = c.driver(c.a, 0);
            Driver b = c.driver(c.b, 0);
            write(a, "neo4j", 0, 30);
            String firstPing;
            try (Session s = a.session(SessionConfig.forDatabase("neo4j"))) {
                firstPing = s.executeRead(tx -> tx.run("MATCH (p:Ping {n: 0}) RETURN p").single().get("p").asNode().elementId());
            }
            try (Session s = b.session(SessionConfig.forDatabase("system"))) {
                s.run(c.createReplicaCall("drdb", "neo4j", 3)).consume();
            }
            c.assertReplicaEqualsUpstream("neo4j", "drdb", WAIT);
            long replicated = c.upstream("neo4j").lastCommittedTxId();
            for (int i = 0; i < c.a.size(); i++) {
                c.a.crash(i); // the whole upstream cluster is gone
            }

            Record promoted;
            long started = System.nanoTime();
            try (Session s = b.session(SessionConfig.forDatabase("system"))) {
                promoted = s.run("CALL internal.dbms.promoteReplicaDatabase('drdb')").single();
            }
            assertThat(promoted.get("promotedAtTxId").asLong()).isEqualTo(replicated);
            assertThat(promoted.get("upstreamLastKnownTxId").asLong()).isEqualTo(replicated);
            assertThat(promoted.get("possiblyMissedTransactions").asLong()).isZero();

            try (Session s = b.session(SessionConfig.forDatabase("drdb"))) {
                s.executeWrite(tx -> tx.run("CREATE (:Ping {n: 1000})").consume());
            }
            long rtoMillis = (System.nanoTime() - started) / 1_000_000;
            write(b, "drdb", 1001, 9);
            int leader = c.b.awaitLeader("drdb", WAIT);
            Database dr = c.b.server(leader).database("drdb").orElseThrow();
            assertThat(dr.lastCommittedTxId()).isEqualTo(replicated + 10);
            assertThat(dr.state().promotedAtTxId()).isEqualTo(replicated);
            // the promoted database is the same history: what applications read from A finds its element in B
            // (read in write transactions: they run on the leader, which has every write above)
            try (Session s = b.session(SessionConfig.forDatabase("drdb"))) {
                Record ping = s.executeWrite(tx -> tx.run("MATCH (p) WHERE elementId(p) = $id RETURN p", Map.of("id", firstPing)).single());
                assertThat(ping.get("p").asNode().elementId()).isEqualTo(firstPing);
                assertThat(ping.get("p").asNode().get("n").asLong()).isZero();
                String written = s.executeWrite(tx -> tx.run("MATCH (p:Ping {n: 1000}) RETURN elementId(p) AS e").single().get("e").asString());
                assertThat(written.substring(0, written.lastIndexOf(':'))).isEqualTo(firstPing.substring(0, firstPing.lastIndexOf(':')));
            }
            System.out.println("promotion: first accepted write " + rtoMillis + " ms after the promote call");

            try (Session s = b.session(SessionConfig.forDatabase("system"))) {
                List<Record> rows = s.run("SHOW DATABASE drdb YIELD type, writer, access").list();
                assertThat(rows).hasSize(3).allSatisfy(r -> {
                    assertThat(r.get("type").asString()).isEqualTo("standard");
                    assertThat(r.get("access").asString()).isEqualTo("read-write");
                });
                assertThat(rows.stream().filter(r -> r.get("writer").asBoolean()).count()).isEqualTo(1);
                List<Object> servers = s.run("CALL dbms.routing.getRoutingTable({}, 'drdb')").single().get("servers").asList();
                assertThat(servers).anyMatch(o -> "WRITE".equals(((Map<?, ?>) o).get("role")));

                assertThatThrownBy(() -> s.run("CALL internal.dbms.promoteReplicaDatabase('drdb')").consume())
                        .isInstanceOfSatisfying(ClientException.class, e -> assertThat(e.getMessage()).contains("already promoted at txId " + replicated));
                assertThatThrownBy(() -> s.run("CALL internal.dbms.promoteReplicaDatabase('neo4j')").consume())
                        .isInstanceOfSatisfying(ClientException.class, e -> assertThat(e.getMessage()).contains("not a replica"));
                assertThatThrownBy(() -> s.run("CALL internal.dbms.promoteReplicaDatabaseWithTopology('neo4j', 1, 0)").consume())
                        .isInstanceOf(ClientException.class);
            }
            for (int i = 0; i < 3; i++) {
                int k = i;
                eventually(WAIT, "member " + k + " has every write", () ->
                        c.b.server(k).database("drdb").orElseThrow().lastCommittedTxId() == replicated + 10);
                assertThat(c.b.server(i).database("drdb").orElseThrow().chainHashHex()).isEqualTo(dr.chainHashHex());
            }
        }
    }

    @Test
    void aFencedPromotionMakesTheOldUpstreamReadOnlyEvenWhenItComesBackLater() throws Exception {
        try (TwoClusters c = new TwoClusters(dir, 1, 1, Map.of(), Map.of())) {
            Driver a = c.driver(c.a, 0);
            Driver b = c.driver(c.b, 0);
            write(a, "neo4j", 0, 5);
            try (Session s = b.session(SessionConfig.forDatabase("system"))) {
                s.run(c.createReplicaCall("drdb", "neo4j", 1)).consume();
            }
            c.assertReplicaEqualsUpstream("neo4j", "drdb", WAIT);
            c.a.crash(0);
            try (Session s = b.session(SessionConfig.forDatabase("system"))) {
                Record r = s.run("CALL internal.dbms.promoteReplicaDatabase('drdb', {fence: true})").single();
                assertThat(r.get("fenced").asBoolean()).isFalse();
                assertThat(r.get("fenceStatus").asString()).startsWith("pending");
            }
            write(b, "drdb", 100, 3);
            c.a.restart(0); // the old site comes back
            c.a.server(0).awaitReady(WAIT);
            Driver a2 = c.driver(c.a, 0);
            eventually(WAIT, "old upstream fenced", () -> {
                try (Session s = a2.session(SessionConfig.forDatabase("system"))) {
                    return s.run("SHOW DATABASE neo4j YIELD access").single().get("access").asString().equals("read-only");
                }
            });
            try (Session s = a2.session(SessionConfig.forDatabase("system"))) {
                assertThat(s.run("SHOW DATABASE neo4j YIELD statusMessage").single().get("statusMessage").asString())
                        .contains("Fenced").contains("'drdb'");
            }
            try (Driver direct = org.neo4j.driver.GraphDatabase.driver("bolt://127.0.0.1:" + c.a.server(0).boltPort(),
                    org.neo4j.driver.AuthTokens.basic("neo4j", TwoClusters.PASSWORD));
                 Session s = direct.session(SessionConfig.forDatabase("neo4j"))) {
                assertThatThrownBy(() -> s.run("CREATE (:Late)").consume())
                        .isInstanceOfSatisfying(ClientException.class, e -> assertThat(e.code()).isEqualTo("Neo.ClientError.General.ForbiddenOnReadOnlyDatabase"));
            }
            eventually(WAIT, "fence recorded on the promoted side", () ->
                    !c.b.server(0).systemState().databases().get("drdb").promotion().fenceStatus().isEmpty());

            // the operator lifts the fence (promoted by mistake): the database is writable again and its message is gone
            try (Session s = a2.session(SessionConfig.forDatabase("system"))) {
                s.run("ALTER DATABASE neo4j SET ACCESS READ WRITE").consume();
                Record r = s.run("SHOW DATABASE neo4j YIELD access, statusMessage").single();
                assertThat(r.get("access").asString()).isEqualTo("read-write");
                assertThat(r.get("statusMessage").asString()).isEmpty();
            }
            eventually(WAIT, "A takes writes again", () -> {
                try (Session s = a2.session(SessionConfig.forDatabase("neo4j"))) {
                    s.executeWrite(tx -> tx.run("CREATE (:AfterTheFence)").consume());
                    return true;
                }
            });
        }
    }

    @Test
    void promotingWhileBatchesAreInFlightCutsTheHistoryCleanlyAtOneTxId() throws Exception {
        try (TwoClusters c = new TwoClusters(dir, 1, 1, Map.of(), Map.of())) {
            Driver b = c.driver(c.b, 0);
            try (Session s = b.session(SessionConfig.forDatabase("system"))) {
                s.run(c.createReplicaCall("drdb", "neo4j", 1)).consume();
                assertThatThrownBy(() -> s.run("CALL internal.dbms.createReplicaDatabase('sysrep', 1, 0, {remote: 'system', addresses: ['"
                        + TwoClusters.clusterAddresses(c.a).get(0) + "']})").consume())
                        .isInstanceOfSatisfying(ClientException.class, e -> assertThat(e.getMessage()).contains("never replicated"));
            }
            java.util.concurrent.atomic.AtomicBoolean writing = new java.util.concurrent.atomic.AtomicBoolean(true);
            Thread writer = new Thread(() -> {
                while (writing.get()) {
                    c.a.writeToLeader("neo4j", tx -> tx.createNode(java.util.Set.of("Busy"), Map.of()), WAIT, new java.util.concurrent.atomic.AtomicLong());
                }
            });
            writer.start();
            eventually(WAIT, "replica streaming", () -> c.b.server(0).database("drdb").map(Database::lastCommittedTxId).orElse(0L) > 50);
            Record promoted;
            try (Session s = b.session(SessionConfig.forDatabase("system"))) {
                promoted = s.run("CALL internal.dbms.promoteReplicaDatabase('drdb')").single();
            }
            long at = promoted.get("promotedAtTxId").asLong();
            write(b, "drdb", 0, 3);
            writing.set(false);
            writer.join(30_000);
            Database dr = c.b.server(0).database("drdb").orElseThrow();
            Database up = c.upstream("neo4j");
            assertThat(up.lastCommittedTxId()).isGreaterThan(at); // the upstream went on without it
            assertThat(dr.lastCommittedTxId()).isEqualTo(at + 3); // nothing from upstream after the promotion point
            var mine = dr.store().transactions(1, (int) at + 3);
            var theirs = up.store().transactions(1, (int) at + 1);
            for (int i = 0; i < at; i++) {
                assertThat(mine.get(i).chainHash()).isEqualTo(theirs.get(i).chainHash());
            }
            assertThat(mine.get((int) at).chainHash()).isNotEqualTo(theirs.get((int) at).chainHash());
        }
    }
}
