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
import org.neo4j.driver.AccessMode;
import org.neo4j.driver.AuthTokens;
import org.neo4j.driver.Config;
import org.neo4j.driver.Driver;
import org.neo4j.driver.GraphDatabase;
import org.neo4j.driver.Session;
import org.neo4j.driver.SessionConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

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
 * (three servers in this JVM, real Raft over loopback gRPC, real RocksDB on disk). Results are
 * printed as a table; record them in docs/benchmarks.md with the machine and date.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, subcommands = ReplicaBenchCommand.class,
        description = "Measure committed write transactions per second (p50/p99) and bulk-load rate on a local 3-primary cluster; "
                + "'bench replica' measures replica databases.")
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

    @Option(names = "--dir", description = "data directory (default: a temporary directory, deleted afterwards)")
    Path dir;

    @Option(names = "--tls", description = "run Raft and the cluster port over mutual TLS (a throwaway CA is generated)")
    boolean tls;

    @Option(names = "--driver", description = "go through Bolt with the official Java driver (neo4j:// routing, executeWrite/executeRead) "
            + "instead of the embedded Java API, and also measure routed reads")
    boolean viaDriver;

    @Option(names = "--stream", description = "after the writes, read the whole history through the transaction stream from a follower "
            + "(over the cluster TLS policy when --tls) and report transactions/s and MB/s")
    boolean stream;

    private Driver driver;

    @Override
    public Integer call() throws Exception {
        Path root = dir != null ? dir : Files.createTempDirectory("ccdr-bench");
        try (EmbeddedCluster cluster = new EmbeddedCluster(root, 3, Map.of("dbms.security.auth_enabled", "false"))) {
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
            System.out.printf("ccdr bench: 3 primaries in one JVM, %d cores, max heap %d MiB, cluster TLS %s, client %s%n",
                    Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory() >> 20, tls ? "on" : "off",
                    viaDriver ? "official Java driver over Bolt (neo4j://)" : "embedded Java API");
            if (viaDriver) {
                driver = GraphDatabase.driver("neo4j://127.0.0.1:" + cluster.server(0).boltPort(), AuthTokens.none(),
                        Config.builder().withMaxConnectionPoolSize(256).build());
                driver.verifyConnectivity();
                // reads look nodes up by id, as an application would: through an index
                driver.executableQuery("CREATE INDEX bench_id IF NOT EXISTS FOR (b:Bench) ON (b.id)").execute();
            }
            if (warmupSeconds > 0) {
                run(cluster, 16, warmupSeconds);
            }
            System.out.println("writers  tx/s      p50 ms   p99 ms   committed  retries");
            for (int w : writers) {
                Result r = run(cluster, w, durationSeconds);
                System.out.printf("%-8d %-9.0f %-8.2f %-8.2f %-10d %d%n", w, r.perSecond, r.p50, r.p99, r.committed, r.retries);
            }
            if (viaDriver) {
                System.out.println("routed reads (executeRead, MATCH by id):");
                System.out.println("readers  tx/s      p50 ms   p99 ms   reads");
                for (int w : writers) {
                    Result r = run(cluster, w, durationSeconds, this::readOne);
                    System.out.printf("%-8d %-9.0f %-8.2f %-8.2f %d%n", w, r.perSecond, r.p50, r.p99, r.committed);
                }
                driver.close();
            }
            if (bulkNodes > 0) {
                bulk(cluster);
            }
            if (stream) {
                streamAll(cluster, root);
            }
        } finally {
            if (dir == null) {
                GraphStore.deleteRecursively(root);
            }
        }
        return 0;
    }

    record Result(double perSecond, double p50, double p99, long committed, long retries) {
    }

    private Result run(EmbeddedCluster cluster, int threads, int seconds) throws InterruptedException {
        return run(cluster, threads, seconds, viaDriver ? this::writeViaDriver : BenchCommand::writeOne);
    }

    interface Operation {
        boolean perform(EmbeddedCluster cluster, long id, AtomicLong retries);
    }

    private boolean writeViaDriver(EmbeddedCluster cluster, long id, AtomicLong retries) {
        try (Session s = driver.session()) {
            s.executeWrite(tx -> tx.run("CREATE (:Bench {id: $id, name: $name})", Map.of("id", id, "name", "node-" + id)).consume());
        }
        return true;
    }

    private boolean readOne(EmbeddedCluster cluster, long id, AtomicLong retries) {
        try (Session s = driver.session(SessionConfig.builder().withDefaultAccessMode(AccessMode.READ).build())) {
            s.executeRead(tx -> tx.run("MATCH (b:Bench {id: $id}) RETURN b.name", Map.of("id", 1 + id % 1000)).list());
        }
        return true;
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
    private void streamAll(EmbeddedCluster cluster, Path root) throws Exception {
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
        System.out.printf("transaction stream from a follower (TLS %s): %d transactions, %.1f MB in %.2f s: %.0f tx/s, %.1f MB/s%n",
                tls ? "on" : "off", received.get(), bytes.get() / 1e6, secs, received.get() / secs, bytes.get() / 1e6 / secs);
    }

    private void bulk(EmbeddedCluster cluster) {
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
        System.out.printf("bulk load: %d nodes in %d-node transactions: %.1f s, %.0f nodes/s; store %d MiB on the leader%n",
                written, bulkBatch, secs, written / secs, db.store().sizeBytes() >> 20);
    }
}
