package io.ccdr.cli.bench;

import io.ccdr.node.backup.BackupException;
import io.ccdr.node.backup.BackupHeader;
import io.ccdr.node.backup.OnlineBackup;
import io.ccdr.tls.SslPolicy;
import org.neo4j.driver.AuthTokens;
import org.neo4j.driver.Driver;
import org.neo4j.driver.GraphDatabase;
import org.neo4j.driver.Session;
import org.neo4j.driver.SessionConfig;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The backup measurements of issue #15 on one cluster in this JVM, over mutual TLS unless told
 * otherwise: a store of the size asked for is loaded, then each run takes a FULL backup while
 * writers keep committing (their rate with and without the backup), commits N small transactions
 * and takes a DIFF of them, and seeds a new database from the chain with {@code CREATE DATABASE …
 * OPTIONS {seedURI}} (every server restores its own copy). Results are printed as they come and
 * returned.
 */
final class BackupBench {
    private static final String DATABASE = ReplicaRig.UPSTREAM;
    private static final Duration SETTLE = Duration.ofSeconds(300);

    /** Cluster size, TLS, concurrent writers, data directory (a temporary one, deleted afterwards, when null). */
    record Setup(int servers, boolean tls, int writers, Path dir) {
        Setup {
            if (servers < 1 || writers < 1) {
                throw new IllegalArgumentException("servers and writers must be at least 1");
            }
        }
    }

    /**
     * One run.
     *
     * @param fullSeconds       FULL backup, whole command (probe, store copy, artefact, transactions since the copy)
     * @param storeBytes        store bytes in the FULL artefact
     * @param writesDuringFull  committed small transactions per second while the FULL ran
     * @param diffSeconds       DIFF backup of {@code diffTransactions} transactions
     * @param seedSeconds       {@code CREATE DATABASE … OPTIONS {seedURI} WAIT}, until every server restored its copy
     */
    record Run(double fullSeconds, long storeBytes, long artefactBytes, double writesDuringFull, double diffSeconds, long diffTransactions,
               double seedSeconds) {
        double fullMegabytesPerSecond() {
            return storeBytes / 1e6 / fullSeconds;
        }

        double seedMegabytesPerSecond() {
            return storeBytes / 1e6 / seedSeconds;
        }
    }

    /** @param writesAlone committed small transactions per second with no backup running, measured before the runs */
    record Result(ReplicaRig.Loaded loaded, double writesAlone, List<Run> runs) {
    }

    private final Setup setup;
    private final PrintWriter out;

    BackupBench(Setup setup, PrintWriter out) {
        this.setup = setup;
        this.out = out;
    }

    Result run(long storeBytes, int valueBytes, int batch, int runs, long diffTransactions, Duration writesWindow) throws Exception {
        return ReplicaRig.inDirectory(setup.dir(), "ccdr-bench-backup", out, root -> {
            try (ReplicaRig rig = ReplicaRig.start(root, setup.servers(), 0, setup.tls());
                 SslPolicy client = rig.clientPolicy("bench-backup");
                 Driver bolt = GraphDatabase.driver("neo4j://127.0.0.1:" + rig.a.server(0).boltPort(), AuthTokens.none())) {
                ReplicaRig.Loaded loaded = rig.loadBlobs(storeBytes, valueBytes, batch);
                out.printf("store: %d nodes with %d-byte values, %.1f MB (leader, SST files and memtables) at txId %d, loaded in %.1f s%n",
                        loaded.nodes(), valueBytes, loaded.storeBytes() / 1e6, loaded.txId(), loaded.seconds());
                writes(rig, writesWindow); // warm-up of the write path, not counted
                double alone = writes(rig, writesWindow);
                out.printf("writes without a backup: %.0f tx/s (%d writers, %d s)%n", alone, setup.writers(), writesWindow.toSeconds());
                out.flush();
                List<Run> results = new ArrayList<>();
                for (int i = 1; i <= runs; i++) {
                    Run r = once(rig, client, bolt, root.resolve("backups-" + i), "seeded-" + i, diffTransactions);
                    results.add(r);
                    out.printf("run %d: FULL %.1f MB in %.2f s: %.1f MB/s, writes meanwhile %.0f tx/s (%.0f %% of %.0f); DIFF of %d transactions "
                                    + "in %.2f s; seed (%d servers) in %.2f s: %.1f MB/s per server%n", i, r.storeBytes() / 1e6, r.fullSeconds(),
                            r.fullMegabytesPerSecond(), r.writesDuringFull(), 100 * r.writesDuringFull() / alone, alone, r.diffTransactions(),
                            r.diffSeconds(), setup.servers(), r.seedSeconds(), r.seedMegabytesPerSecond());
                    out.flush();
                }
                return new Result(loaded, alone, results);
            }
        });
    }

    private Run once(ReplicaRig rig, SslPolicy client, Driver bolt, Path dir, String seeded, long diffTransactions) throws Exception {
        settle(rig);
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicLong during = new AtomicLong();
        AtomicLong from = new AtomicLong(Long.MAX_VALUE);
        AtomicLong to = new AtomicLong(Long.MAX_VALUE);
        // its own thread: the writers block for the whole FULL, the common pool is Ratis's
        CompletableFuture<Long> writers = new CompletableFuture<>();
        Thread load = new Thread(() -> writers.complete(closedLoop(rig, writing::get, at -> {
            if (at >= from.get() && at <= to.get()) {
                during.incrementAndGet();
            }
        })), "bench-backup-load");
        load.setDaemon(true);
        load.start();
        OnlineBackup.Outcome full;
        try {
            Thread.sleep(500); // the writers are at full rate when the backup starts
            from.set(System.nanoTime());
            full = backup(rig, client, dir, OnlineBackup.Type.FULL);
            to.set(System.nanoTime());
        } finally {
            writing.set(false);
        }
        writers.join();
        double fullSeconds = (to.get() - from.get()) / 1e9;

        AtomicLong remaining = new AtomicLong(diffTransactions);
        closedLoop(rig, () -> remaining.getAndDecrement() > 0, at -> { });
        settle(rig);
        long d0 = System.nanoTime();
        OnlineBackup.Outcome diff = backup(rig, client, dir, OnlineBackup.Type.DIFF);
        double diffSeconds = (System.nanoTime() - d0) / 1e9;

        long s0 = System.nanoTime();
        try (Session s = bolt.session(SessionConfig.forDatabase("system"))) {
            s.run("CREATE DATABASE `" + seeded + "` OPTIONS {seedURI: $uri} WAIT", Map.of("uri", dir.toUri().toString())).consume();
            double seedSeconds = (System.nanoTime() - s0) / 1e9;
            s.run("DROP DATABASE `" + seeded + "`").consume(); // its copies would only fill the disk
            return new Run(fullSeconds, full.header().storeBytes(), Files.size(full.file()), during.get() / fullSeconds, diffSeconds,
                    diff.header().transactionCount(), seedSeconds);
        }
    }

    private OnlineBackup.Outcome backup(ReplicaRig rig, SslPolicy client, Path dir, OnlineBackup.Type type) throws BackupException {
        OnlineBackup.Outcome o = new OnlineBackup(new OnlineBackup.Options(DATABASE, rig.upstreamAddresses(), dir, type, false, client,
                Duration.ofSeconds(60))).run((phase, done, total) -> { });
        if (o.header().kind() != (type == OnlineBackup.Type.DIFF ? BackupHeader.Kind.DIFF : BackupHeader.Kind.FULL)) {
            throw new IllegalStateException("asked for a " + type + " backup, got a " + o.header().kind());
        }
        return o;
    }

    /** Every member at the leader's txId, so a backup read from a follower has all there is. */
    private static void settle(ReplicaRig rig) {
        long txId = rig.upstreamLeader().lastCommittedTxId();
        for (int i = 0; i < rig.a.size(); i++) {
            rig.a.server(i).database(DATABASE).orElseThrow().awaitTxId(txId, SETTLE);
        }
    }

    /** Committed small transactions per second over {@code window}, closed loop. */
    private double writes(ReplicaRig rig, Duration window) {
        long end = System.nanoTime() + window.toNanos();
        long n = closedLoop(rig, () -> System.nanoTime() < end, at -> { });
        return n / (window.toNanos() / 1e9);
    }

    private interface Acks {
        void acked(long atNanos);
    }

    /** {@code setup.writers()} threads writing one small transaction each while {@code more} says so; returns how many committed. */
    private long closedLoop(ReplicaRig rig, java.util.function.BooleanSupplier more, Acks acks) {
        AtomicLong retries = new AtomicLong();
        AtomicLong committed = new AtomicLong();
        try {
            PacedWriters.run(setup.writers(), () -> more.getAsBoolean() ? 0 : PacedWriters.STOP, id -> rig.writeSmall(id, retries),
                    (txId, at) -> {
                        committed.incrementAndGet();
                        acks.acked(at);
                    }, "bench-backup-writer");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return committed.get();
    }
}
