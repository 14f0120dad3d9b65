package io.ccdr.cli.demo;

import io.ccdr.node.dbms.ClusterErrors;
import io.ccdr.node.dbms.Database;
import io.ccdr.node.dbms.WriteResult;
import io.ccdr.node.embedded.EmbeddedCluster;
import io.ccdr.node.graph.GraphException;
import io.ccdr.node.store.GraphStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code ccdr demo}: the embedded default. Starts a 3-server cluster in this process on loopback,
 * writes transactions from concurrent clients, reads them back with a bookmark from a follower,
 * crashes the leader, keeps writing, brings the server back, and checks that every member holds
 * the same history (txId and chain hash) with nothing acknowledged lost.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Run a local 3-server cluster in this process, write, fail over, and verify (the embedded default).")
public final class DemoCommand implements Callable<Integer> {
    @Option(names = "--transactions", defaultValue = "2000", description = "transactions to write before the failover (default ${DEFAULT-VALUE})")
    int transactions;

    @Option(names = "--writers", defaultValue = "16", description = "concurrent writers (default ${DEFAULT-VALUE})")
    int writers;

    @Option(names = "--dir", description = "data directory (default: a temporary directory, deleted afterwards)")
    Path dir;

    private final AtomicLong nextId = new AtomicLong();
    private final AtomicLong retries = new AtomicLong();

    @Override
    public Integer call() throws Exception {
        Path root = dir != null ? dir : Files.createTempDirectory("ccdr-demo");
        boolean ok = true;
        try (EmbeddedCluster cluster = new EmbeddedCluster(root, 3, Map.of())) {
            step("starting a 3-server cluster in " + root);
            long t0 = System.nanoTime();
            cluster.start();
            int leader = cluster.awaitLeader("neo4j", Duration.ofSeconds(60));
            step(String.format("cluster formed in %.1f s; database neo4j led by server %d", secondsSince(t0), leader));
            for (int i = 0; i < cluster.size(); i++) {
                var s = cluster.server(i);
                System.out.printf("    server %d  id=%s  cluster=%s  raft=%s%n", i, s.serverId(), s.info().clusterAddress(), s.info().raftAddress());
            }

            step("writing " + transactions + " transactions from " + writers + " concurrent writers");
            long t1 = System.nanoTime();
            List<Long> acknowledged = write(cluster, transactions);
            double secs = secondsSince(t1);
            step(String.format("committed %d transactions in %.2f s (%.0f tx/s)", acknowledged.size(), secs, acknowledged.size() / secs));

            int follower = (leader + 1) % cluster.size();
            Database leaderDb = cluster.server(leader).database("neo4j").orElseThrow();
            long bookmark = leaderDb.lastCommittedTxId();
            long seen = cluster.server(follower).database("neo4j").orElseThrow().read(bookmark, g -> {
                try (var ids = g.nodeIdsWithLabel("Account")) {
                    return ids.count();
                }
            });
            step("read on follower " + follower + " with bookmark txId " + bookmark + ": " + seen + " accounts");
            ok &= check(seen == acknowledged.size(), "read-your-writes through a follower");

            step("crashing the leader (server " + leader + ")");
            long t2 = System.nanoTime();
            cluster.crash(leader);
            int newLeader = cluster.awaitLeader("neo4j", Duration.ofSeconds(60));
            List<Long> after = write(cluster, 1);
            step(String.format("server %d leads now; first write accepted %.2f s after the crash", newLeader, secondsSince(t2)));
            after.addAll(write(cluster, transactions / 4));
            acknowledged.addAll(after);
            step("wrote " + after.size() + " more transactions with one server down");

            step("restarting server " + leader);
            cluster.restart(leader);
            Database reference = cluster.server(newLeader).database("neo4j").orElseThrow();
            long target = reference.lastCommittedTxId();
            Database back = cluster.server(leader).awaitDatabase("neo4j", Duration.ofSeconds(60));
            back.awaitTxId(target, Duration.ofSeconds(60));
            step("server " + leader + " caught up to txId " + target);

            String hash = reference.chainHashHex();
            for (int i = 0; i < cluster.size(); i++) {
                Database db = cluster.server(i).database("neo4j").orElseThrow();
                db.awaitTxId(target, Duration.ofSeconds(30));
                System.out.printf("    server %d  role=%-9s txId=%d  chain=%s...%n", i, db.role(), db.lastCommittedTxId(), db.chainHashHex().substring(0, 16));
                ok &= check(db.lastCommittedTxId() == target && db.chainHashHex().equals(hash), "server " + i + " has the same txId and chain hash");
            }
            long present = reference.read(target, g -> {
                try (var ids = g.nodeIdsWithLabel("Account")) {
                    return ids.count();
                }
            });
            ok &= check(present == acknowledged.size(), "all " + acknowledged.size() + " acknowledged transactions present (found " + present + ")");
            System.out.println(ok ? "PASS" : "FAIL");
        } finally {
            if (dir == null) {
                GraphStore.deleteRecursively(root);
            }
        }
        return ok ? 0 : 1;
    }

    /** Writes {@code count} single-node transactions against the current leader, retrying as a routing driver would. */
    private List<Long> write(EmbeddedCluster cluster, int count) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        try {
            AtomicLong remaining = new AtomicLong(count);
            List<Future<List<Long>>> futures = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                futures.add(pool.submit(() -> {
                    List<Long> mine = new ArrayList<>();
                    while (remaining.getAndDecrement() > 0) {
                        long id = nextId.incrementAndGet();
                        WriteResult<Long> r = cluster.writeToLeader("neo4j",
                                tx -> tx.createNode(Set.of("Account"), Map.of("id", id, "balance", 100L)), Duration.ofSeconds(60), retries);
                        mine.add(r.txId());
                    }
                    return mine;
                }));
            }
            List<Long> all = new ArrayList<>();
            for (Future<List<Long>> f : futures) {
                all.addAll(f.get());
            }
            return all;
        } finally {
            pool.shutdownNow();
        }
    }

    private static boolean check(boolean condition, String what) {
        System.out.println((condition ? "  PASS  " : "  FAIL  ") + what);
        return condition;
    }

    private static void step(String what) {
        System.out.println("==> " + what);
    }

    private static double secondsSince(long t) {
        return (System.nanoTime() - t) / 1e9;
    }

}
