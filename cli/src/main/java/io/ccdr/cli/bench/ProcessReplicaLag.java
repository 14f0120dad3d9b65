package io.ccdr.cli.bench;

import io.ccdr.cli.local.Sandbox;
import io.ccdr.cli.local.SandboxServer;
import org.neo4j.driver.AuthTokens;
import org.neo4j.driver.Config;
import org.neo4j.driver.Driver;
import org.neo4j.driver.GraphDatabase;
import org.neo4j.driver.Logging;
import org.neo4j.driver.Session;
import org.neo4j.driver.SessionConfig;
import org.neo4j.driver.exceptions.ClientException;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * {@code ccdr bench replica --mode lag --processes}: steady-state replication lag (issue #13) with
 * both clusters as separate server processes and everything measured from outside, as an
 * application would see it. Cluster A ({@code a1..}) hosts {@value #UPSTREAM}; cluster B
 * ({@code b1..}) hosts {@value #REPLICA}, created with {@code internal.dbms.createReplicaDatabase} on
 * B's {@code system} database. The load generator and the reader are threads of this JVM:
 *
 * <ul>
 *   <li>writers commit one small {@code CREATE} per managed transaction through a {@code neo4j://}
 *       driver on A and take the txId from the bookmark of the commit ({@code ccdr:neo4j:<txId>});
 *       the acknowledgement time is when {@code executeWrite} returned;</li>
 *   <li>a {@link VisibilityReader} polls the replica's Raft leader in B (the member that pulls from
 *       A, so the first to show a transaction) over a direct {@code bolt://} connection;</li>
 *   <li>lag of a transaction = the answer time of the first poll that reported its txId minus its
 *       acknowledgement time (an upper bound by at most one poll interval plus one round trip);</li>
 *   <li>CPU: {@code utime + stime} of every server process from {@code /proc/<pid>/stat} at the start
 *       and the end of the recorded window; A's per committed transaction (acknowledged in the
 *       window), B's per replicated transaction (the txIds that became visible on B's leader in
 *       the window), each summed over the cluster's members.</li>
 * </ul>
 *
 * The bench's reader is itself Bolt work on B's leader, so its cost is measured separately at rest
 * (idle, then idle with the reader polling) and reported next to B's figure.
 */
final class ProcessReplicaLag {
    static final String UPSTREAM = "neo4j";
    static final String REPLICA = "neo4j-replica";
    /** Written before the replica is created, so it starts from a store copy of a non-empty store (as the in-JVM bench). */
    static final int SEED_TRANSACTIONS = 100;
    private static final Duration WAIT = Duration.ofSeconds(120);
    private static final Duration DRAIN = Duration.ofSeconds(300);

    /** Cluster size (both), TLS, server heap, writer threads, sandbox directory (null: temporary), JFR directory (null: none). */
    record Setup(int servers, boolean tls, String heap, int writers, Path dir, Path profile, Duration pollInterval, Duration baseline) {
        Setup {
            if (servers < 1 || writers < 1 || pollInterval.isNegative() || baseline.isNegative()) {
                throw new IllegalArgumentException("servers and writers must be at least 1, the poll interval and baseline not negative");
            }
        }
    }

    /**
     * CPU of the two clusters at rest, per second of wall time: idle (no writes, no reader), then with
     * the bench's reader polling B's replica leader. {@link #readerMsPerSecond()} is the reader's cost on B.
     */
    record Baseline(double seconds, double aMsPerSecond, double bMsPerSecond, double bWithReaderMsPerSecond, double readerPollsPerSecond) {
        double readerMsPerSecond() {
            return bWithReaderMsPerSecond - bMsPerSecond;
        }
    }

    /**
     * CPU in the recorded window.
     *
     * @param committed  transactions A acknowledged in the window
     * @param replicated txIds that became visible on B's replica leader in the window
     * @param perServer  CPU nanoseconds of each server process in the window
     */
    record Cpu(double seconds, long clusterANanos, long clusterBNanos, long committed, long replicated, Map<String, Long> perServer) {
        double aMsPerCommitted() {
            return committed == 0 ? Double.NaN : clusterANanos / 1e6 / committed;
        }

        double bMsPerReplicated() {
            return replicated == 0 ? Double.NaN : clusterBNanos / 1e6 / replicated;
        }

        /** B's figure with the reader's cost at rest ({@link Baseline#readerMsPerSecond()}) taken out. */
        double bMsPerReplicatedWithoutReader(Baseline baseline) {
            return replicated == 0 || baseline == null ? Double.NaN
                    : (clusterBNanos / 1e6 - baseline.readerMsPerSecond() * seconds) / replicated;
        }

        /** B per replicated / A per committed: issue #13's efficiency target is at most 1. */
        double ratio() {
            return bMsPerReplicated() / aMsPerCommitted();
        }
    }

    /**
     * @param maxRate      closed-loop upstream maximum through the driver ({@code NaN} when not measured)
     * @param measured     paced transactions acknowledged from the start of the recorded window
     * @param unseen       of those, how many the reader never saw on the replica (0 unless it broke)
     * @param replicaLeader the server leading the replica in B when the paced load started (the one polled)
     * @param leaderChanged whether another server led it when the load ended (then part of the lag is a follower's)
     */
    record Result(double maxRate, double targetRate, double achievedRate, long measured, long unseen, double p50Ms, double p99Ms,
                  double maxMs, long polls, double pollsPerSecond, double pollRoundTripP50Ms, long pollFailures, String replicaLeader,
                  boolean leaderChanged, Baseline baseline, Cpu cpu, List<Path> recordings) {
    }

    private final Setup setup;
    private final PrintWriter out;

    ProcessReplicaLag(Setup setup, PrintWriter out) {
        this.setup = setup;
        this.out = out;
    }

    private void say(String format, Object... args) {
        out.printf(format + "%n", args);
        out.flush();
    }

    /**
     * Starts both clusters, paces A at {@code rate} tx/s when given, else at {@code fraction} of the
     * maximum measured first, prints the result ({@link #print}) and stops the servers.
     */
    Result run(Duration warmup, Duration maxDuration, double fraction, OptionalDouble rate, Duration lagWarmup, Duration duration)
            throws Exception {
        say("starting clusters a and b, %d servers each, each its own JVM (-Xmx%s); cluster TLS %s", setup.servers(), setup.heap(),
                setup.tls() ? "on (mutual, a CA per cluster, cross-trusted)" : "off");
        ProcessClusters rig = ProcessClusters.start(2, setup.servers(), setup.heap(), setup.tls(), setup.dir(), out);
        boolean ok = false;
        try {
            say("servers up; load generator and reader: this JVM (pid %d), %d cores on this machine", ProcessHandle.current().pid(),
                    Runtime.getRuntime().availableProcessors());
            rig.printServers(out);
            Result r = measure(rig, warmup, maxDuration, fraction, rate, lagWarmup, duration);
            print(out, r);
            ok = true;
            return r;
        } finally {
            if (!ok) {
                rig.keepLogs();
                say("servers stopped; their logs are kept in %s", rig.directory());
            }
            rig.close();
        }
    }

    private Result measure(ProcessClusters rig, Duration warmup, Duration maxDuration, double fraction, OptionalDouble rate,
                           Duration lagWarmup, Duration duration) throws Exception {
        Config config = Config.builder().withMaxConnectionPoolSize(Math.max(100, setup.writers() * 2)).withLogging(Logging.none())
                .withUserAgent("ccdr-bench/0.1.0").build();
        try (Driver a = GraphDatabase.driver(rig.routingUri("a"), AuthTokens.basic("neo4j", Sandbox.PASSWORD), config);
             Driver b = GraphDatabase.driver(rig.routingUri("b"), AuthTokens.basic("neo4j", Sandbox.PASSWORD), config)) {
            DriverLoad.awaitWritable(a, UPSTREAM, WAIT);
            long seeded = 0;
            for (int i = 0; i < SEED_TRANSACTIONS; i++) {
                seeded = write(a, -1 - i);
            }
            long created = System.nanoTime();
            createReplica(rig, b);
            SandboxServer leader = awaitReplicaLeader(rig);
            try (Driver direct = GraphDatabase.driver("bolt://" + leader.boltAddress(), AuthTokens.basic("neo4j", Sandbox.PASSWORD), config);
                 VisibilityReader reader = new VisibilityReader(direct, REPLICA, setup.pollInterval())) {
                reader.awaitAtLeast(seeded, WAIT);
                say("replica '%s' created in cluster b and caught up with txId %d in %.1f s; its leader is %s", REPLICA, seeded,
                        (System.nanoTime() - created) / 1e9, leader.name());

                if (!warmup.isZero()) {
                    say("warm-up: %d s of unpaced writes (%d writers, not recorded)", warmup.toSeconds(), setup.writers());
                    long last = closedLoop(a, warmup)[1];
                    reader.awaitAtLeast(last, DRAIN);
                }
                double max = Double.NaN;
                if (!maxDuration.isZero()) {
                    long[] r = closedLoop(a, maxDuration);
                    max = r[0] / (maxDuration.toNanos() / 1e9);
                    say("upstream maximum through the driver: %.0f tx/s (%d writers, %d s, closed loop)", max, setup.writers(),
                            maxDuration.toSeconds());
                    reader.awaitAtLeast(r[1], DRAIN); // the paced phase starts from a caught-up replica
                }
                double target = rate.orElse(max * fraction);
                if (!(target > 0)) {
                    throw new IllegalStateException("no paced rate: give --rate or measure the maximum (--max-duration > 0)");
                }
                Baseline baseline = setup.baseline().isZero() ? null : baseline(rig, reader);
                if (!reader.isPolling()) {
                    reader.start();
                }
                return paced(rig, a, reader, leader, max, target, lagWarmup, duration, baseline);
            }
        }
    }

    /** One small write on A through the driver; returns its txId (from the commit's bookmark). */
    private static long write(Driver a, long id) {
        return DriverLoad.txIdOf(DriverLoad.writeReturningBookmark(a, UPSTREAM, id));
    }

    private void createReplica(ProcessClusters rig, Driver b) {
        List<String> addresses = rig.clusterAddresses("a");
        say("CALL internal.dbms.createReplicaDatabase('%s', %d, 0, {remote: '%s', addresses: %s}) on b's system database", REPLICA,
                setup.servers(), UPSTREAM, addresses);
        long end = System.nanoTime() + WAIT.toNanos();
        while (true) {
            try (Session s = b.session(SessionConfig.forDatabase("system"))) {
                s.run("CALL internal.dbms.createReplicaDatabase($name, $primaries, 0, {remote: $remote, addresses: $addresses})",
                        Map.of("name", REPLICA, "primaries", setup.servers(), "remote", UPSTREAM, "addresses", addresses)).consume();
                return;
            } catch (ClientException e) {
                throw e;
            } catch (RuntimeException e) {
                if (System.nanoTime() > end) {
                    throw e;
                }
                LockSupport.parkNanos(250_000_000);
            }
        }
    }

    private static SandboxServer awaitReplicaLeader(ProcessClusters rig) {
        long end = System.nanoTime() + WAIT.toNanos();
        while (true) {
            Optional<SandboxServer> leader = rig.leader("b", REPLICA);
            if (leader.isPresent()) {
                return leader.get();
            }
            if (System.nanoTime() > end) {
                throw new IllegalStateException("no server of cluster b reports itself leader of '" + REPLICA + "' after " + WAIT.toSeconds() + " s");
            }
            LockSupport.parkNanos(200_000_000);
        }
    }

    /** {@code setup.writers()} unpaced writers for {@code d}: {acknowledged within d, highest txId acknowledged}. */
    private long[] closedLoop(Driver a, Duration d) throws InterruptedException {
        long end = System.nanoTime() + d.toNanos();
        AtomicLong acks = new AtomicLong();
        AtomicLong highest = new AtomicLong();
        PacedWriters.run(setup.writers(), () -> System.nanoTime() < end ? 0 : PacedWriters.STOP, id -> write(a, id), (txId, at) -> {
            if (at <= end) {
                acks.incrementAndGet();
            }
            highest.accumulateAndGet(txId, Math::max);
        }, "bench-upstream-writer");
        return new long[] {acks.get(), highest.get()};
    }

    /** CPU per second of both clusters idle, then of B with the reader polling (the reader is started here). */
    private Baseline baseline(ProcessClusters rig, VisibilityReader reader) throws InterruptedException {
        Duration d = setup.baseline();
        say("CPU at rest: %.1f s idle, then %.1f s with the reader polling the replica's leader", d.toNanos() / 1e9, d.toNanos() / 1e9);
        Map<String, Long> a = rig.pids("a");
        Map<String, Long> b = rig.pids("b");
        long[] idle = cpuOver(a, b, d);
        long pollsBefore = reader.polls();
        reader.start();
        long[] polling = cpuOver(a, b, d);
        double seconds = d.toNanos() / 1e9;
        Baseline r = new Baseline(seconds, idle[0] / 1e6 / seconds, idle[1] / 1e6 / seconds, polling[1] / 1e6 / seconds,
                (reader.polls() - pollsBefore) / seconds);
        say("  idle: cluster a %.1f ms/s, cluster b %.1f ms/s; with the reader (%.0f polls/s): cluster b %.1f ms/s, so the reader costs "
                + "b %.1f ms/s", r.aMsPerSecond(), r.bMsPerSecond(), r.readerPollsPerSecond(), r.bWithReaderMsPerSecond(), r.readerMsPerSecond());
        return r;
    }

    /** CPU nanoseconds of clusters a and b (sums) over the next {@code d}. */
    private static long[] cpuOver(Map<String, Long> a, Map<String, Long> b, Duration d) {
        Map<String, Long> all = new LinkedHashMap<>(a);
        all.putAll(b);
        Map<String, Long> before = ProcessCpu.snapshot(all);
        long end = System.nanoTime() + d.toNanos();
        for (long left = d.toNanos(); left > 0; left = end - System.nanoTime()) {
            LockSupport.parkNanos(left);
        }
        Map<String, Long> used = ProcessCpu.between(before, ProcessCpu.snapshot(all));
        return new long[] {sum(used, a), sum(used, b)};
    }

    private static long sum(Map<String, Long> used, Map<String, Long> cluster) {
        return cluster.keySet().stream().mapToLong(n -> used.getOrDefault(n, 0L)).sum();
    }

    private Result paced(ProcessClusters rig, Driver a, VisibilityReader reader, SandboxServer leader, double max, double target,
                         Duration lagWarmup, Duration duration, Baseline baseline) throws Exception {
        long total = (long) Math.ceil(target * (lagWarmup.toNanos() + duration.toNanos()) / 1e9);
        if (total > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("too many paced transactions: " + total);
        }
        long period = (long) (1e9 / target);
        Map<String, Long> pidsA = rig.pids("a");
        Map<String, Long> pidsB = rig.pids("b");
        Map<String, Long> all = new LinkedHashMap<>(pidsA);
        all.putAll(pidsB);
        try (FlightRecordings jfr = setup.profile() == null ? null : new FlightRecordings(setup.profile(), all)) {
            if (jfr != null) {
                jfr.start();
                say("JFR recording started on every server and in this JVM (%s), for the paced phase", setup.profile().toAbsolutePath());
            }
            long base = reader.awaitAtLeast(0, WAIT); // what is visible now: every txId above it is paced
            long t0 = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50);
            long measureFrom = t0 + lagWarmup.toNanos();
            long windowEnd = measureFrom + duration.toNanos();
            say("paced load: %.0f tx/s into a for %.1f s (%.1f s unrecorded, then %.1f s recorded), %d writers; lag read on %s", target,
                    (lagWarmup.toNanos() + duration.toNanos()) / 1e9, lagWarmup.toNanos() / 1e9, duration.toNanos() / 1e9, setup.writers(),
                    leader.name());
            long[] ackNanos = new long[(int) total];
            long[] ackTx = new long[(int) total];
            AtomicLong acked = new AtomicLong();
            // CPU snapshots at the two ends of the recorded window, from a thread of their own
            List<Map<String, Long>> cpu = new java.util.ArrayList<>(); // published by clock.join()
            long[] pollsAt = new long[2];
            Thread clock = new Thread(() -> {
                parkUntil(measureFrom);
                cpu.add(ProcessCpu.snapshot(all));
                pollsAt[0] = reader.polls();
                parkUntil(windowEnd);
                cpu.add(ProcessCpu.snapshot(all));
                pollsAt[1] = reader.polls();
            }, "bench-cpu-window");
            clock.setDaemon(true);
            clock.start();
            AtomicLong next = new AtomicLong();
            long lastAck = PacedWriters.run(setup.writers(), () -> {
                long k = next.getAndIncrement();
                return k < total ? t0 + k * period : PacedWriters.STOP;
            }, id -> write(a, id), (txId, at) -> {
                int i = (int) acked.getAndIncrement();
                ackNanos[i] = at;
                ackTx[i] = txId;
            }, "bench-upstream-writer");
            clock.join();
            long highest = Arrays.stream(ackTx).max().orElse(base);
            reader.awaitAtLeast(highest, DRAIN);
            List<Path> recordings = jfr == null ? List.of() : jfr.stop();
            Optional<SandboxServer> leaderAfter = rig.leader("b", REPLICA);

            long[] lags = new long[(int) total];
            int measured = 0;
            long unseen = 0;
            long committedInWindow = 0;
            for (int i = 0; i < total; i++) {
                if (ackNanos[i] >= measureFrom && ackNanos[i] <= windowEnd) {
                    committedInWindow++;
                }
                if (ackNanos[i] < measureFrom) {
                    continue;
                }
                long seen = reader.firstSeenNanos(ackTx[i]);
                if (seen == 0) {
                    unseen++;
                    continue;
                }
                lags[measured++] = (seen - ackNanos[i]) / 1000;
            }
            long[] sorted = Arrays.copyOf(lags, measured);
            Arrays.sort(sorted);
            double window = (Math.max(lastAck, measureFrom + 1) - measureFrom) / 1e9;
            Map<String, Long> used = ProcessCpu.between(cpu.get(0), cpu.get(1));
            if (used.size() != all.size()) {
                throw new IllegalStateException("servers without CPU figures (gone?): " + all.keySet().stream().filter(n -> !used.containsKey(n)).toList());
            }
            long replicated = Math.max(0, reader.txIdAt(windowEnd) - reader.txIdAt(measureFrom));
            Cpu c = new Cpu(duration.toNanos() / 1e9, sum(used, pidsA), sum(used, pidsB), committedInWindow, replicated, used);
            double pollSeconds = duration.toNanos() / 1e9;
            return new Result(max, target, (measured + unseen) / window, measured, unseen,
                    LatencyRecorder.percentileMillis(sorted, 50), LatencyRecorder.percentileMillis(sorted, 99),
                    sorted.length == 0 ? Double.NaN : sorted[sorted.length - 1] / 1000.0, reader.polls(),
                    (pollsAt[1] - pollsAt[0]) / pollSeconds, reader.roundTripP50Ms(), reader.failures(), leader.name(),
                    leaderAfter.map(l -> !l.name().equals(leader.name())).orElse(true), baseline, c, recordings);
        }
    }

    private static void parkUntil(long nanos) {
        for (long left = nanos - System.nanoTime(); left > 0; left = nanos - System.nanoTime()) {
            LockSupport.parkNanos(left);
        }
    }

    /** Prints a result as {@code ccdr bench replica} does. */
    static void print(PrintWriter out, Result r) {
        out.printf("paced upstream load: target %.0f tx/s%s, achieved %.0f tx/s; %d transactions measured, %d never seen on the replica%n",
                r.targetRate(), Double.isNaN(r.maxRate()) ? "" : String.format(" (%.0f %% of the maximum)", 100 * r.targetRate() / r.maxRate()),
                r.achievedRate(), r.measured(), r.unseen());
        out.println("lag      p50       p99       max");
        out.printf("time     %-9s %-9s %s%n", ms(r.p50Ms()), ms(r.p99Ms()), ms(r.maxMs()));
        out.printf("(lag = first poll of %s's replica that showed the txId minus the write's acknowledgement; reader %.0f polls/s, "
                        + "round trip p50 %.2f ms, %d failed polls%s)%n", r.replicaLeader(), r.pollsPerSecond(), r.pollRoundTripP50Ms(),
                r.pollFailures(), r.leaderChanged() ? "; the replica's leadership MOVED during the run, later polls read a follower" : "");
        Cpu c = r.cpu();
        out.printf("CPU in the recorded %.1f s (user + system, all members): cluster a %.0f ms for %d committed = %.3f ms per committed "
                        + "transaction; cluster b %.0f ms for %d replicated = %.3f ms per replicated transaction%n", c.seconds(),
                c.clusterANanos() / 1e6, c.committed(), c.aMsPerCommitted(), c.clusterBNanos() / 1e6, c.replicated(), c.bMsPerReplicated());
        if (r.baseline() != null) {
            out.printf("  without the bench's reader (%.1f ms/s at rest, taken out): cluster b %.3f ms per replicated transaction%n",
                    r.baseline().readerMsPerSecond(), c.bMsPerReplicatedWithoutReader(r.baseline()));
        }
        out.printf("  b per replicated / a per committed = %.2f (issue #13's efficiency target: at most 1)%n", c.ratio());
        StringBuilder per = new StringBuilder("  per server (ms):");
        c.perServer().forEach((name, nanos) -> per.append(' ').append(name).append(' ').append(Math.round(nanos / 1e6)));
        out.println(per);
        if (!r.recordings().isEmpty()) {
            out.println("JFR recordings of the paced phase:");
            r.recordings().forEach(f -> out.println("  " + f));
        }
        out.flush();
    }

    private static String ms(double v) {
        return String.format("%.2f ms", v);
    }
}
