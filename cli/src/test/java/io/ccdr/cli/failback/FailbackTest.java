package io.ccdr.cli.failback;

import io.ccdr.cli.CcdrCommand;
import io.ccdr.node.dbms.Database;
import io.ccdr.node.embedded.EmbeddedCluster;
import io.ccdr.node.security.InitialPassword;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.neo4j.driver.AuthTokens;
import org.neo4j.driver.Config;
import org.neo4j.driver.Driver;
import org.neo4j.driver.GraphDatabase;
import org.neo4j.driver.Session;
import org.neo4j.driver.SessionConfig;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static io.ccdr.node.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

/** Failback as an operator runs it: after a disaster and a promotion in B, A becomes primary again and B follows it. */
class FailbackTest {
    private static final String PASSWORD = "failback-pass";
    private static final Duration WAIT = Duration.ofSeconds(60);
    @TempDir
    Path dir;
    private EmbeddedCluster a;
    private EmbeddedCluster b;
    private final List<Driver> drivers = new ArrayList<>();

    @AfterEach
    void stop() {
        drivers.forEach(Driver::close);
        if (b != null) {
            b.close();
        }
        if (a != null) {
            a.close();
        }
    }

    private void start(int size) throws Exception {
        a = new EmbeddedCluster(dir.resolve("a"), size, Map.of());
        b = new EmbeddedCluster(dir.resolve("b"), size, Map.of());
        for (EmbeddedCluster c : List.of(a, b)) {
            for (int i = 0; i < size; i++) {
                InitialPassword.write(Path.of(c.settings(i).get("server.directories.data")), PASSWORD);
            }
        }
        a.start();
        b.start();
    }

    private Driver driver(EmbeddedCluster c) {
        Driver d = GraphDatabase.driver("neo4j://127.0.0.1:" + c.server(0).boltPort(), AuthTokens.basic("neo4j", PASSWORD),
                Config.builder().withMaxTransactionRetryTime(2, TimeUnit.SECONDS).build());
        drivers.add(d);
        return d;
    }

    private static String addresses(EmbeddedCluster c) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < c.size(); i++) {
            out.add("127.0.0.1:" + c.server(i).config().clusterAdvertisedAddress().port());
        }
        return String.join(",", out);
    }

    private static void system(Driver d, String query) {
        try (Session s = d.session(SessionConfig.forDatabase("system"))) {
            s.run(query).consume();
        }
    }

    private static void write(Driver d, String db, String label, int n) {
        try (Session s = d.session(SessionConfig.forDatabase(db))) {
            for (int i = 0; i < n; i++) {
                int k = i;
                s.executeWrite(tx -> tx.run("CREATE (:" + label + " {i: $i})", Map.of("i", k)).consume());
            }
        }
    }

    private static long txId(EmbeddedCluster c, String db) {
        int leader = c.awaitLeader(db, WAIT);
        return c.server(leader).database(db).orElseThrow().lastCommittedTxId();
    }

    /** A replica 'dr' of A's neo4j in B, caught up, then promoted (A is still up: no fencing). */
    private void replicateThenPromote(Driver da, Driver db) {
        system(db, "CALL internal.dbms.createReplicaDatabase('dr-neo4j', " + b.size() + ", 0, {remote: 'neo4j', addresses: ["
                + String.join(",", List.of(addresses(a).split(",")).stream().map(s -> "'" + s + "'").toList()) + "]})");
        long target = txId(a, "neo4j");
        eventually(WAIT, "replica caught up", () -> b.server(0).database("dr-neo4j").map(Database::lastCommittedTxId).orElse(-1L) == target);
        system(db, "CALL internal.dbms.promoteReplicaDatabase('dr-neo4j')");
    }

    private record Run(int exit, String out, String err) {
    }

    private Run failback(String... extra) {
        List<String> args = new ArrayList<>(List.of("failback", "--main", "neo4j://127.0.0.1:" + a.server(0).boltPort(),
                "--dr", "neo4j://127.0.0.1:" + b.server(0).boltPort(), "-d", "dr-neo4j", "--main-database", "neo4j",
                "--main-addresses", addresses(a), "--dr-addresses", addresses(b), "--main-primaries", String.valueOf(a.size()),
                "--dr-primaries", String.valueOf(b.size()), "--max-lag", "5", "--timeout", "60", "-p", PASSWORD,
                "--export", dir.resolve("divergent.jsonl").toString()));
        args.addAll(List.of(extra));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = CcdrCommand.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int exit = cl.execute(args.toArray(String[]::new));
        return new Run(exit, out.toString(), err.toString());
    }

    private void assertFailedBackAndConverged() {
        try (Session s = driver(a).session(SessionConfig.forDatabase("system"))) {
            var rows = s.run("SHOW DATABASE neo4j YIELD type, writer").list();
            assertThat(rows).allMatch(r -> r.get("type").asString().equals("standard"));
            assertThat(rows.stream().filter(r -> r.get("writer").asBoolean()).count()).isEqualTo(1);
        }
        long target = txId(a, "neo4j");
        String hash = a.server(a.awaitLeader("neo4j", WAIT)).database("neo4j").orElseThrow().chainHashHex();
        for (int i = 0; i < b.size(); i++) {
            int k = i;
            eventually(WAIT, "B member " + k + " follows A", () -> b.server(k).database("dr-neo4j").map(Database::lastCommittedTxId).orElse(-1L) == target);
            Database r = b.server(i).database("dr-neo4j").orElseThrow();
            assertThat(r.info().type()).isEqualTo("replica");
            assertThat(r.chainHashHex()).isEqualTo(hash);
        }
    }

    @Test
    void aFullRoundTripUnderAnApplicationWriteLoopLosesAndDuplicatesNothing() throws Exception {
        start(3);
        Driver da = driver(a);
        Driver db = driver(b);
        write(da, "neo4j", "Seed", 20);
        replicateThenPromote(da, db);

        // the application writes to whichever side takes writes, retrying, and records what was acknowledged
        Set<Long> acked = ConcurrentHashMap.newKeySet();
        Set<Long> unknown = ConcurrentHashMap.newKeySet();
        java.util.concurrent.atomic.AtomicLong ackedOnA = new java.util.concurrent.atomic.AtomicLong();
        AtomicBoolean running = new AtomicBoolean(true);
        Thread app = new Thread(() -> {
            long id = 0;
            boolean onB = true;
            while (running.get()) {
                long k = id++;
                Driver d = onB ? db : da;
                String database = onB ? "dr-neo4j" : "neo4j";
                try (Session s = d.session(SessionConfig.forDatabase(database))) {
                    s.executeWrite(tx -> tx.run("CREATE (:Ack {id: $id})", Map.of("id", k)).consume());
                    acked.add(k);
                    if (!onB) {
                        ackedOnA.incrementAndGet();
                    }
                } catch (RuntimeException e) {
                    unknown.add(k);
                    onB = !onB;
                }
            }
        }, "app");
        app.start();
        eventually(WAIT, "the application writes to B", () -> acked.size() > 20);

        Run run = failback();
        assertThat(run.exit()).as(run.out() + run.err()).isZero();
        assertThat(run.out()).contains("[1/7]").contains("[7/7]").contains("Write unavailability (steps 3-5):");
        eventually(WAIT, "the application writes to A", () -> ackedOnA.get() > 0);
        running.set(false);
        app.join(30_000);

        int leader = a.awaitLeader("neo4j", WAIT);
        Database main = a.server(leader).database("neo4j").orElseThrow();
        Map<Long, Long> counts = main.read(0, g -> {
            Map<Long, Long> c = new java.util.HashMap<>();
            g.nodeIdsWithLabel("Ack").forEach(n -> c.merge((Long) g.node(n).orElseThrow().properties().get("id"), 1L, Long::sum));
            return c;
        });
        for (long id : acked) {
            assertThat(counts.getOrDefault(id, 0L)).as("acknowledged write %d", id).isEqualTo(1L);
        }
        counts.forEach((id, n) -> {
            assertThat(n).as("write %d", id).isEqualTo(1L);
            assertThat(acked.contains(id) || unknown.contains(id)).as("write %d was attempted", id).isTrue();
        });
        assertFailedBackAndConverged();
    }

    @Test
    void anInterruptedFailbackResumesAtEachStepAndEndsWithTheSameGuarantees() throws Exception {
        start(1);
        Driver da = driver(a);
        Driver db = driver(b);
        write(da, "neo4j", "Seed", 5);
        replicateThenPromote(da, db);
        write(db, "dr-neo4j", "DrWrite", 5);

        assertThat(failback("--dry-run").out()).contains("1. create replica 'neo4j'").contains("7. create replica 'dr-neo4j'");
        for (int step = 1; step <= 6; step++) {
            Run run = failback("--stop-after", String.valueOf(step));
            assertThat(run.exit()).as(run.out() + run.err()).isEqualTo(1);
            assertThat(run.err()).contains("stopped after step " + step).contains("Resume with: ccdr failback").contains("State: main cluster:");
            for (int done = 1; done < step; done++) {
                assertThat(run.out()).contains("[" + done + "/7]").contains(": already done");
            }
        }
        Run last = failback();
        assertThat(last.exit()).as(last.out() + last.err()).isZero();
        assertThat(last.out()).contains("[6/7] drop 'dr-neo4j' in the DR cluster: already done");
        Run again = failback();
        assertThat(again.exit()).isZero();
        assertThat(again.out()).doesNotContain(" ...");
        assertFailedBackAndConverged();
        long drWrites = a.server(0).database("neo4j").orElseThrow().read(0, g -> g.nodeIdsWithLabel("DrWrite").count());
        assertThat(drWrites).isEqualTo(5);
    }

    @Test
    void transactionsTheOldPrimaryCommittedAfterThePromotionAreExportedNeverMerged() throws Exception {
        start(1);
        Driver da = driver(a);
        Driver db = driver(b);
        write(da, "neo4j", "Seed", 5);
        replicateThenPromote(da, db);
        long promotedAt = txId(b, "dr-neo4j");
        write(da, "neo4j", "Lost", 4); // split brain without fencing: A kept taking writes
        write(db, "dr-neo4j", "DrWrite", 3);

        Run run = failback();
        assertThat(run.exit()).as(run.out() + run.err()).isZero();
        assertThat(run.out()).contains("has 4 transactions (txId " + (promotedAt + 1) + ".." + (promotedAt + 4) + ")");
        List<String> lines = Files.readAllLines(dir.resolve("divergent.jsonl"));
        assertThat(lines).hasSize(4);
        assertThat(lines.get(0)).contains("\"txId\":" + (promotedAt + 1)).contains("\"Lost\"").contains("commitTime");
        Database main = a.server(0).database("neo4j").orElseThrow();
        long lost = main.read(0, g -> g.nodeIdsWithLabel("Lost").count());
        long drWrites = main.read(0, g -> g.nodeIdsWithLabel("DrWrite").count());
        assertThat(lost).isZero();
        assertThat(drWrites).isEqualTo(3);
        assertFailedBackAndConverged();
    }
}
