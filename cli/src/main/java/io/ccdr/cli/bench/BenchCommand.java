package io.ccdr.cli.bench;

import io.ccdr.node.dbms.ClusterErrors;
import io.ccdr.node.dbms.Database;
import io.ccdr.node.embedded.EmbeddedCluster;
import io.ccdr.node.graph.GraphException;
import io.ccdr.node.store.GraphStore;
import io.ccdr.node.stream.TransactionStreamClient;
import io.ccdr.node.tx.ChainHash;
import io.ccdr.node.tx.TransactionRecord;
import io.ccdr.tls.CertificateAuthority;
import io.ccdr.tls.SslPolicy;
import io.ccdr.tls.SslPolicyConfig;
import io.ccdr.cli.local.Sandbox;
import io.ccdr.cli.local.SandboxException;
import org.neo4j.driver.AuthToken;
import org.neo4j.driver.AuthTokens;
import org.neo4j.driver.Config;
import org.neo4j.driver.Driver;
import org.neo4j.driver.GraphDatabase;
import org.neo4j.driver.Logging;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code ccdr bench}: throughput and latency of the node's write path on a local 3-primary cluster
 * (three servers in this JVM, real Raft over loopback gRPC, real RocksDB on disk). With
 * {@code --driver} the load goes through Bolt with the official Java driver ({@link DriverLoad}),
 * against servers in this JVM, against servers in their own processes ({@code --processes}, with
 * their PIDs printed, CPU per transaction and optional JFR recordings), or against any running
 * server ({@code --target}, which is how a Neo4j reference is measured). Results are printed as
 * tables; record them in docs/benchmarks.md with the machine and date.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, subcommands = {ReplicaBenchCommand.class, BackupBenchCommand.class},
        description = {"Measure committed write transactions per second (p50/p99) and bulk-load rate on a local 3-primary cluster; "
                + "'bench replica' measures replica databases, 'bench backup' online backups and seeding.",
                "--driver goes through Bolt with the official Java driver (writes, indexed point reads, short traversals); "
                        + "add --processes to run every server as its own JVM, or --target URI to load an already running server "
                        + "(e.g. a Neo4j reference server) instead of starting any."})
public final class BenchCommand implements Callable<Integer> {
    @Option(names = "--writers", split = ",", defaultValue = "1,16,64", description = "concurrent writer counts (default ${DEFAULT-VALUE})")
    List<Integer> writers;

    @Option(names = "--duration", defaultValue = "20", description = "seconds measured per writer count (default ${DEFAULT-VALUE})")
    int durationSeconds;

    @Option(names = "--warmup", defaultValue = "10", description = "seconds of warm-up before the first measurement (default ${DEFAULT-VALUE})")
    int warmupSeconds;

    @Option(names = "--bulk-nodes", defaultValue = "200000", description = "nodes for the bulk-load measurement, 0 to skip (default ${DEFAULT-VALUE})")
    long bulkNodes;

    @Option(names = "--bulk-batch", defaultValue = "5000", description = "nodes per bulk-load transaction (default ${DEFAULT-VALUE})")
    int bulkBatch;

    @Option(names = "--dir", description = "data directory; with --processes the sandbox directory, which must not hold one yet "
            + "(default: a temporary directory, deleted afterwards)")
    Path dir;

    @Option(names = "--servers", defaultValue = "3", description = "primaries of the cluster the bench starts (default ${DEFAULT-VALUE})")
    int servers;

    @Option(names = "--processes", description = "with --driver: run every server as its own JVM (the ccdr local sandbox machinery), "
            + "the load in this one; prints the servers' PIDs and their CPU time per transaction")
    boolean processes;

    @Option(names = "--server-heap", paramLabel = "SIZE", defaultValue = "1g", description = "with --processes: heap (-Xmx) of each server JVM "
            + "(default ${DEFAULT-VALUE})")
    String serverHeap;

    @Option(names = "--profile", paramLabel = "DIR", description = "record the measured phases (after warm-up and preparation) with JDK "
            + "Flight Recorder: DIR/bench-client.jfr for this JVM and, with --processes, DIR/<server>.jfr for each server (through jcmd)")
    Path profile;

    @Option(names = "--target", paramLabel = "URI", description = "with --driver: run the load against this already running server or "
            + "cluster (bolt://HOST:PORT or neo4j://HOST:PORT) instead of starting one; it writes :Bench, :BenchHub and :BenchLeaf nodes "
            + "and the indexes bench_id and bench_hub_id there")
    URI target;

    @Option(names = "--target-pid", paramLabel = "PID", split = ",", description = "with --target: the server process(es) on this "
            + "machine behind it, to report their CPU per transaction (/proc/<pid>/stat) and, with --profile, record them (jcmd)")
    List<Long> targetPids;

    @Option(names = "--user", defaultValue = "neo4j", description = "with --target and --password: user to authenticate as (default ${DEFAULT-VALUE})")
    String user;

    @Option(names = "--password", description = "with --target: password for --user (default: no authentication)")
    String password;

    @Option(names = "--database", defaultValue = "neo4j", description = "with --driver: database every session names (default ${DEFAULT-VALUE})")
    String database;

    @Option(names = "--readers", split = ",", description = "with --driver: concurrent reader counts for point reads and traversals "
            + "(default: the --writers counts)")
    List<Integer> readers;

    @Spec
    CommandSpec spec;

    /** The measured driver phases of the last run, in the order printed (for tests). */
    final List<DriverLoad.Phase> driverPhases = new ArrayList<>();

    @Option(names = "--tls", description = "run Raft and the cluster port over mutual TLS (a throwaway CA is generated)")
    boolean tls;

    @Option(names = "--driver", description = "go through Bolt with the official Java driver (neo4j:// routing, executeWrite/executeRead) "
            + "instead of the embedded Java API, and also measure routed reads")
    boolean viaDriver;

    @Option(names = "--stream", description = "after the writes, read the whole history through the transaction stream from a follower "
            + "(over the cluster TLS policy when --tls) and report transactions/s and MB/s")
    boolean stream;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        validate();
        if (target != null) {
            return againstTarget(out);
        }
        if (processes) {
            return withProcesses(out);
        }
        return inThisJvm(out);
    }

    private void validate() {
        boolean bulkGiven = spec.commandLine().getParseResult().hasMatchedOption("--bulk-nodes");
        if ((processes || target != null) && !viaDriver) {
            throw new ParameterException(spec.commandLine(), (processes ? "--processes" : "--target")
                    + " measures the Bolt path: add --driver (the embedded Java API cannot reach servers in other processes)");
        }
        if (processes && target != null) {
            throw new ParameterException(spec.commandLine(), "--processes starts servers and --target uses running ones: choose one");
        }
        if ((processes || target != null) && (stream || bulkGiven)) {
            throw new ParameterException(spec.commandLine(), "--stream and --bulk-nodes use the embedded Java API: they run only on a cluster "
                    + "in this JVM (without --processes and --target)");
        }
        if (target != null && !List.of("bolt", "neo4j", "bolt+s", "bolt+ssc", "neo4j+s", "neo4j+ssc").contains(String.valueOf(target.getScheme()))) {
            throw new ParameterException(spec.commandLine(), "--target must be a bolt:// or neo4j:// URI, was " + target);
        }
        if (targetPids != null && target == null) {
            throw new ParameterException(spec.commandLine(), "--target-pid names the processes behind --target");
        }
        if (targetPids != null && targetPids.stream().anyMatch(pid -> ProcessCpu.nanos(pid).isEmpty())) {
            throw new ParameterException(spec.commandLine(), "--target-pid " + targetPids + ": no such process on this machine");
        }
        if (target != null && (tls || dir != null || spec.commandLine().getParseResult().hasMatchedOption("--servers"))) {
            throw new ParameterException(spec.commandLine(), "--tls, --dir and --servers describe servers the bench starts: not with --target");
        }
        if (writers.isEmpty() || writers.stream().anyMatch(w -> w < 1) || (readers != null && readers.stream().anyMatch(r -> r < 1))
                || durationSeconds < 1 || warmupSeconds < 0 || servers < 1) {
            throw new ParameterException(spec.commandLine(), "--writers, --readers, --duration and --servers must be positive, --warmup not negative");
        }
    }

    /** The original rig: every server in this JVM (EmbeddedCluster), the embedded API or the driver. */
    private Integer inThisJvm(PrintWriter out) throws Exception {
        Path root = dir != null ? dir : Files.createTempDirectory("ccdr-bench");
        try (EmbeddedCluster cluster = new EmbeddedCluster(root, servers, Map.of("dbms.security.auth_enabled", "false"))) {
            if (tls) {
                CertificateAuthority ca = CertificateAuthority.initCa("bench", root.resolve("ca"));
                for (int i = 0; i < cluster.size(); i++) {
                    Path policy = root.resolve("policy" + i);
                    ca.issue("server" + i, List.of("127.0.0.1", "localhost"), policy, 2);
                    cluster.settings(i).put("dbms.ssl.policy.cluster.enabled", "true");
                    cluster.settings(i).put("dbms.ssl.policy.cluster.base_directory", policy.toString());
                }
            }
            cluster.start();
            cluster.awaitLeader("neo4j", Duration.ofSeconds(60));
            out.printf("ccdr bench: %d primaries in one JVM with the load, %d cores, max heap %d MiB, cluster TLS %s, client %s%n",
                    servers, Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory() >> 20, tls ? "on" : "off",
                    viaDriver ? "official Java driver " + driverVersion() + " over Bolt (neo4j://)" : "embedded Java API");
            out.flush();
            if (viaDriver) {
                try (Driver driver = loadDriver(URI.create("neo4j://127.0.0.1:" + cluster.server(0).boltPort()), AuthTokens.none())) {
                    driver.verifyConnectivity();
                    runDriverLoad(new DriverLoad(driver, database, null), Map.of(), out);
                }
            } else {
                try (FlightRecordings jfr = profile == null ? null : new FlightRecordings(profile, Map.of())) {
                    if (warmupSeconds > 0) {
                        run(cluster, 16, warmupSeconds);
                    }
                    if (jfr != null) {
                        jfr.start();
                    }
                    out.println("writers  tx/s      p50 ms   p99 ms   committed  retries");
                    for (int w : writers) {
                        Result r = run(cluster, w, durationSeconds);
                        out.printf("%-8d %-9.0f %-8.2f %-8.2f %-10d %d%n", w, r.perSecond, r.p50, r.p99, r.committed, r.retries);
                        out.flush();
                    }
                    if (jfr != null) {
                        printRecordings(out, jfr.stop());
                    }
                }
            }
            if (bulkNodes > 0) {
                bulk(cluster, out);
            }
            if (stream) {
                streamAll(cluster, root, out);
            }
        } finally {
            if (dir == null) {
                GraphStore.deleteRecursively(root);
            }
        }
        return exitCode(out);
    }

    /** --processes: a cluster of server processes from the sandbox machinery, the driver load from this JVM. */
    private Integer withProcesses(PrintWriter out) throws Exception {
        out.printf("ccdr bench --driver --processes: starting %d primaries, each its own JVM (-Xmx%s), cluster TLS %s%n", servers, serverHeap,
                tls ? "on (mutual)" : "off");
        out.flush();
        ProcessClusters cluster;
        try {
            cluster = ProcessClusters.start(1, servers, serverHeap, tls, dir, out);
        } catch (SandboxException e) {
            out.println("ccdr bench: the servers did not start: " + e.getMessage());
            out.flush();
            return 1;
        }
        boolean ok = false;
        try {
            URI uri = URI.create(cluster.routingUri("a"));
            out.printf("servers up; load generator: this JVM (pid %d), official Java driver %s over Bolt (%s), %d cores on this machine%n",
                    ProcessHandle.current().pid(), driverVersion(), uri, Runtime.getRuntime().availableProcessors());
            cluster.printServers(out);
            Map<String, Long> pids = cluster.pids();
            try (Driver driver = loadDriver(uri, AuthTokens.basic("neo4j", Sandbox.PASSWORD))) {
                DriverLoad.awaitWritable(driver, database, Duration.ofSeconds(120));
                runDriverLoad(new DriverLoad(driver, database, () -> ProcessCpu.snapshot(pids)), pids, out);
            }
            ok = true;
            return exitCode(out);
        } finally {
            if (!ok) {
                cluster.keepLogs();
                out.println("servers stopped; their logs are kept in " + cluster.directory());
                out.flush();
            }
            cluster.close();
        }
    }

    /** --target: the same load against a server the bench did not start (a Neo4j reference, a real cluster). */
    private Integer againstTarget(PrintWriter out) throws Exception {
        AuthToken auth = password == null ? AuthTokens.none() : AuthTokens.basic(user, password);
        Map<String, Long> pids = new java.util.LinkedHashMap<>();
        if (targetPids != null) {
            targetPids.forEach(pid -> pids.put("pid" + pid, pid));
        }
        out.printf("ccdr bench --driver --target %s: load generator in this JVM (pid %d), official Java driver %s, %d cores on this machine; "
                        + "%s%n", target, ProcessHandle.current().pid(), driverVersion(), Runtime.getRuntime().availableProcessors(),
                pids.isEmpty() ? "server CPU not measured (no --target-pid)" : "server CPU of pid " + pids.values());
        out.flush();
        try (Driver driver = loadDriver(target, auth)) {
            driver.verifyConnectivity();
            try (org.neo4j.driver.Session s = driver.session(org.neo4j.driver.SessionConfig.forDatabase(database))) {
                org.neo4j.driver.summary.ServerInfo server = s.run("RETURN 1").consume().server();
                out.println("server: " + server.agent() + " at " + server.address() + ", database " + database);
            }
            runDriverLoad(new DriverLoad(driver, database, pids.isEmpty() ? null : () -> ProcessCpu.snapshot(pids)), pids, out);
        }
        return exitCode(out);
    }

    private static Driver loadDriver(URI uri, AuthToken auth) {
        return GraphDatabase.driver(uri, auth, Config.builder().withMaxConnectionPoolSize(256).withLogging(Logging.none())
                .withUserAgent("ccdr-bench/0.1.0").build());
    }

    private static String driverVersion() {
        String v = Driver.class.getPackage().getImplementationVersion();
        return v == null ? "(version unknown)" : v;
    }

    /**
     * Preparation (indexes, traversal graph), warm-up (writes for --warmup seconds, then each read
     * kind for half of it, 16 clients, not printed), then the measured phases: writes per --writers
     * count, point reads and traversals per --readers count. --profile records the measured phases.
     */
    private void runDriverLoad(DriverLoad load, Map<String, Long> serverPids, PrintWriter out) throws Exception {
        boolean cpu = !serverPids.isEmpty();
        load.prepare();
        if (warmupSeconds > 0) {
            out.printf("warm-up: %d s of writes, then %.1f s each of point reads and traversals (16 clients, not counted)%n", warmupSeconds,
                    warmupSeconds / 2.0);
            out.flush();
            load.run(DriverLoad.Kind.WRITE, 16, Duration.ofSeconds(warmupSeconds));
            load.run(DriverLoad.Kind.POINT_READ, 16, Duration.ofMillis(warmupSeconds * 500L));
            load.run(DriverLoad.Kind.TRAVERSAL, 16, Duration.ofMillis(warmupSeconds * 500L));
        }
        List<Integer> readerCounts = readers == null ? writers : readers;
        try (FlightRecordings jfr = profile == null ? null : new FlightRecordings(profile, serverPids)) {
            if (jfr != null) {
                jfr.start();
                out.println("JFR recording started" + (cpu ? " on " + String.join(", ", serverPids.keySet()) + " and" : "") + " in this JVM ("
                        + profile.toAbsolutePath() + ")");
            }
            if (cpu) {
                out.println("server CPU = user + system time of all server processes together (/proc/<pid>/stat) per completed transaction; "
                        + "client CPU = the same for this JVM");
            }
            Duration d = Duration.ofSeconds(durationSeconds);
            DriverLoad.printHeader(out, DriverLoad.Kind.WRITE, cpu);
            for (int w : writers) {
                driverPhases.add(load.run(DriverLoad.Kind.WRITE, w, d));
                DriverLoad.print(out, driverPhases.get(driverPhases.size() - 1), cpu);
            }
            for (DriverLoad.Kind kind : List.of(DriverLoad.Kind.POINT_READ, DriverLoad.Kind.TRAVERSAL)) {
                DriverLoad.printHeader(out, kind, cpu);
                for (int r : readerCounts) {
                    driverPhases.add(load.run(kind, r, d));
                    DriverLoad.print(out, driverPhases.get(driverPhases.size() - 1), cpu);
                }
            }
            if (jfr != null) {
                printRecordings(out, jfr.stop());
            }
        }
    }

    /** 1 when a driver phase had failed transactions: its figures are not those of the load asked for. */
    private int exitCode(PrintWriter out) {
        long failed = driverPhases.stream().mapToLong(DriverLoad.Phase::failed).sum();
        if (failed > 0) {
            out.println("ccdr bench: " + failed + " transactions failed after the driver's retries (first failures above); "
                    + "the figures of those phases are not valid measurements");
            out.flush();
            return 1;
        }
        return 0;
    }

    private static void printRecordings(PrintWriter out, List<Path> files) {
        out.println("JFR recordings of the measured phases:");
        files.forEach(f -> out.println("  " + f));
        out.flush();
    }

    record Result(double perSecond, double p50, double p99, long committed, long retries) {
    }

    private Result run(EmbeddedCluster cluster, int threads, int seconds) throws InterruptedException {
        return run(cluster, threads, seconds, BenchCommand::writeOne);
    }

    interface Operation {
        boolean perform(EmbeddedCluster cluster, long id, AtomicLong retries);
    }

    private Result run(EmbeddedCluster cluster, int threads, int seconds, Operation op) throws InterruptedException {
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong retries = new AtomicLong();
        List<LatencyRecorder> recorders = new ArrayList<>();
        CountDownLatch done = new CountDownLatch(threads);
        AtomicLong ids = new AtomicLong();
        for (int t = 0; t < threads; t++) {
            LatencyRecorder rec = new LatencyRecorder();
            recorders.add(rec);
            Thread th = new Thread(() -> {
                try {
                    while (running.get()) {
                        long start = System.nanoTime();
                        if (op.perform(cluster, ids.incrementAndGet(), retries)) {
                            rec.record((System.nanoTime() - start) / 1000);
                        }
                    }
                } finally {
                    done.countDown();
                }
            }, "bench-writer-" + t);
            th.start();
        }
        long start = System.nanoTime();
        Thread.sleep(seconds * 1000L);
        running.set(false);
        double elapsed = (System.nanoTime() - start) / 1e9;
        done.await();
        long[] all = LatencyRecorder.merge(recorders);
        return new Result(all.length / elapsed, LatencyRecorder.percentileMillis(all, 50), LatencyRecorder.percentileMillis(all, 99),
                all.length, retries.get());
    }

    private static boolean writeOne(EmbeddedCluster cluster, long id, AtomicLong retries) {
        cluster.writeToLeader("neo4j", tx -> tx.createNode(Set.of("Bench"), Map.of("id", id, "name", "node-" + id)),
                Duration.ofSeconds(30), retries);
        return true;
    }

    /** Subscribes from txId 1 on a follower and waits for everything committed so far. */
    private void streamAll(EmbeddedCluster cluster, Path root, PrintWriter out) throws Exception {
        int leader = cluster.awaitLeader("neo4j", Duration.ofSeconds(30));
        int follower = (leader + 1) % cluster.size();
        Database source = cluster.server(follower).database("neo4j").orElseThrow();
        long target = cluster.server(leader).database("neo4j").orElseThrow().lastCommittedTxId();
        source.awaitTxId(target, Duration.ofSeconds(60));
        SslPolicy policy = tls ? SslPolicy.load(SslPolicyConfig.forDirectory("cluster", root.resolve("policy" + leader))) : null;
        java.util.concurrent.atomic.AtomicLong received = new java.util.concurrent.atomic.AtomicLong();
        java.util.concurrent.atomic.AtomicLong bytes = new java.util.concurrent.atomic.AtomicLong();
        CountDownLatch done = new CountDownLatch(1);
        long start = System.nanoTime();
        try (TransactionStreamClient client = new TransactionStreamClient(
                List.of(cluster.server(follower).config().clusterAdvertisedAddress()), policy, TransactionStreamClient.Settings.defaults())) {
            client.subscribe("neo4j", 1, ChainHash.genesis(), batch -> {
                for (TransactionRecord r : batch) {
                    bytes.addAndGet(r.changeSetBytes().length + 48L);
                }
                if (received.addAndGet(batch.size()) >= target) {
                    done.countDown();
                }
            });
            if (!done.await(300, java.util.concurrent.TimeUnit.SECONDS)) {
                throw new IllegalStateException("stream delivered " + received.get() + " of " + target + " transactions in 300 s");
            }
        } finally {
            if (policy != null) {
                policy.close();
            }
        }
        double secs = (System.nanoTime() - start) / 1e9;
        out.printf("transaction stream from a follower (TLS %s): %d transactions, %.1f MB in %.2f s: %.0f tx/s, %.1f MB/s%n",
                tls ? "on" : "off", received.get(), bytes.get() / 1e6, secs, received.get() / secs, bytes.get() / 1e6 / secs);
    }

    private void bulk(EmbeddedCluster cluster, PrintWriter out) {
        Database db = cluster.server(cluster.awaitLeader("neo4j", Duration.ofSeconds(30))).database("neo4j").orElseThrow();
        long start = System.nanoTime();
        long written = 0;
        while (written < bulkNodes) {
            int n = (int) Math.min(bulkBatch, bulkNodes - written);
            long base = written;
            db.write(tx -> {
                for (int i = 0; i < n; i++) {
                    Map<String, Object> props = new HashMap<>();
                    props.put("id", base + i);
                    props.put("name", "person-" + (base + i));
                    tx.createNode(Set.of("Person"), props);
                }
                return null;
            });
            written += n;
        }
        double secs = (System.nanoTime() - start) / 1e9;
        out.printf("bulk load: %d nodes in %d-node transactions: %.1f s, %.0f nodes/s; store %d MiB on the leader%n",
                written, bulkBatch, secs, written / secs, db.store().sizeBytes() >> 20);
    }
}
