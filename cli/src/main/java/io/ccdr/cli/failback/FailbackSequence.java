package io.ccdr.cli.failback;

import io.ccdr.cli.console.Drivers;
import org.neo4j.driver.Driver;
import org.neo4j.driver.Record;
import org.neo4j.driver.Session;

import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The seed's failback sequence, as seven steps that each check their precondition, skip themselves
 * when the clusters show they are already done, and otherwise act. Because "done" is read from the
 * clusters, not from a local file, re-running the same command after any interruption resumes where
 * it stopped; no step ever acts twice.
 *
 * <p>Safety: B's promoted database is only dropped once A's database was promoted at exactly B's
 * txId with B's chain hash; an old database in A is only dropped once its divergent transactions are
 * exported (or {@code --discard-divergent} says to lose them).
 */
final class FailbackSequence {
    private static final Duration POLL = Duration.ofMillis(200);

    private final FailbackPlan plan;
    private final Driver main;
    private final Driver dr;
    private final PrintWriter out;
    private final int stopAfter;
    private long freezeStartedNanos = -1;
    private long unavailableMillis = -1;

    /** {@code stopAfter}: stop as if interrupted after that step (testing resumption); 0 to run all. */
    FailbackSequence(FailbackPlan plan, Driver main, Driver dr, PrintWriter out, int stopAfter) {
        this.plan = plan;
        this.main = main;
        this.dr = dr;
        this.out = out;
        this.stopAfter = stopAfter;
    }

    private record Step(String title, Supplier<Boolean> done, Runnable action) {
    }

    private List<Step> steps() {
        String m = plan.mainDatabase();
        String p = plan.drDatabase();
        return List.of(
                new Step("create replica '" + m + "' in the main cluster", () -> mainDb().map(d -> d.replicates(p) || d.promotedFrom(p)).orElse(false),
                        this::createMainReplica),
                new Step("wait for '" + m + "' to catch up", () -> mainDb().map(d -> d.promotedFrom(p)).orElse(false), this::awaitCatchUp),
                new Step("stop writes on '" + p + "' in the DR cluster", () -> drDb().map(DatabaseView::readOnly).orElse(true)
                        || mainDb().map(d -> d.promotedFrom(p)).orElse(false), this::freezeDr),
                new Step("wait for equal txId and chain hash", () -> mainDb().map(d -> d.promotedFrom(p)).orElse(false), this::awaitEqual),
                new Step("promote '" + m + "' in the main cluster", () -> mainDb().map(d -> d.promotedFrom(p)).orElse(false), this::promoteMain),
                new Step("drop '" + p + "' in the DR cluster", () -> drDb().map(d -> d.replicates(m)).orElse(true), this::dropDr),
                new Step("create replica '" + plan.drReplica() + "' in the DR cluster", () -> db(dr, plan.drReplica()).map(d -> d.replicates(m))
                        .orElse(false), this::createDrReplica));
    }

    void printPlan() {
        say("Failback plan: make '" + plan.mainDatabase() + "' in " + plan.mainUri() + " the primary again, with '" + plan.drReplica()
                + "' in " + plan.drUri() + " following it.");
        plan.describe().forEach(line -> say("  " + line));
    }

    /** Runs (or resumes) the sequence; throws {@link FailbackException} with the clusters' state when a step fails. */
    void run() {
        List<Step> steps = steps();
        for (int i = 0; i < steps.size(); i++) {
            Step step = steps.get(i);
            String prefix = "[" + (i + 1) + "/" + steps.size() + "] " + step.title();
            if (step.done().get()) {
                say(prefix + ": already done");
            } else {
                long started = System.nanoTime();
                say(prefix + " ...");
                try {
                    step.action().run();
                } catch (FailbackException e) {
                    throw new FailbackException("step " + (i + 1) + " (" + step.title() + ") failed: " + e.getMessage(), e);
                } catch (RuntimeException e) {
                    throw new FailbackException("step " + (i + 1) + " (" + step.title() + ") failed: " + e, e);
                }
                say(prefix + ": done in " + (System.nanoTime() - started) / 1_000_000 + " ms");
            }
            if (stopAfter == i + 1) {
                throw new FailbackException("stopped after step " + (i + 1) + " as asked (--stop-after)");
            }
        }
        say("Failback complete: '" + plan.mainDatabase() + "' is primary in " + plan.mainUri() + ", '" + plan.drReplica()
                + "' in " + plan.drUri() + " follows it.");
        if (unavailableMillis >= 0) {
            say("Write unavailability (steps 3-5): " + unavailableMillis + " ms");
        }
    }

    private void say(String line) {
        out.println(line);
        out.flush();
    }

    long unavailableMillis() {
        return unavailableMillis;
    }

    /** One line per cluster: where the two databases stand (for failure reports). */
    String state() {
        return "main cluster: " + mainDb().map(this::describe).orElse("no database '" + plan.mainDatabase() + "'")
                + "; DR cluster: " + drDb().map(this::describe).orElse("no database '" + plan.drDatabase() + "'")
                + (plan.drReplica().equals(plan.drDatabase()) ? "" : ", " + db(dr, plan.drReplica()).map(this::describe)
                .orElse("no database '" + plan.drReplica() + "'"));
    }

    private String describe(DatabaseView d) {
        return "'" + d.name() + "' " + d.type() + " " + d.access() + " at " + d.position() + (d.upstream() == null ? "" : " following " + d.upstream());
    }

    // ---- steps ----

    private void createMainReplica() {
        DatabaseView promoted = drDb().orElseThrow(() -> new FailbackException("the DR cluster has no database '" + plan.drDatabase() + "'"));
        if (promoted.isReplica()) {
            throw new FailbackException("'" + plan.drDatabase() + "' in the DR cluster is still a replica; promote it first (ccdr promote)");
        }
        Optional<DatabaseView> old = mainDb();
        if (old.isPresent() && old.get().txId() < 0) {
            // Positions come from the members' status reports, which can all be missing for a moment (members
            // just restarted, slow probes). An unknown position must not read as "nothing to export".
            awaitCondition("the old '" + plan.mainDatabase() + "' to report its last txId",
                    () -> mainDb().map(d -> d.txId() >= 0).orElse(true), () -> "");
            old = mainDb();
        }
        if (old.isPresent()) {
            handleOldDatabase(old.get(), promoted);
        }
        system(main, "CALL internal.dbms.createReplicaDatabase($name, $primaries, 0, {remote: $remote, addresses: $addresses})",
                Map.of("name", plan.mainDatabase(), "primaries", plan.mainPrimaries(), "remote", plan.drDatabase(), "addresses", plan.drAddresses()));
        say("      created; it starts with a store copy of '" + plan.drDatabase() + "'");
    }

    /** An old database with the main name: export what the promoted one never received, then drop it. */
    private void handleOldDatabase(DatabaseView old, DatabaseView promoted) {
        if (old.isReplica()) {
            throw new FailbackException("the main cluster's '" + plan.mainDatabase() + "' is a replica of " + old.upstream()
                    + ", not of '" + plan.drDatabase() + "'; drop it or choose another --main-database");
        }
        DivergenceCheck check = new DivergenceCheck(main, plan.mainDatabase(), dr, plan.drDatabase());
        DivergenceCheck.Divergence d;
        try {
            d = check.find(old.txId(), promoted.txId());
        } catch (FailbackException e) {
            if (!plan.discardDivergent()) {
                throw e;
            }
            say("      cannot compare histories (" + e.getMessage() + "); discarding as --discard-divergent says");
            d = new DivergenceCheck.Divergence(0, 1, 0);
        }
        if (d.count() > 0) {
            say("      the old '" + plan.mainDatabase() + "' has " + d.count() + " transactions (txId " + d.fromTxId() + ".." + d.toTxId()
                    + ") that '" + plan.drDatabase() + "' never received (histories agree up to txId " + d.lastCommonTxId() + ")");
            try {
                long n = check.export(d, plan.exportFile());
                say("      exported " + n + " of them to " + plan.exportFile().toAbsolutePath() + " for review and replay");
            } catch (IOException | RuntimeException e) {
                if (!plan.discardDivergent()) {
                    throw new FailbackException("cannot export the divergent transactions to " + plan.exportFile() + " (" + e.getMessage()
                            + "); nothing was dropped. Fix the path (--export) or re-run with --discard-divergent to lose them");
                }
                say("      export failed (" + e.getMessage() + "); discarding them as --discard-divergent says");
            }
        } else {
            say("      the old '" + plan.mainDatabase() + "' holds nothing '" + plan.drDatabase() + "' lacks (at " + old.position() + ")");
        }
        system(main, "DROP DATABASE `" + plan.mainDatabase() + "` IF EXISTS", Map.of());
        awaitCondition("old '" + plan.mainDatabase() + "' dropped", () -> mainDb().isEmpty(), () -> "");
    }

    private void awaitCatchUp() {
        io.ccdr.cli.console.Progress progress = io.ccdr.cli.console.Progress.forConsole(out, "'" + plan.mainDatabase() + "' catching up", "tx");
        try {
            awaitCondition("'" + plan.mainDatabase() + "' within " + plan.maxLagToFreeze() + " transactions of '" + plan.drDatabase() + "'", () -> {
                Optional<DatabaseView> a = mainDb();
                Optional<DatabaseView> b = drDb();
                if (a.isPresent() && b.isPresent()) {
                    progress.update(Math.max(0, a.get().txId()), b.get().txId());
                }
                return a.isPresent() && b.isPresent() && b.get().txId() - a.get().txId() <= plan.maxLagToFreeze();
            }, () -> "");
        } finally {
            progress.finish();
        }
    }

    private String lagLine() {
        long a = mainDb().map(DatabaseView::txId).orElse(-1L);
        long b = drDb().map(DatabaseView::txId).orElse(-1L);
        return "      lag: " + Math.max(0, b - a) + " transactions (" + plan.mainDatabase() + " at " + a + ", " + plan.drDatabase() + " at " + b + ")";
    }

    private void freezeDr() {
        freezeStartedNanos = System.nanoTime();
        system(dr, "ALTER DATABASE `" + plan.drDatabase() + "` SET ACCESS READ ONLY", Map.of());
    }

    private void awaitEqual() {
        DatabaseView frozen = drDb().orElseThrow(() -> new FailbackException("the DR cluster has no database '" + plan.drDatabase() + "'"));
        if (!frozen.readOnly()) {
            throw new FailbackException("'" + plan.drDatabase() + "' still accepts writes; step 3 must run first");
        }
        awaitCondition("equal txId and chain hash", () -> {
            Optional<DatabaseView> a = mainDb();
            Optional<DatabaseView> b = drDb();
            return a.isPresent() && b.isPresent() && a.get().txId() == b.get().txId() && a.get().chainHash() != null
                    && a.get().chainHash().equals(b.get().chainHash());
        }, this::lagLine);
        DatabaseView a = mainDb().orElseThrow();
        say("      both at " + a.position());
    }

    private void promoteMain() {
        DatabaseView b = drDb().orElseThrow(() -> new FailbackException("the DR cluster has no database '" + plan.drDatabase() + "'"));
        DatabaseView a = mainDb().orElseThrow(() -> new FailbackException("the main cluster has no database '" + plan.mainDatabase() + "'"));
        if (!b.readOnly() || a.txId() != b.txId() || a.chainHash() == null || !a.chainHash().equals(b.chainHash())) {
            throw new FailbackException("refusing to promote: '" + plan.drDatabase() + "' must be read-only and both must be at the same txId "
                    + "and chain hash (main " + a.position() + ", DR " + b.position() + ")");
        }
        Record r = system(main, "CALL internal.dbms.promoteReplicaDatabase($name)", Map.of("name", plan.mainDatabase())).get(0);
        say("      promoted at txId " + r.get("promotedAtTxId").asLong());
        if (freezeStartedNanos >= 0) {
            unavailableMillis = (System.nanoTime() - freezeStartedNanos) / 1_000_000;
        }
    }

    private void dropDr() {
        DatabaseView a = mainDb().orElseThrow(() -> new FailbackException("the main cluster has no database '" + plan.mainDatabase() + "'"));
        Optional<DatabaseView> b = drDb();
        if (b.isPresent() && (!a.promotedFrom(plan.drDatabase()) || a.promotedAtTxId() == null || a.promotedAtTxId() != b.get().txId()
                || !b.get().chainHash().equals(a.promotedChainHash()))) {
            throw new FailbackException("refusing to drop '" + plan.drDatabase() + "': the main cluster's '" + plan.mainDatabase()
                    + "' was not promoted at its txId and chain hash (main " + a.position() + ", promoted at " + a.promotedAtTxId() + "; DR "
                    + b.get().position() + ")");
        }
        system(dr, "DROP DATABASE `" + plan.drDatabase() + "` IF EXISTS", Map.of());
        awaitCondition("'" + plan.drDatabase() + "' dropped", () -> drDb().isEmpty(), () -> "");
    }

    private void createDrReplica() {
        system(dr, "CALL internal.dbms.createReplicaDatabase($name, $primaries, 0, {remote: $remote, addresses: $addresses})",
                Map.of("name", plan.drReplica(), "primaries", plan.drPrimaries(), "remote", plan.mainDatabase(), "addresses", plan.mainAddresses()));
        awaitCondition("'" + plan.drReplica() + "' following '" + plan.mainDatabase() + "'", () -> {
            Optional<DatabaseView> r = db(dr, plan.drReplica());
            Optional<DatabaseView> a = mainDb();
            return r.isPresent() && a.isPresent() && r.get().txId() >= a.get().promotedAtTxId();
        }, () -> "      " + plan.drReplica() + " at " + db(dr, plan.drReplica()).map(DatabaseView::txId).orElse(-1L));
    }

    // ---- helpers ----

    private Optional<DatabaseView> mainDb() {
        return db(main, plan.mainDatabase());
    }

    private Optional<DatabaseView> drDb() {
        return db(dr, plan.drDatabase());
    }

    private static Optional<DatabaseView> db(Driver driver, String name) {
        return DatabaseView.read(driver, name);
    }

    private static List<Record> system(Driver driver, String query, Map<String, Object> params) {
        try (Session s = Drivers.causalSession(driver, "system")) {
            return s.run(query, params).list();
        }
    }

    private void awaitCondition(String what, Supplier<Boolean> condition, Supplier<String> progress) {
        long end = System.nanoTime() + plan.timeout().toNanos();
        long nextReport = 0;
        while (!condition.get()) {
            if (System.nanoTime() > end) {
                throw new FailbackException("timed out after " + plan.timeout().toSeconds() + " s waiting for " + what);
            }
            if (System.nanoTime() > nextReport) {
                String line = progress.get();
                if (!line.isEmpty()) {
                    say(line);
                }
                nextReport = System.nanoTime() + Duration.ofSeconds(1).toNanos();
            }
            try {
                Thread.sleep(POLL.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new FailbackException("interrupted while waiting for " + what);
            }
        }
    }
}
