package io.ccdr.cli.faults;

import io.ccdr.cli.drill.Cypher;
import io.ccdr.cli.drill.DrillReport;
import io.ccdr.cli.drill.Workload;
import io.ccdr.cli.local.Sandbox;
import io.ccdr.cli.local.SandboxServer;
import io.ccdr.node.config.HostPort;
import org.neo4j.driver.AccessMode;
import org.neo4j.driver.Driver;
import org.neo4j.driver.Record;
import org.neo4j.driver.Session;
import org.neo4j.driver.SessionConfig;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * One run of the fault suite on a running two-cluster sandbox, as a story: cluster {@code a} serves
 * {@code neo4j}, cluster {@code b} follows it with the replica {@link #REPLICA}, reached through one
 * {@link FaultyLink} per {@code a} server; an application writes through the official driver and
 * records every write as acknowledged or of unknown outcome; the {@link Nemesis} works through the
 * seed's plan; then everything heals and an independent checker reads both clusters:
 *
 * <ul>
 *   <li>C1 no acknowledged write lost, none applied twice, unknown ones present at most once, nothing never written;</li>
 *   <li>C2 every position a member reported, during the run and at its end, lies on the upstream's history
 *   (same chain hash at that txId): the replica is a gap-free prefix, on every member;</li>
 *   <li>C3 after the faults heal, all six members reach the same txId and chain hash and the replica's
 *   content fingerprint equals the upstream's, within {@link #CONVERGE};</li>
 *   <li>C4 never two writers of one lineage: the replica refused every write the checker tried, none
 *   left a trace, and the upstream ends with one writer;</li>
 *   <li>C5 after each fault heals, the lag the checker measures falls back under the SLO within {@link #RECOVER};</li>
 *   <li>C6 every server's {@code last_committed_tx_id} gauge and the replica's lag gauge agree with the
 *   checker's reading within a few scrape intervals.</li>
 * </ul>
 */
final class FaultRun {
    static final String MAIN = "neo4j";
    static final String REPLICA = "neo4j-dr";
    static final Duration CONVERGE = Duration.ofSeconds(90);
    static final Duration RECOVER = Duration.ofSeconds(30);
    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final Duration METRICS_AGREE = Duration.ofSeconds(10);
    private static final String LAST_COMMITTED = "neo4j_database_transaction_last_committed_tx_id";
    private static final String REPLICA_LAG = "neo4j_database_replica_lag_transactions";

    private final Sandbox sandbox;
    private final FaultPlan plan;
    private final int rate;
    private final PrintWriter out;
    private final long begin = System.nanoTime();
    private final DrillReport report;
    /** The lag SLO in transactions: two seconds of the application's writes. */
    private final long lagSlo;

    FaultRun(Sandbox sandbox, FaultPlan plan, int rate, PrintWriter out) {
        this.sandbox = sandbox;
        this.plan = plan;
        this.rate = rate;
        this.out = out;
        this.report = new DrillReport("faults", plan.seed());
        this.lagSlo = Math.max(20, 2L * rate);
    }

    private void say(String line) {
        synchronized (out) {
            out.printf("[%6.1f s] %s%n", (System.nanoTime() - begin) / 1e9, line);
            out.flush();
        }
    }

    /** Runs the plan and the checks; never throws for a failure: the report says what failed. */
    DrillReport run() {
        plan.describe().forEach(this::say);
        List<FaultyLink> links = new ArrayList<>();
        try (Driver a = Cypher.driver(sandbox.boltUri("a"), "neo4j", Sandbox.PASSWORD);
             Driver b = Cypher.driver(sandbox.boltUri("b"), "neo4j", Sandbox.PASSWORD);
             Workload app = new Workload(2, rate)) {
            for (SandboxServer s : sandbox.layout().serversOf("a")) {
                links.add(new FaultyLink(s.clusterAddress()));
            }
            run(a, b, app, links);
        } catch (IOException | RuntimeException e) {
            say("fault run aborted: " + e);
            report.aborted(e.getMessage() == null ? e.toString() : e.getMessage());
        } finally {
            links.forEach(FaultyLink::close);
        }
        report.figure("runSeconds", "run duration (s)", Math.round((System.nanoTime() - begin) / 1e8) / 10.0);
        return report;
    }

    private void run(Driver a, Driver b, Workload app, List<FaultyLink> links) {
        say("waiting for '" + MAIN + "' in cluster a to accept writes");
        Cypher.retrying(WAIT, () -> {
            try (Session s = a.session(SessionConfig.forDatabase(MAIN))) {
                return s.run("CREATE (:FaultSeed {at: timestamp()})").consume();
            }
        });
        List<String> through = links.stream().map(l -> l.address().toString()).toList();
        say("creating replica '" + REPLICA + "' in cluster b, following '" + MAIN + "' through the faulty links " + through);
        Cypher.system(b, "CALL internal.dbms.createReplicaDatabase($name, 3, 0, {remote: $remote, addresses: $addresses})",
                Map.of("name", REPLICA, "remote", MAIN, "addresses", through), WAIT);

        app.direct(Workload.Mode.FIXED, new Workload.Target("a", a, MAIN));
        app.start();
        await("the application's first acknowledged write", () -> app.ackedCount() > 0);
        long[] seen = {-1};
        await("cluster a to report the position of '" + MAIN + "'", () -> (seen[0] = Cypher.txId(a, MAIN)) > 0);
        await("'" + REPLICA + "' to reach txId " + seen[0], () -> Cypher.txId(b, REPLICA) >= seen[0]);
        say("replica following; application writing " + rate + " writes/s; nemesis starts");

        Nemesis nemesis = new Nemesis(sandbox, links, plan, this::say);
        List<Nemesis.Executed> executed;
        List<Observer.Sample> samples;
        Observer observer = new Observer(a, MAIN, b, REPLICA);
        try {
            long t0 = System.nanoTime();
            Thread nemesisThread = new Thread(() -> nemesis.run(t0), "faults-nemesis");
            nemesisThread.start();
            join(nemesisThread, plan.duration().plusMinutes(5));
            say("healing everything still broken");
            nemesis.healAll();
            join(nemesisThread, Duration.ofSeconds(30));
            executed = nemesis.executed();
            // the application goes on writing after the heal (5 s of its writes), so recovery is measured under load
            long healedAt = System.nanoTime();
            long more = 5L * rate;
            await(more + " acknowledged writes after the heal", () -> app.acked().values().stream().filter(x -> x.nanos() > healedAt).count() >= more);
        } catch (RuntimeException e) {
            observer.close();
            throw e;
        } finally {
            app.close();
        }
        say("application stopped: " + app.ackedCount() + " writes acknowledged, " + app.unknown().size() + " of unknown outcome "
                + app.errors());

        // ---- C3 first: everything else is read from converged clusters ----
        long healStart = System.nanoTime();
        boolean converged = Cypher.awaitQuietly(CONVERGE, () -> Cypher.converged(a, MAIN, b, REPLICA));
        long convergeMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - healStart);
        observer.close();
        samples = observer.samples();
        List<Cypher.Member> am = Cypher.membersOrNone(a, MAIN);
        List<Cypher.Member> bm = Cypher.membersOrNone(b, REPLICA);
        long finalTx = am.stream().map(Cypher.Member::txId).filter(x -> x != null).mapToLong(Long::longValue).max().orElse(-1);
        String upstreamPrint = fingerprint(a, MAIN, AccessMode.WRITE);
        String replicaPrint = fingerprint(b, REPLICA, AccessMode.READ);
        report.check("C3 the replica converges to the upstream", converged && upstreamPrint.equals(replicaPrint), converged
                ? "all 6 members at txId " + finalTx + " with one chain hash " + convergeMillis + " ms after the application stopped; content "
                + (upstreamPrint.equals(replicaPrint) ? "fingerprints equal (" + upstreamPrint.substring(0, 12) + ")"
                : "fingerprints DIFFER: upstream " + upstreamPrint + ", replica " + replicaPrint)
                : "not converged after " + CONVERGE.toSeconds() + " s: a " + describe(am) + "; b " + describe(bm));

        checkC1(a, app);
        checkC2(a, observer, am, bm);
        checkC4(a, b, observer, am);
        checkC5(executed, samples);
        checkC6(finalTx);

        report.figure("faultsPlanned", "faults planned", plan.faults().size());
        report.figure("faultsInjected", "faults injected", executed.size());
        report.figure("faultErrors", "faults the nemesis could not carry out", executed.stream().filter(e -> e.error() != null).count());
        report.figure("operations", "writes attempted", app.ackedCount() + app.unknown().size());
        report.figure("acknowledged", "writes acknowledged", app.ackedCount());
        report.figure("indeterminate", "writes failed or of unknown outcome", app.unknown().size());
        report.figure("convergeMillis", "convergence after the application stopped (ms)", convergeMillis);
        report.figure("maxLagTransactions", "largest lag the checker saw (transactions)",
                samples.stream().filter(Observer.Sample::known).mapToLong(Observer.Sample::lag).max().orElse(-1));
        executed.stream().filter(e -> e.error() != null).forEach(e -> say("nemesis could not carry out '" + e.fault().describe().trim()
                + "': " + e.error()));
    }

    // ---- C1: acknowledged writes ----

    private void checkC1(Driver a, Workload app) {
        Map<Long, Integer> ids = Cypher.drillIds(a, MAIN);
        Map<Long, Workload.Ack> acked = app.acked();
        Set<Long> unknown = app.unknown();
        Set<Long> lost = new TreeSet<>();
        for (Long id : acked.keySet()) {
            if (!ids.containsKey(id)) {
                lost.add(id);
            }
        }
        Set<Long> twice = ids.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey).collect(Collectors.toCollection(TreeSet::new));
        Set<Long> phantom = ids.keySet().stream().filter(id -> !acked.containsKey(id) && !unknown.contains(id))
                .collect(Collectors.toCollection(TreeSet::new));
        long unknownPresent = unknown.stream().filter(ids::containsKey).count();
        boolean pass = lost.isEmpty() && twice.isEmpty() && phantom.isEmpty();
        report.check("C1 no acknowledged write lost or applied twice", pass, pass
                ? acked.size() + " acknowledged writes present once each; of " + unknown.size() + " of unknown outcome, " + unknownPresent
                + " present (once), " + (unknown.size() - unknownPresent) + " absent"
                : (lost.isEmpty() ? "" : lost.size() + " acknowledged writes lost " + abbreviate(lost) + "; ")
                + (twice.isEmpty() ? "" : twice.size() + " writes present more than once " + abbreviate(twice) + "; ")
                + (phantom.isEmpty() ? "" : phantom.size() + " writes present that were never attempted " + abbreviate(phantom)));
    }

    // ---- C2: every reported position lies on the upstream's history ----

    private void checkC2(Driver a, Observer observer, List<Cypher.Member> am, List<Cypher.Member> bm) {
        Map<Long, String> reported = new TreeMap<>();
        List<String> conflicts = new ArrayList<>();
        List<Observer.MemberPosition> all = new ArrayList<>(observer.positions());
        for (Cypher.Member m : bm) {
            if (m.txId() != null && m.chainHash() != null) {
                all.add(new Observer.MemberPosition(m.address(), m.txId(), m.chainHash()));
            }
        }
        for (Cypher.Member m : am) {
            if (m.txId() != null && m.chainHash() != null) {
                all.add(new Observer.MemberPosition("a:" + m.address(), m.txId(), m.chainHash()));
            }
        }
        for (Observer.MemberPosition p : all) {
            String before = reported.putIfAbsent(p.txId(), p.chainHash());
            if (before != null && !before.equals(p.chainHash())) {
                conflicts.add(p.address() + " reported txId " + p.txId() + " with chain " + shortHash(p.chainHash()) + ", another member " + shortHash(before));
            }
        }
        List<String> offHistory = new ArrayList<>();
        for (Map.Entry<Long, String> e : reported.entrySet()) {
            if (e.getKey() == 0) {
                continue;
            }
            Optional<String> upstream = Cypher.chainHashAt(a, MAIN, e.getKey());
            if (upstream.isEmpty()) {
                offHistory.add("txId " + e.getKey() + " is not in the upstream's log");
            } else if (!upstream.get().equals(e.getValue())) {
                offHistory.add("txId " + e.getKey() + ": reported " + shortHash(e.getValue()) + ", upstream " + shortHash(upstream.get()));
            }
        }
        boolean pass = conflicts.isEmpty() && offHistory.isEmpty() && !reported.isEmpty();
        report.check("C2 the replica is a gap-free prefix of the upstream on every member", pass, pass
                ? reported.size() + " distinct positions reported by the members during and after the run, each with the upstream's chain hash"
                : reported.isEmpty() ? "no member reported a position" : String.join("; ", limit(conflicts, offHistory)));
    }

    // ---- C4: one writer per lineage ----

    private void checkC4(Driver a, Driver b, Observer observer, List<Cypher.Member> am) {
        long probesOnA = count(a, MAIN, AccessMode.WRITE, "MATCH (n:" + Observer.PROBE_LABEL + ") RETURN count(n) AS c");
        long probesOnB = count(b, REPLICA, AccessMode.READ, "MATCH (n:" + Observer.PROBE_LABEL + ") RETURN count(n) AS c");
        long writers = am.stream().filter(Cypher.Member::writer).count();
        boolean pass = observer.probesAccepted().isEmpty() && probesOnA == 0 && probesOnB == 0 && writers == 1 && observer.probesRefused() > 0;
        report.check("C4 never two writers of one lineage", pass, pass
                ? "the replica refused all " + observer.probesRefused() + " writes the checker tried; '" + MAIN + "' ends with one writer"
                : observer.probesAccepted().size() + " writes to the replica acknowledged " + observer.probesAccepted() + ", probe nodes on a: "
                + probesOnA + ", on b: " + probesOnB + ", writers of '" + MAIN + "': " + writers + ", probes refused: " + observer.probesRefused());
    }

    // ---- C5: lag recovers after each fault ----

    private void checkC5(List<Nemesis.Executed> executed, List<Observer.Sample> samples) {
        List<String> slow = new ArrayList<>();
        List<Long> recoveries = new ArrayList<>();
        for (Nemesis.Executed e : executed) {
            Optional<Observer.Sample> back = samples.stream().filter(s -> s.nanos() >= e.healedNanos() && s.known() && s.lag() <= lagSlo).findFirst();
            long millis = back.map(s -> TimeUnit.NANOSECONDS.toMillis(s.nanos() - e.healedNanos())).orElse(-1L);
            if (millis < 0 || millis > RECOVER.toMillis()) {
                slow.add(e.fault().describe().trim() + ": " + (millis < 0 ? "lag never back under " + lagSlo : "back after " + millis + " ms"));
            } else {
                recoveries.add(millis);
            }
        }
        long worst = recoveries.stream().mapToLong(Long::longValue).max().orElse(0);
        report.check("C5 lag recovers after each fault", slow.isEmpty(), slow.isEmpty()
                ? "after each of " + executed.size() + " faults the lag fell under " + lagSlo + " transactions within " + worst + " ms (bound "
                + RECOVER.toSeconds() + " s)"
                : String.join("; ", slow));
        report.figure("worstRecoveryMillis", "slowest lag recovery after a fault (ms)", worst);
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Nemesis.Executed e : executed) {
            Map<String, Object> row = new java.util.LinkedHashMap<>();
            row.put("fault", e.fault().describe().trim());
            row.put("heldMillis", TimeUnit.NANOSECONDS.toMillis(e.healedNanos() - e.startedNanos()));
            row.put("maxLagDuring", samples.stream().filter(s -> s.known() && s.nanos() >= e.startedNanos() && s.nanos() <= e.healedNanos())
                    .mapToLong(Observer.Sample::lag).max().orElse(-1));
            row.put("error", e.error());
            rows.add(row);
        }
        report.detail("faults", rows);
    }

    // ---- C6: metrics tell the truth ----

    private void checkC6(long finalTx) {
        Map<String, String> disagree = new TreeMap<>();
        boolean agree = Cypher.awaitQuietly(METRICS_AGREE, () -> {
            disagree.clear();
            boolean lagSeen = false;
            for (SandboxServer s : sandbox.layout().servers()) {
                String db = s.cluster().equals("a") ? MAIN : REPLICA;
                Map<String, Double> m = scrape(s.metricsAddress());
                OptionalDouble tx = series(m, LAST_COMMITTED, db);
                if (tx.isEmpty() || (long) tx.getAsDouble() != finalTx) {
                    disagree.put(s.name(), LAST_COMMITTED + "{database=\"" + db + "\"} = " + (tx.isEmpty() ? "absent" : (long) tx.getAsDouble())
                            + ", checker " + finalTx);
                }
                if (db.equals(REPLICA)) {
                    OptionalDouble lag = series(m, REPLICA_LAG, db);
                    if (lag.isPresent() && !Double.isNaN(lag.getAsDouble())) {
                        lagSeen = true;
                        if (lag.getAsDouble() != 0) {
                            disagree.put(s.name() + " lag", REPLICA_LAG + " = " + lag.getAsDouble() + ", checker 0");
                        }
                    }
                }
            }
            if (!lagSeen) {
                disagree.put("b", "no server of b exports " + REPLICA_LAG);
            }
            return disagree.isEmpty();
        });
        report.check("C6 metrics agree with the checker", agree, agree
                ? "every server's " + LAST_COMMITTED + " = " + finalTx + ", the replica's lag gauge 0, within " + METRICS_AGREE.toSeconds() + " s"
                : disagree.toString());
    }

    private static Map<String, Double> scrape(HostPort address) {
        Map<String, Double> values = new HashMap<>();
        try {
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://" + address + "/metrics"))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            for (String line : r.body().split("\n")) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                int space = line.lastIndexOf(' ');
                try {
                    values.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
                } catch (NumberFormatException | StringIndexOutOfBoundsException ignored) {
                    // not a sample line
                }
            }
        } catch (IOException e) {
            return values;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return values;
    }

    /** The value of {@code name} for {@code database} (whatever its other tags). */
    private static OptionalDouble series(Map<String, Double> metrics, String name, String database) {
        String tag = "database=\"" + database + "\"";
        return metrics.entrySet().stream().filter(e -> e.getKey().startsWith(name + "{") && e.getKey().contains(tag))
                .mapToDouble(Map.Entry::getValue).findFirst();
    }

    // ---- reading the clusters ----

    /**
     * What the database holds, as one hash: every node's labels and properties and every
     * relationship's type, ends and properties, in a fixed order. Read after convergence, so any
     * member answers for all of them.
     */
    private static String fingerprint(Driver d, String database, AccessMode mode) {
        return Cypher.retrying(Duration.ofSeconds(30), () -> {
            try (Session s = d.session(SessionConfig.builder().withDatabase(database).withDefaultAccessMode(mode).build())) {
                MessageDigest sha = sha256();
                for (Record r : s.run("MATCH (n) WITH n ORDER BY elementId(n) RETURN labels(n) AS l, properties(n) AS p").list()) {
                    sha.update(("n" + new TreeSet<>(r.get("l").asList(v -> v.asString())) + new TreeMap<>(r.get("p").asMap()) + "\n")
                            .getBytes(StandardCharsets.UTF_8));
                }
                for (Record r : s.run("MATCH (x)-[e]->(y) WITH x, e, y ORDER BY elementId(e) "
                        + "RETURN elementId(x) AS x, type(e) AS t, properties(e) AS p, elementId(y) AS y").list()) {
                    sha.update(("r" + r.get("x").asString() + r.get("t").asString() + new TreeMap<>(r.get("p").asMap()) + r.get("y").asString()
                            + "\n").getBytes(StandardCharsets.UTF_8));
                }
                return HexFormat.of().formatHex(sha.digest());
            }
        });
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static long count(Driver d, String database, AccessMode mode, String query) {
        return Cypher.retrying(Duration.ofSeconds(30), () -> {
            try (Session s = d.session(SessionConfig.builder().withDatabase(database).withDefaultAccessMode(mode).build())) {
                return s.run(query).single().get("c").asLong();
            }
        });
    }

    private static String describe(List<Cypher.Member> ms) {
        return ms.stream().map(m -> m.address() + " tx " + m.txId() + " " + shortHash(m.chainHash())).collect(Collectors.joining(", ", "[", "]"));
    }

    private static String shortHash(String h) {
        return h == null ? "?" : h.substring(0, Math.min(12, h.length()));
    }

    private static String abbreviate(Set<Long> ids) {
        List<Long> l = new ArrayList<>(ids);
        return l.size() <= 10 ? l.toString() : l.subList(0, 10) + " and " + (l.size() - 10) + " more";
    }

    @SafeVarargs
    private static List<String> limit(List<String>... lists) {
        List<String> all = new ArrayList<>();
        for (List<String> l : lists) {
            all.addAll(l);
        }
        return all.size() <= 10 ? all : all.subList(0, 10);
    }

    private static void join(Thread t, Duration wait) {
        try {
            t.join(wait.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private void await(String what, Supplier<Boolean> condition) {
        if (!Cypher.awaitQuietly(WAIT, condition)) {
            throw new IllegalStateException("timed out after " + WAIT.toSeconds() + " s waiting for " + what);
        }
    }
}
