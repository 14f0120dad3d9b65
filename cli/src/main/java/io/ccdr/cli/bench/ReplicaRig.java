package io.ccdr.cli.bench;

import io.ccdr.cli.faults.FaultyLink;
import io.ccdr.node.config.HostPort;
import io.ccdr.node.dbms.Database;
import io.ccdr.node.embedded.EmbeddedCluster;
import io.ccdr.node.graph.GraphWriter;
import io.ccdr.tls.CertificateAuthority;
import io.ccdr.tls.SslPolicy;
import io.ccdr.tls.SslPolicyConfig;
import org.neo4j.driver.AuthTokens;
import org.neo4j.driver.Driver;
import org.neo4j.driver.GraphDatabase;
import org.neo4j.driver.Session;
import org.neo4j.driver.SessionConfig;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Two independent clusters in this JVM for the replica benchmarks: cluster A hosts the upstream
 * database {@value #UPSTREAM}, cluster B a replica of it named {@value #REPLICA}, created with
 * {@code CALL internal.dbms.createReplicaDatabase} as an operator would. With TLS, every server of
 * both clusters gets a certificate from one throwaway CA and runs its Raft and cluster ports over
 * mutual TLS, so the replica's stream and store copy are mutual TLS too. Optionally the replica
 * reaches A only through {@link FaultyLink}s, so the link can be cut and restored.
 */
final class ReplicaRig implements AutoCloseable {
    static final String UPSTREAM = "neo4j";
    static final String REPLICA = "neo4j-replica";
    private static final Duration READY = Duration.ofSeconds(60);

    final Path root;
    final boolean tls;
    final EmbeddedCluster a;
    /** Null when the rig was started without a replica cluster. */
    final EmbeddedCluster b;
    private final CertificateAuthority ca;
    private final List<FaultyLink> proxies = new ArrayList<>();

    private ReplicaRig(Path root, boolean tls, EmbeddedCluster a, EmbeddedCluster b, CertificateAuthority ca) {
        this.root = root;
        this.tls = tls;
        this.a = a;
        this.b = b;
        this.ca = ca;
    }

    /**
     * Starts cluster A with {@code upstreamServers} primaries and, when {@code replicaServers > 0},
     * cluster B with that many, and waits until A's {@value #UPSTREAM} has a leader.
     */
    static ReplicaRig start(Path root, int upstreamServers, int replicaServers, boolean tls) throws Exception {
        Map<String, String> base = Map.of("dbms.security.auth_enabled", "false");
        EmbeddedCluster a = new EmbeddedCluster(root.resolve("a"), upstreamServers, base);
        EmbeddedCluster b = replicaServers > 0 ? new EmbeddedCluster(root.resolve("b"), replicaServers, base) : null;
        CertificateAuthority ca = null;
        if (tls) {
            ca = CertificateAuthority.initCa("ccdr-bench", root.resolve("ca"));
            secure(ca, a, root.resolve("tls-a"));
            if (b != null) {
                secure(ca, b, root.resolve("tls-b"));
            }
        }
        ReplicaRig rig = new ReplicaRig(root, tls, a, b, ca);
        try {
            a.start();
            if (b != null) {
                b.start();
            }
            a.awaitLeader(UPSTREAM, READY);
            return rig;
        } catch (Exception | Error e) {
            rig.close();
            throw e;
        }
    }

    private static void secure(CertificateAuthority ca, EmbeddedCluster c, Path dir) {
        for (int i = 0; i < c.size(); i++) {
            Path policy = dir.resolve("server" + i);
            ca.issue(dir.getFileName() + "-server" + i, List.of("127.0.0.1", "localhost"), policy, 2);
            c.settings(i).put("dbms.ssl.policy.cluster.enabled", "true");
            c.settings(i).put("dbms.ssl.policy.cluster.base_directory", policy.toString());
        }
    }

    /** A client-side cluster SSL policy with its own certificate from the rig's CA (null without TLS); close it after use. */
    SslPolicy clientPolicy(String name) {
        if (!tls) {
            return null;
        }
        Path dir = root.resolve("tls-client-" + name);
        ca.issue(name, List.of("127.0.0.1", "localhost"), dir, 2);
        return SslPolicy.load(SslPolicyConfig.forDirectory("cluster", dir));
    }

    /** The cluster (transaction stream) addresses of A's servers. */
    List<HostPort> upstreamAddresses() {
        List<HostPort> out = new ArrayList<>();
        for (int i = 0; i < a.size(); i++) {
            out.add(a.server(i).config().clusterAdvertisedAddress());
        }
        return out;
    }

    /** The member of A currently leading the upstream database. */
    Database upstreamLeader() {
        return a.server(a.awaitLeader(UPSTREAM, READY)).database(UPSTREAM).orElseThrow();
    }

    /** The member of B currently leading the replica (the one that pulls from upstream). */
    Database replicaLeader() {
        return b.server(b.awaitLeader(REPLICA, READY)).database(REPLICA).orElseThrow();
    }

    /** One small transaction on A's leader: one node with a label and two properties, as {@code ccdr bench} writes. */
    long writeSmall(long id, AtomicLong retries) {
        return write(tx -> tx.createNode(Set.of("Bench"), Map.of("id", id, "name", "node-" + id)), retries);
    }

    /** Work done in a rig's root directory. */
    interface InDirectory<T> {
        T run(Path root) throws Exception;
    }

    /**
     * Runs {@code work} in {@code dir}, or, when it is null, in a new temporary directory that is
     * deleted afterwards (a failure to delete is reported on {@code out}, not thrown).
     */
    static <T> T inDirectory(Path dir, String prefix, java.io.PrintWriter out, InDirectory<T> work) throws Exception {
        Path root = dir != null ? dir : java.nio.file.Files.createTempDirectory(prefix);
        try {
            return work.run(root);
        } finally {
            if (dir == null) {
                try {
                    io.ccdr.node.store.GraphStore.deleteRecursively(root);
                } catch (java.io.IOException e) {
                    out.println("could not delete " + root + ": " + e.getMessage());
                }
            }
        }
    }

    /** What {@link #loadBlobs} loaded: nodes, the leader's store size and txId afterwards, and how long it took. */
    record Loaded(long nodes, long storeBytes, long txId, double seconds) {
    }

    /**
     * Loads {@code :Blob} nodes with a random {@code valueBytes}-character string each, {@code batch}
     * per transaction, until A's leader holds at least {@code storeBytes} (SST files and memtables).
     * The values are incompressible for LZ4, so the store is as large as the data.
     */
    Loaded loadBlobs(long storeBytes, int valueBytes, int batch) {
        Database leader = upstreamLeader();
        long start = System.nanoTime();
        SplittableRandom random = new SplittableRandom(42);
        AtomicLong retries = new AtomicLong();
        long id = 0;
        while (leader.store().sizeBytes() < storeBytes) {
            long first = id;
            List<String> values = new ArrayList<>(batch);
            for (int i = 0; i < batch; i++) {
                values.add(randomText(random, valueBytes));
            }
            write(tx -> {
                for (int i = 0; i < batch; i++) {
                    Map<String, Object> props = new HashMap<>();
                    props.put("id", first + i);
                    props.put("payload", values.get(i));
                    tx.createNode(Set.of("Blob"), props);
                }
                return null;
            }, retries);
            id += batch;
        }
        return new Loaded(id, leader.store().sizeBytes(), leader.lastCommittedTxId(), (System.nanoTime() - start) / 1e9);
    }

    private static String randomText(SplittableRandom random, int length) {
        char[] c = new char[length];
        for (int i = 0; i < length; i++) {
            c[i] = (char) ('!' + random.nextInt(94));
        }
        return new String(c);
    }

    <T> long write(Function<GraphWriter, T> work, AtomicLong retries) {
        return a.writeToLeader(UPSTREAM, work, Duration.ofSeconds(30), retries).txId();
    }

    /**
     * Creates the replica in B through Bolt on B's {@code system} database, following A directly
     * or, with {@code throughProxies}, through one {@link FaultyLink} per A server; then waits until
     * the replica's leader holds everything A has committed.
     */
    void createReplica(int primaries, boolean throughProxies) throws Exception {
        List<HostPort> targets = upstreamAddresses();
        if (throughProxies) {
            List<HostPort> proxied = new ArrayList<>();
            for (HostPort t : targets) {
                FaultyLink p = new FaultyLink(t);
                proxies.add(p);
                proxied.add(p.address());
            }
            targets = proxied;
        }
        String addresses = targets.stream().map(h -> "'" + h + "'").collect(Collectors.joining(", "));
        try (Driver d = GraphDatabase.driver("neo4j://127.0.0.1:" + b.server(0).boltPort(), AuthTokens.none());
             Session s = d.session(SessionConfig.forDatabase("system"))) {
            s.run("CALL internal.dbms.createReplicaDatabase('" + REPLICA + "', " + primaries + ", 0, {remote: '" + UPSTREAM
                    + "', addresses: [" + addresses + "]})").consume();
        }
        awaitReplicaAt(upstreamLeader().lastCommittedTxId(), READY);
    }

    /** Waits until B's replica leader has applied {@code txId}. */
    Database awaitReplicaAt(long txId, Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end) {
            Optional<Integer> leader = b.leaderOf(REPLICA);
            if (leader.isPresent()) {
                Database r = b.server(leader.get()).database(REPLICA).orElseThrow();
                if (r.stateMachine().awaitTxId(txId, Math.max(1, (end - System.nanoTime()) / 1_000_000), TimeUnit.MILLISECONDS)) {
                    return r;
                }
            } else {
                Thread.sleep(20);
            }
        }
        throw new IllegalStateException("replica " + REPLICA + " did not reach upstream txId " + txId + " within " + timeout.toSeconds()
                + " s (leader at " + b.leaderOf(REPLICA).flatMap(i -> b.server(i).database(REPLICA)).map(Database::lastCommittedTxId)
                .map(String::valueOf).orElse("no leader") + ")");
    }

    /** Cuts the replica's link to A (needs {@code throughProxies}). */
    void cutLink() {
        requireProxies();
        proxies.forEach(FaultyLink::cut);
    }

    void restoreLink() {
        requireProxies();
        proxies.forEach(FaultyLink::heal);
    }

    private void requireProxies() {
        if (proxies.isEmpty()) {
            throw new IllegalStateException("the replica was not created through link proxies");
        }
    }

    @Override
    public void close() {
        proxies.forEach(FaultyLink::close);
        if (b != null) {
            b.close();
        }
        a.close();
    }
}
