package io.ccdr.node.embedded;

import io.ccdr.node.CcdrServer;
import io.ccdr.node.dbms.ClusterErrors;
import io.ccdr.node.dbms.WriteResult;
import io.ccdr.node.graph.GraphException;
import io.ccdr.node.graph.GraphWriter;
import java.util.function.Function;

import io.ccdr.node.config.ServerConfig;
import io.ccdr.node.dbms.Database;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * A cluster of real servers in one JVM on loopback ports, each with its own data directory: the
 * embedded default that {@code ccdr demo} runs, and what cluster tests start.
 * {@link #crash(int)} stops a server without any graceful hand-over.
 */
public final class EmbeddedCluster implements AutoCloseable {
    private final Path root;
    private final List<Map<String, String>> settings = new ArrayList<>();
    private final CcdrServer[] servers;

    public EmbeddedCluster(Path root, int size, Map<String, String> extra) throws IOException {
        // Several servers share this JVM: a server that cannot bind its Raft port (another process took a
        // port between freePorts() and start) must fail its own start, not terminate the JVM (Ratis' default).
        org.apache.ratis.util.ExitUtils.disableSystemExit();
        this.root = root;
        this.servers = new CcdrServer[size];
        List<Integer> ports = freePorts(size * 3);
        List<String> endpoints = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            endpoints.add("127.0.0.1:" + ports.get(i * 3 + 1));
        }
        for (int i = 0; i < size; i++) {
            Map<String, String> s = new HashMap<>();
            s.put("server.directories.data", root.resolve("server" + i).toString());
            s.put("server.default_listen_address", "127.0.0.1");
            s.put("server.default_advertised_address", "127.0.0.1");
            s.put("server.cluster.raft.listen_address", ":" + ports.get(i * 3));
            s.put("server.cluster.listen_address", ":" + ports.get(i * 3 + 1));
            s.put("server.bolt.listen_address", ":" + ports.get(i * 3 + 2));
            s.put("dbms.cluster.endpoints", String.join(",", endpoints));
            s.put("initial.dbms.default_primaries_count", String.valueOf(size));
            // off by default (server.metrics.prometheus.enabled); a test that turns it on gets a free port
            s.put("server.metrics.prometheus.endpoint", "127.0.0.1:0");
            s.putAll(extra);
            settings.add(s);
        }
    }

    /**
     * {@code n} distinct ports that are free now, taken below the kernel's ephemeral range (Linux default
     * 32768-60999): a crashed server's listen ports must still be free when it restarts, and a port from the
     * ephemeral range may meanwhile have become the local end of some outgoing connection.
     */
    public static List<Integer> freePorts(int n) throws IOException {
        java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
        java.util.LinkedHashSet<Integer> ports = new java.util.LinkedHashSet<>();
        int attempts = 0;
        while (ports.size() < n) {
            if (++attempts > 10_000) {
                throw new IOException("no " + n + " free ports found in 15000-32000");
            }
            int port = random.nextInt(15_000, 32_000);
            if (ports.contains(port)) {
                continue;
            }
            try (ServerSocket s = new ServerSocket()) {
                s.setReuseAddress(false);
                s.bind(new java.net.InetSocketAddress("127.0.0.1", port));
                ports.add(port);
            } catch (IOException taken) {
                // in use; try another
            }
        }
        return new ArrayList<>(ports);
    }

    public Map<String, String> settings(int i) {
        return settings.get(i);
    }

    /** Starts all servers concurrently (discovery needs them all up) and waits until ready. */
    public EmbeddedCluster start() throws Exception {
        int[] all = new int[servers.length];
        for (int i = 0; i < all.length; i++) {
            all[i] = i;
        }
        startOnly(all);
        for (CcdrServer s : servers) {
            if (!s.awaitReady(Duration.ofSeconds(60))) {
                throw new IllegalStateException("server " + s.serverId() + " not ready");
            }
        }
        return this;
    }

    /**
     * Starts the given servers concurrently and returns once their ports are open; the others are
     * expected to run elsewhere (e.g. as separate processes with {@link #settings(int)}).
     */
    public void startOnly(int... indexes) throws Exception {
        // A thread per server: each start blocks until its peers answer, so on a bounded pool (the
        // common pool has 2 threads on 2 cores) the third server would wait for the first two forever.
        java.util.concurrent.ExecutorService starter = java.util.concurrent.Executors.newFixedThreadPool(Math.max(1, indexes.length));
        try {
            List<CompletableFuture<Void>> starting = new ArrayList<>();
            for (int n : indexes) {
                starting.add(CompletableFuture.runAsync(() -> {
                    try {
                        servers[n] = CcdrServer.start(ServerConfig.of(settings.get(n), root));
                    } catch (Exception e) {
                        throw new RuntimeException(e);
                    }
                }, starter));
            }
            for (CompletableFuture<Void> f : starting) {
                f.get();
            }
        } finally {
            starter.shutdown();
        }
    }

    public CcdrServer server(int i) {
        return servers[i];
    }

    public int size() {
        return servers.length;
    }

    public boolean isRunning(int i) {
        return servers[i] != null;
    }

    public void crash(int i) {
        CcdrServer s = servers[i];
        servers[i] = null;
        if (s != null) {
            s.close();
        }
    }

    public CcdrServer restart(int i) throws Exception {
        servers[i] = CcdrServer.start(ServerConfig.of(settings.get(i), root));
        return servers[i];
    }

    /** Index of the server leading {@code database}, if any running server is leader. */
    public Optional<Integer> leaderOf(String database) {
        for (int i = 0; i < servers.length; i++) {
            if (servers[i] != null && servers[i].database(database).map(Database::isLeader).orElse(false)) {
                return Optional.of(i);
            }
        }
        return Optional.empty();
    }

    public int awaitLeader(String database, Duration timeout) {
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end) {
            Optional<Integer> l = leaderOf(database);
            if (l.isPresent()) {
                return l.get();
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        throw new IllegalStateException("no leader for " + database + " within " + timeout.toSeconds() + " s");
    }

    /**
     * Runs {@code work} as a write transaction on whichever server currently leads {@code database},
     * retrying retryable failures (no leader, NotALeader, transient errors) for up to
     * {@code timeout}, as a routing driver would. {@code retries} counts the retries.
     */
    public <T> WriteResult<T> writeToLeader(String database, Function<GraphWriter, T> work, Duration timeout,
                                            java.util.concurrent.atomic.AtomicLong retries) {
        long end = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                Database db = leaderOf(database).flatMap(i -> Optional.ofNullable(servers[i]).flatMap(s -> s.database(database)))
                        .orElseThrow(() -> ClusterErrors.notALeader(database, null));
                return db.write(work);
            } catch (GraphException e) {
                if (!(e.isRetryable() || ClusterErrors.NOT_A_LEADER.equals(e.statusCode())) || System.nanoTime() > end) {
                    throw e;
                }
                retries.incrementAndGet();
                try {
                    Thread.sleep(10);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    @Override
    public void close() {
        for (int i = 0; i < servers.length; i++) {
            crash(i);
        }
    }
}
