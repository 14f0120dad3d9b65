package io.ccdr.cli.bench;

import io.ccdr.node.config.HostPort;
import io.ccdr.node.dbms.Database;
import io.ccdr.node.store.GraphStore;
import io.ccdr.node.stream.StoreCopyClient;
import io.ccdr.tls.SslPolicy;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The three replica measurements of issue #5, each on a fresh {@link ReplicaRig}: steady-state lag
 * under a paced upstream load, catch-up of a replica whose link was cut for N transactions, and
 * store-copy throughput. Results are returned (for tests) and printed (for docs/benchmarks.md).
 */
final class ReplicaBench {
    /** Transactions written to the upstream before the replica is created, so it starts from a store copy of a non-empty store. */
    private static final int SEED_TRANSACTIONS = 100;
    private static final Duration DRAIN = Duration.ofSeconds(300);

    /** Where and how large: cluster sizes, TLS, upstream writer threads, data directory (deleted afterwards when null). */
    record Setup(int upstreamServers, int replicaServers, boolean tls, int writers, Path dir) {
        Setup {
            if (upstreamServers < 1 || replicaServers < 1 || writers < 1) {
                throw new IllegalArgumentException("servers and writers must be at least 1");
            }
        }
    }

    private final Setup setup;
    private final PrintWriter out;

    ReplicaBench(Setup setup, PrintWriter out) {
        this.setup = setup;
        this.out = out;
    }

    // ---- lag ---------------------------------------------------------------------------------

    /**
     * @param maxRate      upstream maximum (closed-loop writers), the reference for the paced load
     * @param achievedRate paced upstream commits per second in the measured window
     * @param measured     paced transactions acknowledged in the measured window
     * @param unseen       of those, how many the replica's leader never showed (0 unless the replica broke)
     * @param p50Ms        time lag percentiles: replica leader visible minus upstream acknowledgement
     * @param p50Tx        transaction lag percentiles: upstream leader's last txId minus the replica leader's, sampled every millisecond
     */
    record LagResult(double maxRate, double targetRate, double achievedRate, long measured, long unseen,
                     double p50Ms, double p99Ms, double maxMs, long p50Tx, long p99Tx, long maxTx, long samples, Diagnostics diagnostics) {
    }

    /**
     * Where the lag sits, from public state only: how often the replica leader applied something
     * and how much each time, and how much the upstream member serving the replica's subscription
     * had queued and not yet written to its socket (Netty's outbound buffer; the socket's own
     * buffers come on top), sampled every 100 ms.
     *
     * @param applySteps          wake-ups of the apply observer that found new transactions (≥ 1 Raft entry each)
     * @param maxQueuedBytes      largest outbound backlog of the subscription seen
     * @param notWritableFraction share of samples in which the subscription's channel was not writable (the replica not reading)
     */
    record Diagnostics(double applyStepsPerSecond, double transactionsPerStep, long maxQueuedBytes, double notWritableFraction) {
    }

    /** Paces the upstream at {@code rate} tx/s when given, else at {@code fraction} of the maximum measured first. */
    LagResult lag(Duration warmup, Duration maxDuration, double fraction, java.util.OptionalDouble rate, Duration lagWarmup, Duration duration)
            throws Exception {
        return withRig(setup.replicaServers(), rig -> {
            seedAndCreate(rig, false);
            if (!warmup.isZero()) {
                closedLoop(rig, warmup);
                rig.awaitReplicaAt(rig.upstreamLeader().lastCommittedTxId(), DRAIN);
            }
            double max = closedLoop(rig, maxDuration);
            out.printf("upstream maximum: %.0f tx/s (%d writers, %d s, small transactions)%n", max, setup.writers(), maxDuration.toSeconds());
            rig.awaitReplicaAt(rig.upstreamLeader().lastCommittedTxId(), DRAIN); // start the paced phase from a caught-up replica
            out.flush();

            double target = rate.orElse(max * fraction);
            long total = (long) Math.ceil(target * (lagWarmup.toNanos() + duration.toNanos()) / 1e9);
            Database up = rig.upstreamLeader();
            Database rep = rig.replicaLeader();
            long base = up.lastCommittedTxId();
            long[] ackNanos = new long[(int) total];
            AtomicLong retries = new AtomicLong();
            long period = (long) (1e9 / target);
            long t0 = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20);
            long measureFrom = t0 + lagWarmup.toNanos();
            AtomicBoolean sampling = new AtomicBoolean(true);
            LatencyRecorder txLag = new LatencyRecorder();
            long[] queue = new long[3]; // max queued bytes, not-writable samples, samples: written by the sampler, read after join
            Thread sampler = new Thread(() -> {
                long nextQueueSample = 0;
                // reading the upstream first means a sample can only overstate the lag by what commits in between
                while (sampling.get()) {
                    long now = System.nanoTime();
                    if (now >= measureFrom) {
                        long upstream = up.lastCommittedTxId();
                        txLag.record(Math.max(0, upstream - rep.lastCommittedTxId()));
                        if (now >= nextQueueSample) {
                            sampleSubscriptions(rig, queue);
                            nextQueueSample = now + 100_000_000;
                        }
                    }
                    LockSupport.parkNanos(1_000_000);
                }
            }, "bench-lag-sampler");
            sampler.setDaemon(true);
            AtomicLong next = new AtomicLong();
            long lastAck;
            try (ApplyObserver observer = new ApplyObserver(rep, base, (int) total, measureFrom)) {
                sampler.start();
                lastAck = runWriters(rig, () -> {
                    long k = next.getAndIncrement();
                    return k < total ? t0 + k * period : STOP;
                }, (txId, at) -> {
                    long i = txId - base - 1;
                    if (i >= 0 && i < ackNanos.length) {
                        ackNanos[(int) i] = at;
                    }
                }, retries);
                sampling.set(false);
                sampler.join();
                rig.awaitReplicaAt(up.lastCommittedTxId(), DRAIN);
                long[] lags = new long[ackNanos.length];
                int measured = 0;
                long unseen = 0;
                observer.close();
                for (int i = 0; i < ackNanos.length; i++) {
                    if (ackNanos[i] < measureFrom) {
                        continue;
                    }
                    long visible = observer.visibleNanos(base + 1 + i);
                    if (visible == 0) {
                        unseen++;
                        continue;
                    }
                    lags[measured++] = (visible - ackNanos[i]) / 1000;
                }
                long[] sorted = Arrays.copyOf(lags, measured);
                Arrays.sort(sorted);
                long[] txs = LatencyRecorder.merge(List.of(txLag));
                double window = (lastAck - measureFrom) / 1e9;
                double achieved = (measured + unseen) / window;
                Diagnostics diagnostics = new Diagnostics(observer.steps() / window,
                        observer.steps() == 0 ? Double.NaN : (double) observer.stepTransactions() / observer.steps(), queue[0],
                        queue[2] == 0 ? Double.NaN : (double) queue[1] / queue[2]);
                return new LagResult(max, target, achieved, measured, unseen,
                        LatencyRecorder.percentileMillis(sorted, 50), LatencyRecorder.percentileMillis(sorted, 99),
                        sorted.length == 0 ? Double.NaN : sorted[sorted.length - 1] / 1000.0,
                        LatencyRecorder.percentile(txs, 50), LatencyRecorder.percentile(txs, 99),
                        txs.length == 0 ? -1 : txs[txs.length - 1], txs.length, diagnostics);
            }
        });
    }

    /** Adds one sample of the upstream subscriptions of the upstream database: {max queued bytes, not writable, samples}. */
    private static void sampleSubscriptions(ReplicaRig rig, long[] queue) {
        for (int i = 0; i < rig.a.size(); i++) {
            for (var info : rig.a.server(i).transactionStream().subscriptions()) {
                if (ReplicaRig.UPSTREAM.equals(info.database())) {
                    queue[0] = Math.max(queue[0], info.pendingOutboundBytes());
                    queue[1] += info.writable() ? 0 : 1;
                    queue[2]++;
                }
            }
        }
    }

    // ---- catch-up ------------------------------------------------------------------------------

    /**
     * @param upstreamRate      commits per second of the upstream while the link was cut ({@code writers} bulk writers)
     * @param pausedAtTxId      the replica's txId when its link was cut; it still held exactly that before the link came back
     * @param firstApplyMs      from restoring the link to the replica's first applied transaction (reconnect backoff included)
     * @param catchUpSeconds    from restoring the link until the replica held the upstream's last txId
     * @param rateFromResume    transactions / catchUpSeconds
     * @param rateApplying      transactions / (catchUpSeconds - firstApply): the apply pace once the stream flows
     * @param sameChainHash     replica and upstream have equal chain hashes at the end
     */
    record CatchUpResult(long transactions, double upstreamRate, long pausedAtTxId, long upstreamTxId, double firstApplyMs,
                         double catchUpSeconds, double rateFromResume, double rateApplying, boolean sameChainHash) {
        double ratio() {
            return rateFromResume / upstreamRate;
        }
    }

    CatchUpResult catchUp(Duration warmup, long transactions) throws Exception {
        return withRig(setup.replicaServers(), rig -> {
            seedAndCreate(rig, true);
            if (!warmup.isZero()) {
                closedLoop(rig, warmup);
            }
            Database up = rig.upstreamLeader();
            Database rep = rig.awaitReplicaAt(up.lastCommittedTxId(), DRAIN);
            rig.cutLink();
            long pausedAt = rep.lastCommittedTxId();
            out.printf("link to the upstream cut with the replica at txId %d; writing %d transactions%n", pausedAt, transactions);
            out.flush();

            AtomicLong remaining = new AtomicLong(transactions);
            AtomicLong retries = new AtomicLong();
            long started = System.nanoTime();
            runWriters(rig, () -> remaining.getAndDecrement() > 0 ? 0 : STOP, (txId, at) -> { }, retries);
            double upstreamSeconds = (System.nanoTime() - started) / 1e9;
            double upstreamRate = transactions / upstreamSeconds;
            long target = up.lastCommittedTxId();
            long before = rep.lastCommittedTxId();
            if (before != pausedAt) {
                throw new IllegalStateException("the replica moved from txId " + pausedAt + " to " + before + " while its link was cut");
            }
            out.printf("upstream: %d transactions in %.1f s with %d writers: %.0f tx/s (retries %d)%n", transactions, upstreamSeconds,
                    setup.writers(), upstreamRate, retries.get());
            out.flush();

            ApplyObserver observer = new ApplyObserver(rep, 0, 0);
            long resumed = System.nanoTime();
            rig.restoreLink();
            long lastReport = resumed;
            long lastTx = pausedAt;
            long deadline = resumed + Math.max(DRAIN.toNanos(), TimeUnit.MILLISECONDS.toNanos(transactions)); // ≥ 1,000 tx/s or fail
            while (!rep.stateMachine().awaitTxId(target, 1, TimeUnit.SECONDS)) {
                long now = System.nanoTime();
                if (now > deadline) {
                    observer.close();
                    throw new IllegalStateException("replica at txId " + rep.lastCommittedTxId() + " of " + target + " after "
                            + (now - resumed) / 1_000_000_000 + " s");
                }
                if (now - lastReport >= TimeUnit.SECONDS.toNanos(10)) {
                    long at = rep.lastCommittedTxId();
                    out.printf("  catching up: txId %d of %d, %.0f tx/s over the last %.0f s%n", at, target,
                            (at - lastTx) / ((now - lastReport) / 1e9), (now - lastReport) / 1e9);
                    out.flush();
                    lastReport = now;
                    lastTx = at;
                }
            }
            long done = System.nanoTime();
            observer.close();
            long first = observer.firstProgressNanos() == 0 ? done : observer.firstProgressNanos();
            long caught = target - pausedAt;
            double seconds = (done - resumed) / 1e9;
            double applying = (done - first) / 1e9;
            return new CatchUpResult(caught, upstreamRate, pausedAt, target, (first - resumed) / 1e6, seconds, caught / seconds,
                    applying > 0 ? caught / applying : Double.NaN, rep.chainHashHex().equals(up.chainHashHex()));
        });
    }

    // ---- store copy ----------------------------------------------------------------------------

    record Copy(long bytes, double seconds, long txId) {
        double megabytesPerSecond() {
            return bytes / 1e6 / seconds;
        }
    }

    /** @param storeBytes the leader's store size (SST files and memtables) after the load */
    record StoreCopyResult(long storeBytes, long txId, double loadSeconds, List<Copy> copies) {
        Copy median() {
            List<Copy> byRate = new ArrayList<>(copies);
            byRate.sort(Comparator.comparingDouble(Copy::megabytesPerSecond));
            return byRate.get(byRate.size() / 2);
        }
    }

    /**
     * Loads at least {@code storeBytes} into the upstream, then copies it {@code warmups + runs}
     * times from a follower; only the last {@code runs} count (the first copy pays for the JIT of
     * the TLS and copy paths and for flushing what the load left in memtables).
     */
    StoreCopyResult storeCopy(long storeBytes, int valueBytes, int batch, int warmups, int runs) throws Exception {
        return withRig(0, rig -> {
            ReplicaRig.Loaded loaded = rig.loadBlobs(storeBytes, valueBytes, batch);
            long id = loaded.nodes();
            double loadSeconds = loaded.seconds();
            long txId = loaded.txId();
            long size = loaded.storeBytes();
            // copy from a follower, as a replica usually would, so the leader's Raft work is not in the way
            int from = rig.a.size() == 1 ? 0 : (rig.a.awaitLeader(ReplicaRig.UPSTREAM, Duration.ofSeconds(30)) + 1) % rig.a.size();
            Database source = rig.a.server(from).database(ReplicaRig.UPSTREAM).orElseThrow();
            source.awaitTxId(txId, DRAIN);
            HostPort address = rig.a.server(from).config().clusterAdvertisedAddress();
            out.printf("store: %d nodes with %d-byte values, %.1f MB (leader, SST files and memtables) at txId %d, loaded in %.1f s%n",
                    id, valueBytes, size / 1e6, txId, loadSeconds);
            out.flush();
            List<Copy> copies = new ArrayList<>();
            try (SslPolicy policy = rig.clientPolicy("bench-copier")) {
                for (int run = 1 - warmups; run <= runs; run++) {
                    Path target = rig.root.resolve("copy-" + (run + warmups));
                    long start = System.nanoTime();
                    StoreCopyClient.Result r = new StoreCopyClient(List.of(address), policy, Duration.ofSeconds(60), 1)
                            .copy(ReplicaRig.UPSTREAM, target, (done, total) -> { });
                    double seconds = (System.nanoTime() - start) / 1e9;
                    if (r.txId() != txId) {
                        throw new IllegalStateException("store copy is at txId " + r.txId() + ", the upstream at " + txId);
                    }
                    Copy c = new Copy(r.bytes(), seconds, r.txId());
                    if (run >= 1) {
                        copies.add(c);
                    }
                    out.printf("store copy %s: %.1f MB in %.2f s: %.1f MB/s%n", run >= 1 ? "run " + run : "warm-up (not counted)",
                            c.bytes() / 1e6, c.seconds(), c.megabytesPerSecond());
                    out.flush();
                    GraphStore.deleteRecursively(target);
                }
            }
            return new StoreCopyResult(size, txId, loadSeconds, copies);
        });
    }

    // ---- promotion (RTO) ------------------------------------------------------------------------

    /** One promotion: from the promote call to the first write the driver got acknowledged on the promoted database. */
    record Promotion(long promotedAtTxId, double promoteCallMs, double firstWriteMs) {
    }

    /**
     * {@code runs} times on fresh clusters: replicate {@code transactions} upstream transactions, kill
     * every upstream server, promote the replica through Bolt and time the first accepted write.
     */
    List<Promotion> promote(int runs, long transactions) throws Exception {
        List<Promotion> out = new ArrayList<>();
        for (int run = 0; run < runs; run++) {
            out.add(withRig(setup.replicaServers(), rig -> {
                AtomicLong retries = new AtomicLong();
                for (long i = 0; i < transactions; i++) {
                    rig.writeSmall(i, retries);
                }
                rig.createReplica(setup.replicaServers(), false);
                for (int i = 0; i < rig.a.size(); i++) {
                    rig.a.crash(i); // the disaster: the upstream cluster is gone
                }
                try (org.neo4j.driver.Driver d = org.neo4j.driver.GraphDatabase.driver("neo4j://127.0.0.1:" + rig.b.server(0).boltPort(),
                        org.neo4j.driver.AuthTokens.none())) {
                    d.verifyConnectivity();
                    long started = System.nanoTime();
                    long at;
                    try (org.neo4j.driver.Session s = d.session(org.neo4j.driver.SessionConfig.forDatabase("system"))) {
                        at = s.run("CALL internal.dbms.promoteReplicaDatabase('" + ReplicaRig.REPLICA + "')").single()
                                .get("promotedAtTxId").asLong();
                    }
                    long promoted = System.nanoTime();
                    try (org.neo4j.driver.Session s = d.session(org.neo4j.driver.SessionConfig.forDatabase(ReplicaRig.REPLICA))) {
                        s.executeWrite(tx -> tx.run("CREATE (:AfterPromotion)").consume());
                    }
                    long written = System.nanoTime();
                    return new Promotion(at, (promoted - started) / 1e6, (written - started) / 1e6);
                }
            }));
            Promotion p = out.get(out.size() - 1);
            this.out.printf("run %d: promoted at txId %d; promote call %.0f ms; first accepted write %.0f ms after the call%n", run + 1,
                    p.promotedAtTxId(), p.promoteCallMs(), p.firstWriteMs());
            this.out.flush();
        }
        return out;
    }

    // ---- shared ----------------------------------------------------------------------------------

    private interface RigWork<T> {
        T run(ReplicaRig rig) throws Exception;
    }

    private <T> T withRig(int replicaServers, RigWork<T> work) throws Exception {
        return ReplicaRig.inDirectory(setup.dir(), "ccdr-bench-replica", out, root -> {
            try (ReplicaRig rig = ReplicaRig.start(root, setup.upstreamServers(), replicaServers, setup.tls())) {
                return work.run(rig);
            }
        });
    }

    private void seedAndCreate(ReplicaRig rig, boolean throughProxies) throws Exception {
        AtomicLong retries = new AtomicLong();
        for (int i = 0; i < SEED_TRANSACTIONS; i++) {
            rig.writeSmall(-1 - i, retries);
        }
        long started = System.nanoTime();
        rig.createReplica(setup.replicaServers(), throughProxies);
        out.printf("replica created%s and caught up in %.1f s%n", throughProxies ? " (through link proxies)" : "",
                (System.nanoTime() - started) / 1e9);
        out.flush();
    }

    /** Returns committed transactions per second of {@code setup.writers()} unpaced writers over {@code d}. */
    private double closedLoop(ReplicaRig rig, Duration d) throws InterruptedException {
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong acks = new AtomicLong();
        long start = System.nanoTime();
        long end = start + d.toNanos();
        Thread timer = new Thread(() -> {
            LockSupport.parkNanos(d.toNanos());
            running.set(false);
        }, "bench-timer");
        timer.setDaemon(true);
        timer.start();
        runWriters(rig, () -> running.get() ? 0 : STOP, (txId, at) -> {
            if (at <= end) {
                acks.incrementAndGet();
            }
        }, new AtomicLong());
        return acks.get() / (d.toNanos() / 1e9);
    }

    static final long STOP = PacedWriters.STOP;

    /** {@link PacedWriters} with {@code setup.writers()} threads writing one small transaction each on A's leader. */
    private long runWriters(ReplicaRig rig, PacedWriters.Permits permits, PacedWriters.AckSink sink, AtomicLong retries)
            throws InterruptedException {
        return PacedWriters.run(setup.writers(), permits, id -> rig.writeSmall(id, retries), sink, "bench-upstream-writer");
    }
}
