package io.ccdr.cli.drill;

import io.ccdr.cli.failback.Failback;
import io.ccdr.cli.local.Sandbox;
import io.ccdr.cli.local.SandboxServer;
import io.ccdr.node.backup.BackupException;
import io.ccdr.node.backup.BackupHeader;
import io.ccdr.node.backup.OnlineBackup;
import io.ccdr.node.config.HostPort;
import io.ccdr.tls.SslPolicy;
import org.neo4j.driver.Driver;
import org.neo4j.driver.Record;
import org.neo4j.driver.Session;
import org.neo4j.driver.SessionConfig;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * The default drill on a running two-cluster sandbox: cluster {@code a} serves {@code neo4j}, cluster
 * {@code b} gets a replica of it named {@link #REPLICA} (b's own default database is already called
 * {@code neo4j}). An application writes through the official driver the whole time; the drill
 * loses cluster a with {@code kill -9}, promotes b's replica (fenced), checks what survived, brings a
 * back and fails back with {@link Failback}, then checks that both sides converged.
 *
 * <p>The seed fixes every timing decision the drill makes (how long the application writes before
 * the disaster, the order the servers are killed in, how long b takes writes before failback), so a
 * failing run can be repeated with the same fault timing; the machine's own timing still varies.
 */
final class DefaultDrill {
    static final String MAIN = "neo4j";
    static final String REPLICA = "neo4j-dr";
    private static final Duration WAIT = Duration.ofSeconds(90);

    private final Sandbox sandbox;
    private final long seed;
    private final int rate;
    private final PrintWriter out;
    private final Path workDir;
    private final long begin = System.nanoTime();
    private final DrillReport report;

    DefaultDrill(Sandbox sandbox, long seed, int rate, Path workDir, PrintWriter out) {
        this.sandbox = sandbox;
        this.seed = seed;
        this.rate = rate;
        this.workDir = workDir;
        this.out = out;
        this.report = new DrillReport("failover-and-failback", seed);
    }

    private void say(String line) {
        out.printf("[%6.1f s] %s%n", (System.nanoTime() - begin) / 1e9, line);
        out.flush();
    }

    private List<String> clusterAddresses(String cluster) {
        return sandbox.layout().serversOf(cluster).stream().map(s -> s.clusterAddress().toString()).toList();
    }

    private List<String> servers(String cluster) {
        return sandbox.layout().serversOf(cluster).stream().map(SandboxServer::name).toList();
    }

    /** Runs the drill; never throws for a drill failure: the report says what failed. */
    DrillReport run() {
        Random random = new Random(seed);
        long warmupMillis = 2000 + random.nextInt(3000);
        List<String> killOrder = new ArrayList<>(servers("a"));
        Collections.shuffle(killOrder, random);
        long drWritesMillis = 1500 + random.nextInt(2000);
        say("seed " + seed + ": application writes " + warmupMillis + " ms after catch-up before the disaster, kill order "
                + String.join(" ", killOrder) + ", " + drWritesMillis + " ms of writes on b before failback");
        String aUri = sandbox.boltUri("a");
        String bUri = sandbox.boltUri("b");
        try (Driver a = Cypher.driver(aUri, "neo4j", Sandbox.PASSWORD);
             Driver b = Cypher.driver(bUri, "neo4j", Sandbox.PASSWORD);
             Workload app = new Workload(2, rate)) {
            run(a, b, aUri, bUri, app, warmupMillis, killOrder, drWritesMillis);
        } catch (RuntimeException e) {
            say("drill aborted: " + e);
            report.aborted(e.getMessage() == null ? e.toString() : e.getMessage());
        }
        report.figure("drillSeconds", "drill duration (s)", round((System.nanoTime() - begin) / 1e9));
        return report;
    }

    private void run(Driver a, Driver b, String aUri, String bUri, Workload app, long warmupMillis, List<String> killOrder,
                     long drWritesMillis) {
        Workload.Target onA = new Workload.Target("a", a, MAIN);
        Workload.Target onB = new Workload.Target("b", b, REPLICA);

        say("waiting for '" + MAIN + "' in cluster a to accept writes (" + aUri + ")");
        Cypher.retrying(WAIT, () -> {
            try (Session s = a.session(SessionConfig.forDatabase(MAIN))) {
                return s.run("CREATE (:DrillSeed {at: timestamp()})").consume();
            }
        });

        say("CALL internal.dbms.createReplicaDatabase('" + REPLICA + "', 3, 0, {remote: '" + MAIN + "', addresses: "
                + clusterAddresses("a") + "}) in cluster b (" + bUri + ")");
        Cypher.system(b, "CALL internal.dbms.createReplicaDatabase($name, 3, 0, {remote: $remote, addresses: $addresses})",
                Map.of("name", REPLICA, "remote", MAIN, "addresses", clusterAddresses("a")), WAIT);

        say("application starts writing to '" + MAIN + "' in cluster a (2 writers, " + rate + " writes/s, one CREATE per transaction)");
        app.direct(Workload.Mode.FIXED, onA);
        app.start();
        awaitCondition("the application's first acknowledged write", () -> app.ackedCount() > 0);

        // A member's position can be missing from SHOW DATABASE for a moment (status reports are probed); -1 is "unknown", not 0.
        long[] seen = {-1};
        awaitCondition("cluster a to report the position of '" + MAIN + "'", () -> (seen[0] = Cypher.txId(a, MAIN)) > 0);
        long target = seen[0];
        long catchUpStart = System.nanoTime();
        awaitCondition("'" + REPLICA + "' to reach txId " + target, () -> Cypher.txId(b, REPLICA) >= target);
        say("'" + REPLICA + "' caught up with txId " + target + " in " + millisSince(catchUpStart) + " ms; lag now "
                + Math.max(0, Cypher.txId(a, MAIN) - Cypher.txId(b, REPLICA)) + " transactions");
        report.figure("replicaCatchUpMillis", "replica catch-up (ms)", millisSince(catchUpStart));

        BackupHeader backup = backUpReplica(a);

        Cypher.pause(Duration.ofMillis(warmupMillis));

        // ---- disaster ----
        long aBefore = Cypher.txId(a, MAIN);
        long bBefore = Cypher.txId(b, REPLICA);
        long lagBefore = aBefore < 0 || bBefore < 0 ? -1 : Math.max(0, aBefore - bBefore); // -1: a position was not reported
        say("DISASTER: kill -9 " + String.join(" ", killOrder) + " (replica lag just before: " + lagBefore + " transactions, "
                + app.ackedCount() + " writes acknowledged so far)");
        long disasterNanos = System.nanoTime();
        long disasterEpochMillis = System.currentTimeMillis();
        sandbox.kill(killOrder);
        app.direct(Workload.Mode.FIXED, onB); // the application is pointed at the DR cluster; writes fail until the promotion

        say("CALL internal.dbms.promoteReplicaDatabase('" + REPLICA + "', {fence: true}) in cluster b");
        long promoteStart = System.nanoTime();
        Record promoted = Cypher.system(b, "CALL internal.dbms.promoteReplicaDatabase($name, {fence: true})", Map.of("name", REPLICA),
                Duration.ofSeconds(30)).get(0);
        long promoteCallMillis = millisSince(promoteStart);
        long promotedAt = promoted.get("promotedAtTxId").asLong();
        String promotedHash = promoted.get("chainHash").asString();
        say("promoted at txId " + promotedAt + " in " + promoteCallMillis + " ms; upstream last heard at txId "
                + (promoted.get("upstreamLastKnownTxId").isNull() ? "?" : promoted.get("upstreamLastKnownTxId").asLong())
                + "; fencing: " + promoted.get("fenceStatus").asString());
        awaitCondition("the first write acknowledged by cluster b", () -> app.firstAckSince(promoteStart, "b").isPresent());
        long rtoMillis = (app.firstAckSince(promoteStart, "b").orElseThrow().nanos() - promoteStart) / 1_000_000;
        say("RTO (promote call to first acknowledged write): " + rtoMillis + " ms; writes unavailable since the disaster: "
                + (app.firstAckSince(promoteStart, "b").orElseThrow().nanos() - disasterNanos) / 1_000_000 + " ms");
        report.figure("promoteCallMillis", "promote call (ms)", promoteCallMillis);
        report.figure("rtoMillis", "RTO promote to first write (ms)", rtoMillis);
        report.figure("writeOutageFromDisasterMillis", "writes unavailable from the disaster (ms)",
                (app.firstAckSince(promoteStart, "b").orElseThrow().nanos() - disasterNanos) / 1_000_000);
        report.figure("promotedAtTxId", "promoted at txId", promotedAt);

        // ---- what survived ----
        Map<Long, Workload.Ack> acked = app.acked();
        Set<Long> ackedOnA = acked.values().stream().filter(x -> x.target().equals("a")).map(Workload.Ack::id).collect(Collectors.toSet());
        Map<Long, Integer> onBAfterPromotion = Cypher.drillIds(b, REPLICA);
        Set<Long> lost = new TreeSet<>(ackedOnA);
        lost.removeAll(onBAfterPromotion.keySet());
        say("cluster b holds " + ackedOnA.stream().filter(onBAfterPromotion::containsKey).count() + " of the " + ackedOnA.size()
                + " writes cluster a acknowledged; missing: " + (lost.isEmpty() ? "none" : lost.size() + " " + abbreviate(lost)));
        checkNoDuplicates("no duplicate in b after promotion", onBAfterPromotion);

        Cypher.pause(Duration.ofMillis(drWritesMillis));

        // ---- the old primary returns ----
        say("restarting cluster a (" + String.join(" ", servers("a")) + ")");
        sandbox.restart(servers("a"), Duration.ofSeconds(120));
        boolean fenced = Cypher.awaitQuietly(Duration.ofSeconds(30), () -> {
            List<Cypher.Member> m = Cypher.membersOrNone(a, MAIN);
            return !m.isEmpty() && m.stream().allMatch(x -> "read-only".equals(x.access()));
        });
        report.check("old primary fenced read-only on return", fenced, fenced ? "'" + MAIN + "' in a came back read-only"
                : "'" + MAIN + "' in a still accepts writes 30 s after its return: split brain possible");
        say("old '" + MAIN + "' in cluster a: " + (fenced ? "read-only (fenced)" : "NOT fenced"));

        // What a committed after the point b was promoted at: the disaster's data loss, with commit times.
        awaitCondition("cluster a's '" + MAIN + "' members agreeing on their last txId", () -> {
            List<Cypher.Member> m = Cypher.membersOrNone(a, MAIN);
            return m.size() == 3 && m.stream().allMatch(x -> x.txId() != null) && m.stream().map(Cypher.Member::txId).distinct().count() == 1;
        });
        List<Cypher.LoggedTx> tail = Cypher.transactionLog(a, MAIN, promotedAt);
        Optional<Cypher.LoggedTx> common = tail.stream().filter(t -> t.txId() == promotedAt).findFirst();
        boolean sameHistory = common.isPresent() && common.get().chainHash().equals(promotedHash);
        report.check("histories agree up to the promotion", sameHistory, common.map(t -> "chain hash at txId " + promotedAt + ": a "
                + shortHash(t.chainHash()) + ", b " + shortHash(promotedHash)).orElse("a's log no longer holds txId " + promotedAt));
        List<Cypher.LoggedTx> missed = tail.stream().filter(t -> t.txId() > promotedAt).toList();
        Set<Long> idsInMissed = missed.stream().flatMap(t -> t.drillIds().stream()).collect(Collectors.toSet());
        ZonedDateTime promotedCommit = common.map(Cypher.LoggedTx::commitTime).orElse(null);
        double rpoSeconds = missed.isEmpty() || promotedCommit == null ? 0
                : Duration.between(promotedCommit, missed.get(missed.size() - 1).commitTime()).toMillis() / 1000.0;
        say("RPO: " + missed.size() + " transactions committed in a after txId " + promotedAt + (missed.isEmpty() ? ""
                : " (txId " + missed.get(0).txId() + ".." + missed.get(missed.size() - 1).txId() + ", committed "
                + missed.get(0).commitTime() + " .. " + missed.get(missed.size() - 1).commitTime() + ")") + ", " + rpoSeconds + " s");
        report.figure("rpoTransactions", "RPO (transactions)", missed.size());
        report.figure("rpoSeconds", "RPO (s)", rpoSeconds);
        report.figure("lostAcknowledgedWrites", "acknowledged writes lost", lost.size());
        // Had b been lost too, only the backup would be left: everything committed after its last transaction is gone.
        double backupRpoSeconds = Math.max(0, disasterEpochMillis - backup.endCommitMillis()) / 1000.0;
        long backupRpoTransactions = (tail.isEmpty() ? Math.max(aBefore, promotedAt) : tail.get(tail.size() - 1).txId()) - backup.endTxId();
        say("worst-case RPO had both sites been lost (the newest backup, txId " + backup.endTxId() + "): " + backupRpoTransactions
                + " transactions, " + backupRpoSeconds + " s");
        report.figure("backupRpoSeconds", "worst-case RPO, both sites lost: age of the newest backup at the disaster (s)", backupRpoSeconds);
        report.figure("backupRpoTransactions", "worst-case RPO, both sites lost (transactions)", backupRpoTransactions);
        Map<Long, Cypher.LoggedTx> txOfId = new HashMap<>();
        missed.forEach(t -> t.drillIds().forEach(id -> txOfId.put(id, t)));
        List<Map<String, Object>> lostWrites = new ArrayList<>();
        for (long id : lost) {
            Map<String, Object> w = new java.util.LinkedHashMap<>();
            Cypher.LoggedTx tx = txOfId.get(id);
            w.put("id", id);
            w.put("acknowledgedAt", java.time.Instant.ofEpochMilli(acked.get(id).epochMillis()).toString());
            w.put("txId", tx == null ? null : tx.txId());
            w.put("commitTime", tx == null ? null : tx.commitTime().toInstant().toString());
            lostWrites.add(w);
            if (lostWrites.size() <= 10) {
                say("  lost: write " + id + ", acknowledged " + w.get("acknowledgedAt") + ", committed in a as txId " + w.get("txId")
                        + " at " + w.get("commitTime"));
            }
        }
        report.detail("lostWrites", lostWrites);
        Set<Long> unexplained = new TreeSet<>(lost);
        unexplained.removeAll(idsInMissed);
        report.check("no acknowledged write lost beyond the RPO window", unexplained.isEmpty(), unexplained.isEmpty()
                ? lost.size() + " acknowledged writes lost, all committed in a after the promotion point (replication lag at the disaster)"
                : unexplained.size() + " acknowledged writes missing from b were not in a's log after txId " + promotedAt + ": "
                + abbreviate(unexplained));

        // ---- failback ----
        Path export = workDir.resolve("failback-divergent-" + MAIN + ".jsonl");
        say("failback: '" + MAIN + "' in a becomes primary again, '" + REPLICA + "' in b follows it; the application follows the writer");
        app.direct(Workload.Mode.FOLLOW_WRITER, onB, onA);
        long failbackStart = System.nanoTime();
        Failback.Outcome outcome;
        try (PrintWriter indented = new PrintWriter(new java.io.Writer() {
            private final StringBuilder line = new StringBuilder();

            @Override
            public void write(char[] buf, int off, int len) {
                for (int i = off; i < off + len; i++) {
                    if (buf[i] == '\n') {
                        say("  | " + line);
                        line.setLength(0);
                    } else {
                        line.append(buf[i]);
                    }
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        })) {
            outcome = Failback.run(new Failback.Request(aUri, bUri, MAIN, REPLICA, clusterAddresses("a"), clusterAddresses("b"), 3, 3, 20,
                    WAIT, export), a, b, indented);
        }
        long failbackEnd = System.nanoTime();
        awaitCondition("10 writes acknowledged by cluster a after failback", () -> app.acked().values().stream()
                .filter(x -> x.target().equals("a") && x.nanos() > failbackStart).count() >= 10);
        long firstOnA = app.firstAckSince(failbackStart, "a").orElseThrow().nanos();
        long appGap = app.longestGapMillis(failbackStart, firstOnA);
        say("failback done in " + (failbackEnd - failbackStart) / 1_000_000 + " ms; write unavailability: " + appGap
                + " ms as the application saw it, " + outcome.writeUnavailableMillis() + " ms from freeze to promotion");
        report.figure("failbackMillis", "failback duration (ms)", (failbackEnd - failbackStart) / 1_000_000);
        report.figure("failbackUnavailableMillis", "failback write unavailability, application (ms)", appGap);
        report.figure("failbackFreezeToPromoteMillis", "failback write unavailability, freeze to promote (ms)", outcome.writeUnavailableMillis());
        long exported = countLines(export);
        report.check("failback exported exactly the lost transactions", exported == missed.size(),
                exported + " transactions exported to " + export + ", " + missed.size() + " committed in a after the promotion point");

        app.close();
        say("application stopped: " + app.ackedCount() + " writes acknowledged, " + app.unknown().size() + " failed (outcome unknown) "
                + app.errors());

        // ---- convergence ----
        Cypher.awaitQuietly(WAIT, () -> Cypher.converged(a, MAIN, b, REPLICA));
        List<Cypher.Member> mainMembers = Cypher.membersOrNone(a, MAIN);
        List<Cypher.Member> drMembers = Cypher.membersOrNone(b, REPLICA);
        long aTx = mainMembers.stream().map(Cypher.Member::txId).filter(x -> x != null).mapToLong(Long::longValue).max().orElse(-1);
        long bTx = drMembers.stream().map(Cypher.Member::txId).filter(x -> x != null).mapToLong(Long::longValue).max().orElse(-1);
        String aHash = mainMembers.stream().filter(m -> m.txId() != null && m.txId() == aTx).map(Cypher.Member::chainHash).findFirst().orElse("?");
        String bHash = drMembers.stream().filter(m -> m.txId() != null && m.txId() == bTx).map(Cypher.Member::chainHash).findFirst().orElse("?");
        say("final: a '" + MAIN + "' at txId " + aTx + " chain " + aHash + "; b '" + REPLICA + "' at txId " + bTx + " chain " + bHash);
        report.figure("finalTxIdA", "final txId a", aTx);
        report.figure("finalTxIdB", "final txId b", bTx);
        report.figure("finalChainHashA", "final chain hash a", aHash);
        report.figure("finalChainHashB", "final chain hash b", bHash);
        boolean equal = Cypher.converged(a, MAIN, b, REPLICA);
        report.check("chain hashes equal", equal, equal ? "all 6 members at txId " + aTx + " with chain hash " + shortHash(aHash)
                : "a " + describe(mainMembers) + "; b " + describe(drMembers));
        boolean follows = drMembers.size() == 3 && drMembers.stream().allMatch(m -> "replica".equals(m.type()) && m.upstream() != null
                && m.upstream().startsWith(MAIN + "@")) && mainMembers.stream().allMatch(m -> "standard".equals(m.type()))
                && mainMembers.stream().filter(Cypher.Member::writer).count() == 1;
        report.check("b follows a", follows, follows ? "'" + REPLICA + "' in b is a replica of " + drMembers.get(0).upstream()
                + "; '" + MAIN + "' in a is standard with one writer" : "a " + describe(mainMembers) + "; b " + describe(drMembers));

        Map<Long, Integer> finalIds = Cypher.drillIds(a, MAIN);
        Map<Long, Workload.Ack> allAcked = app.acked();
        Set<Long> missing = new TreeSet<>();
        for (Long id : allAcked.keySet()) {
            if (!finalIds.containsKey(id) && !lost.contains(id)) {
                missing.add(id);
            }
        }
        report.check("every acknowledged write present after failback (except the RPO loss)", missing.isEmpty(), missing.isEmpty()
                ? allAcked.size() - lost.size() + " of " + allAcked.size() + " acknowledged writes present in a"
                : missing.size() + " acknowledged writes missing: " + abbreviate(missing));
        checkNoDuplicates("no duplicate after failback", finalIds);
        Set<Long> unknownSeen = new HashSet<>(app.unknown());
        Set<Long> phantom = finalIds.keySet().stream().filter(id -> !allAcked.containsKey(id) && !unknownSeen.contains(id))
                .collect(Collectors.toCollection(TreeSet::new));
        report.check("only attempted writes present", phantom.isEmpty(), phantom.isEmpty() ? finalIds.size() + " drill ids in a, "
                + (finalIds.size() - finalIds.keySet().stream().filter(allAcked::containsKey).count())
                + " of them from writes whose acknowledgement the application never saw" : "ids never written: " + abbreviate(phantom));

        report.figure("acknowledgedWrites", "acknowledged writes", allAcked.size());
        report.figure("acknowledgedByABeforeDisaster", "acknowledged by a before the disaster", ackedOnA.stream().filter(id -> allAcked.get(id).nanos() < disasterNanos).count());
        report.figure("acknowledgedByB", "acknowledged by b", allAcked.values().stream().filter(x -> x.target().equals("b")).count());
        report.figure("acknowledgedByAAfterFailback", "acknowledged by a after failback", allAcked.values().stream().filter(x -> x.target().equals("a") && x.nanos() > failbackStart).count());
        report.figure("unknownOutcomeWrites", "writes with unknown outcome", app.unknown().size());
        report.figure("replicaLagAtDisaster", "replica lag at the disaster (tx)", lagBefore);
    }

    /**
     * The DR site backs itself up without touching production: a FULL of the replica, read from b's
     * servers over mutual TLS with b1's own cluster identity. Checked against a's history: the
     * artefact must end on a's chain hash at the same txId.
     */
    private BackupHeader backUpReplica(Driver a) {
        Path dir = workDir.resolve("backups");
        List<HostPort> from = sandbox.layout().serversOf("b").stream().map(SandboxServer::clusterAddress).toList();
        say("ccdr admin database backup --from=" + String.join(",", clusterAddresses("b")) + " --to-path=" + dir + " " + REPLICA
                + " (the DR site backs up the replica)");
        long start = System.nanoTime();
        OnlineBackup.Outcome outcome;
        try (SslPolicy tls = sandbox.clusterPolicy(sandbox.layout().serversOf("b").get(0))) {
            outcome = new OnlineBackup(new OnlineBackup.Options(REPLICA, from, dir, OnlineBackup.Type.FULL, false, tls, WAIT))
                    .run((phase, done, total) -> { });
        } catch (BackupException e) {
            throw new IllegalStateException("the backup of '" + REPLICA + "' from cluster b failed: " + e.getMessage(), e);
        }
        BackupHeader h = outcome.header();
        Optional<String> onA = Cypher.chainHashAt(a, MAIN, h.endTxId());
        boolean same = onA.isPresent() && onA.get().equals(h.endChainHashHex());
        say("backup " + outcome.file().getFileName() + " ends at txId " + h.endTxId() + " in " + millisSince(start) + " ms");
        report.check("backup of the replica is a's history", same, "artefact ends at txId " + h.endTxId() + " with chain hash "
                + shortHash(h.endChainHashHex()) + "; a at that txId: " + onA.map(DefaultDrill::shortHash).orElse("not in its log"));
        report.figure("backupMillis", "backup of the replica (ms)", millisSince(start));
        return h;
    }

    private void checkNoDuplicates(String name, Map<Long, Integer> counts) {
        Map<Long, Integer> dups = new HashMap<>();
        counts.forEach((id, n) -> {
            if (n > 1) {
                dups.put(id, n);
            }
        });
        report.check(name, dups.isEmpty(), dups.isEmpty() ? counts.size() + " drill ids, each once" : dups.size() + " ids more than once: "
                + abbreviate(new TreeSet<>(dups.keySet())));
    }

    private static String describe(List<Cypher.Member> ms) {
        return ms.stream().map(m -> m.address() + " " + m.type() + " " + m.access() + " tx " + m.txId() + " " + shortHash(m.chainHash()))
                .collect(Collectors.joining(", ", "[", "]"));
    }

    private static long countLines(Path file) {
        try {
            return Files.exists(file) ? Files.readAllLines(file).stream().filter(l -> !l.isBlank()).count() : 0;
        } catch (java.io.IOException e) {
            return -1;
        }
    }

    private static String shortHash(String h) {
        return h == null ? "?" : h.substring(0, Math.min(12, h.length()));
    }

    private static String abbreviate(Set<Long> ids) {
        List<Long> l = new ArrayList<>(new TreeSet<>(ids));
        return l.size() <= 10 ? l.toString() : l.subList(0, 10) + " and " + (l.size() - 10) + " more";
    }

    private static double round(double v) {
        return Math.round(v * 10) / 10.0;
    }

    private static long millisSince(long nanos) {
        return (System.nanoTime() - nanos) / 1_000_000;
    }

    private void awaitCondition(String what, Supplier<Boolean> condition) {
        if (!Cypher.awaitQuietly(WAIT, condition)) {
            throw new IllegalStateException("timed out after " + WAIT.toSeconds() + " s waiting for " + what);
        }
    }
}
