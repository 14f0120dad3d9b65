package io.ccdr.cli.bench;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code ccdr bench replica}: replica databases (issue #5) on two local clusters in this JVM —
 * cluster A with the upstream database, cluster B with a replica of it — over mutual TLS unless
 * {@code --no-tls}. Four modes: steady-state replication lag under a paced upstream load,
 * catch-up of a replica whose link was cut for N transactions, store-copy throughput and promotion
 * time. {@code --mode lag --processes} runs the lag measurement with every server its own process
 * and the load through the official driver ({@link ProcessReplicaLag}), with CPU per transaction.
 */
@Command(name = "replica", mixinStandardHelpOptions = true,
        description = {"Measure replica databases: replication lag (--mode lag), catch-up after a cut link (--mode catchup) "
                + "store-copy throughput (--mode storecopy) or time from promotion to the first accepted write with the upstream "
                + "cluster killed (--mode promote, --runs times, min(--transactions, 1000) replicated first), on two local clusters in this JVM.",
                "--mode lag --processes: both clusters as separate server processes, writes through the official driver, lag read from "
                        + "outside on the replica's leader, and the CPU time of each cluster per committed / replicated transaction."})
public final class ReplicaBenchCommand implements Callable<Integer> {
    enum Mode { lag, catchup, storecopy, promote }

    @Spec
    CommandSpec spec;

    @Option(names = "--mode", defaultValue = "lag", description = "lag, catchup, storecopy or promote (default ${DEFAULT-VALUE})")
    Mode mode;

    @Option(names = "--upstream-servers", defaultValue = "3", description = "primaries of the upstream cluster A (default ${DEFAULT-VALUE})")
    int upstreamServers;

    @Option(names = "--replica-servers", defaultValue = "3", description = "primaries of the replica in cluster B (default ${DEFAULT-VALUE})")
    int replicaServers;

    @Option(names = "--tls", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "mutual TLS on both clusters' Raft and cluster ports, and so on the replica's stream and store copy "
                    + "(a throwaway CA; default on, --no-tls to turn off)")
    boolean tls;

    @Option(names = "--writers", defaultValue = "64", description = "concurrent upstream writers (default ${DEFAULT-VALUE})")
    int writers;

    @Option(names = "--warmup", defaultValue = "10", description = "seconds of unpaced writes before measuring, for the JIT (default ${DEFAULT-VALUE})")
    int warmupSeconds;

    @Option(names = "--max-duration", defaultValue = "10", description = "lag: seconds to measure the upstream maximum (default ${DEFAULT-VALUE})")
    int maxSeconds;

    @Option(names = "--load", defaultValue = "0.5", description = "lag: paced load as a fraction of the measured maximum (default ${DEFAULT-VALUE})")
    double load;

    @Option(names = "--rate", description = "lag: paced upstream load in transactions per second (instead of --load x the maximum, "
            + "which is still measured and printed)")
    Double rate;

    @Option(names = "--lag-warmup", defaultValue = "5", description = "lag: seconds of paced load before lag is recorded (default ${DEFAULT-VALUE})")
    double lagWarmupSeconds;

    @Option(names = "--duration", defaultValue = "30", description = "lag: seconds of paced load recorded (default ${DEFAULT-VALUE})")
    double durationSeconds;

    @Option(names = "--transactions", defaultValue = "1000000", description = "catchup: transactions committed while the link is cut (default ${DEFAULT-VALUE})")
    long transactions;

    @Option(names = "--store-mb", defaultValue = "256", description = "storecopy: store size to load before copying, MiB (default ${DEFAULT-VALUE})")
    long storeMb;

    @Option(names = "--value-bytes", defaultValue = "1000", description = "storecopy: bytes of the random string property per node (default ${DEFAULT-VALUE})")
    int valueBytes;

    @Option(names = "--batch", defaultValue = "1000", description = "storecopy: nodes per load transaction (default ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--runs", defaultValue = "3", description = "storecopy: copies of the loaded store, the median is reported (default ${DEFAULT-VALUE})")
    int runs;

    @Option(names = "--copy-warmup", defaultValue = "1", description = "storecopy: copies made first and not counted (default ${DEFAULT-VALUE})")
    int copyWarmups;

    @Option(names = "--dir", description = "data directory; with --processes the sandbox directory, which must not hold one yet "
            + "(default: a temporary directory, deleted afterwards)")
    Path dir;

    @Option(names = "--processes", description = "lag: run every server of both clusters as its own JVM (the ccdr local sandbox machinery; "
            + "--upstream-servers and --replica-servers must then be equal), write through the official driver, and report CPU time per "
            + "transaction of each cluster")
    boolean processes;

    @Option(names = "--server-heap", paramLabel = "SIZE", defaultValue = "1g", description = "--processes: heap (-Xmx) of each server JVM "
            + "(default ${DEFAULT-VALUE})")
    String serverHeap;

    @Option(names = "--poll-interval", paramLabel = "MS", defaultValue = "1", description = "--processes: least milliseconds between two "
            + "polls of the replica's leader by the lag reader (default ${DEFAULT-VALUE})")
    double pollIntervalMs;

    @Option(names = "--cpu-baseline", paramLabel = "S", defaultValue = "3", description = "--processes: seconds of each CPU measurement at "
            + "rest before the paced load (idle, then with the lag reader polling), to tell the reader's cost; 0 skips it (default ${DEFAULT-VALUE})")
    double baselineSeconds;

    @Option(names = "--profile", paramLabel = "DIR", description = "--processes: record the paced phase with JDK Flight Recorder, "
            + "DIR/<server>.jfr per server (jcmd JFR.start/JFR.stop) and DIR/bench-client.jfr for this JVM")
    Path profile;

    @Override
    public Integer call() throws Exception {
        if (load <= 0 || load > 1 || (rate != null && rate <= 0) || transactions < 1 || storeMb < 1 || valueBytes < 1 || batch < 1 || runs < 1 || durationSeconds <= 0
                || lagWarmupSeconds < 0 || maxSeconds < (processes ? 0 : 1) || warmupSeconds < 0 || copyWarmups < 0) {
            throw new ParameterException(spec.commandLine(), "--load must be in (0, 1]; --duration, --max-duration, --transactions, --store-mb, "
                    + "--value-bytes, --batch and --runs must be positive; --warmup, --lag-warmup and --copy-warmup must not be negative");
        }
        PrintWriter out = spec.commandLine().getOut();
        if (processes) {
            return withProcesses(out);
        }
        if (profile != null || spec.commandLine().getParseResult().hasMatchedOption("--server-heap")
                || spec.commandLine().getParseResult().hasMatchedOption("--poll-interval")
                || spec.commandLine().getParseResult().hasMatchedOption("--cpu-baseline")) {
            throw new ParameterException(spec.commandLine(), "--profile, --server-heap, --poll-interval and --cpu-baseline go with --processes");
        }
        ReplicaBench bench = new ReplicaBench(new ReplicaBench.Setup(upstreamServers, mode == Mode.storecopy ? 1 : replicaServers, tls,
                writers, dir), out);
        out.printf("ccdr bench replica --mode %s: upstream cluster A %d primaries%s, all in one JVM; %d cores, max heap %d MiB; "
                        + "mutual TLS %s%n", mode, upstreamServers, mode == Mode.storecopy ? "" : ", replica cluster B " + replicaServers + " primaries",
                Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory() >> 20, tls ? "on" : "off");
        out.flush();
        switch (mode) {
            case lag -> {
                ReplicaBench.LagResult r = bench.lag(Duration.ofSeconds(warmupSeconds), Duration.ofSeconds(maxSeconds), load,
                        rate == null ? java.util.OptionalDouble.empty() : java.util.OptionalDouble.of(rate), seconds(lagWarmupSeconds),
                        seconds(durationSeconds));
                out.printf("paced upstream load: target %.0f tx/s (%.0f %% of the maximum), achieved %.0f tx/s; %d transactions measured, "
                        + "%d never seen on the replica%n", r.targetRate(), 100 * r.targetRate() / r.maxRate(), r.achievedRate(), r.measured(),
                        r.unseen());
                out.println("lag      p50       p99       max");
                out.printf("time     %-9s %-9s %s%n", ms(r.p50Ms()), ms(r.p99Ms()), ms(r.maxMs()));
                out.printf("txs      %-9d %-9d %d   (%d samples, 1 per ms)%n", r.p50Tx(), r.p99Tx(), r.maxTx(), r.samples());
                ReplicaBench.Diagnostics d = r.diagnostics();
                out.printf("replica leader: %.0f apply steps/s, %.1f transactions per step; upstream subscription: up to %d KiB queued "
                        + "unsent, not writable in %.0f %% of samples%n", d.applyStepsPerSecond(), d.transactionsPerStep(),
                        d.maxQueuedBytes() >> 10, d.notWritableFraction() * 100);
            }
            case catchup -> {
                ReplicaBench.CatchUpResult r = bench.catchUp(Duration.ofSeconds(warmupSeconds), transactions);
                out.printf("catch-up: %d transactions in %.1f s from restoring the link (first applied after %.0f ms): %.0f tx/s, "
                                + "%.1f x the upstream's %.0f tx/s; %.0f tx/s once applying; chain hashes %s%n",
                        r.transactions(), r.catchUpSeconds(), r.firstApplyMs(), r.rateFromResume(), r.ratio(), r.upstreamRate(),
                        r.rateApplying(), r.sameChainHash() ? "equal" : "DIFFERENT");
                if (!r.sameChainHash()) {
                    return 1;
                }
            }
            case storecopy -> {
                ReplicaBench.StoreCopyResult r = bench.storeCopy(storeMb << 20, valueBytes, batch, copyWarmups, runs);
                ReplicaBench.Copy m = r.median();
                out.printf("store copy median of %d: %.1f MB in %.2f s: %.1f MB/s%n", r.copies().size(), m.bytes() / 1e6, m.seconds(),
                        m.megabytesPerSecond());
            }
            case promote -> {
                List<ReplicaBench.Promotion> r = bench.promote(runs, Math.min(transactions, 1_000));
                double[] rto = r.stream().mapToDouble(ReplicaBench.Promotion::firstWriteMs).sorted().toArray();
                out.printf("promotion to first accepted write (RTO), median of %d: %.0f ms (min %.0f, max %.0f)%n", rto.length,
                        rto[rto.length / 2], rto[0], rto[rto.length - 1]);
            }
            default -> throw new IllegalStateException(mode.toString());
        }
        out.flush();
        return 0;
    }

    /** --mode lag --processes: both clusters as server processes, the load and the reader in this JVM. */
    private Integer withProcesses(PrintWriter out) throws Exception {
        if (mode != Mode.lag) {
            throw new ParameterException(spec.commandLine(), "--processes runs --mode lag only (the other modes use the embedded API)");
        }
        if (upstreamServers != replicaServers) {
            throw new ParameterException(spec.commandLine(), "with --processes both clusters have the same size: --upstream-servers "
                    + upstreamServers + " and --replica-servers " + replicaServers + " differ");
        }
        if (pollIntervalMs < 0 || baselineSeconds < 0 || (rate == null && maxSeconds < 1)) {
            throw new ParameterException(spec.commandLine(), "--poll-interval and --cpu-baseline must not be negative; --max-duration 0 "
                    + "(no maximum measured) needs --rate");
        }
        out.printf("ccdr bench replica --mode lag --processes: cluster A %d primaries, cluster B a %d-primary replica, every server its own "
                + "JVM; writes through the official driver; mutual TLS %s%n", upstreamServers, replicaServers, tls ? "on" : "off");
        out.flush();
        ProcessReplicaLag.Setup setup = new ProcessReplicaLag.Setup(upstreamServers, tls, serverHeap, writers, dir, profile,
                Duration.ofNanos((long) (pollIntervalMs * 1e6)), seconds(baselineSeconds));
        ProcessReplicaLag.Result r = new ProcessReplicaLag(setup, out).run(Duration.ofSeconds(warmupSeconds), Duration.ofSeconds(maxSeconds),
                load, rate == null ? java.util.OptionalDouble.empty() : java.util.OptionalDouble.of(rate), seconds(lagWarmupSeconds),
                seconds(durationSeconds));
        return r.unseen() == 0 ? 0 : 1;
    }

    private static Duration seconds(double s) {
        return Duration.ofNanos((long) (s * 1e9));
    }

    private static String ms(double v) {
        return String.format("%.2f ms", v);
    }
}
