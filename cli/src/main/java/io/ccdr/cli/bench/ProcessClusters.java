package io.ccdr.cli.bench;

import io.ccdr.cli.local.PortCheck;
import io.ccdr.cli.local.Sandbox;
import io.ccdr.cli.local.SandboxException;
import io.ccdr.cli.local.SandboxLayout;
import io.ccdr.cli.local.SandboxServer;
import io.ccdr.cli.local.ServerStatus;
import io.ccdr.node.store.GraphStore;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Benchmark clusters as separate server processes: a {@link Sandbox} (the machinery behind
 * {@code ccdr local} and {@code ccdr drill}) of one or two clusters ({@code a1 a2 a3}, {@code b1 b2 b3}),
 * each server its own JVM with the given heap, launched with this JVM's {@code java} and classpath,
 * on loopback ports from the first free block at or above 20000. The load generator stays in this
 * JVM, so what the servers spend and what the load costs can be told apart ({@link #pids()},
 * {@link ProcessCpu}).
 *
 * <p>The sandbox lives in a temporary directory that {@link #close()} deletes after stopping the
 * servers, unless a directory was given (then it stays, with every server's {@code server.log}).
 * A shutdown hook stops the servers if this JVM is interrupted (Ctrl-C), because sandbox servers
 * run in their own session and would otherwise outlive the bench.
 */
final class ProcessClusters implements AutoCloseable {
    static final Duration START = Duration.ofSeconds(180);

    private final Sandbox sandbox;
    private final Path dir;
    private final boolean temporary;
    private final Thread stopOnExit;
    private final Map<String, Long> pids = new LinkedHashMap<>();
    private volatile boolean keep;

    private ProcessClusters(Sandbox sandbox, Path dir, boolean temporary) {
        this.sandbox = sandbox;
        this.dir = dir;
        this.temporary = temporary;
        this.stopOnExit = new Thread(() -> {
            try {
                sandbox.close();
            } catch (RuntimeException e) {
                // the JVM is going down; the servers' logs say what happened to them
            }
        }, "ccdr-bench-stop-servers");
    }

    /**
     * Creates and starts {@code clusters} clusters of {@code servers} servers and waits until every
     * server is ready. Cluster Raft and the cluster port (discovery, transaction stream, store copy)
     * run over mutual TLS with a CA per cluster, cross-trusted, when {@code tls}; plaintext otherwise.
     * Bolt is plaintext either way. {@code dir} null: a temporary directory, deleted by {@link #close()}.
     */
    static ProcessClusters start(int clusters, int servers, String heap, boolean tls, Path dir, PrintWriter out) throws IOException {
        boolean temporary = dir == null;
        Path d = temporary ? Files.createTempDirectory("ccdr-bench-").resolve("sandbox") : dir.toAbsolutePath().normalize();
        if (!temporary && Sandbox.exists(d)) {
            throw new SandboxException(d + " already holds a sandbox; a benchmark needs a fresh one (ccdr local destroy --dir " + d
                    + ", or choose another --dir)");
        }
        SandboxLayout layout = SandboxLayout.of(SandboxLayout.DEFAULT_BASE_PORT, clusters, servers).withHeap(heap);
        if (!tls) {
            layout = layout.withSettings(Map.of("dbms.ssl.policy.cluster.enabled", "false"));
        }
        layout = layout.withBasePort(PortCheck.findFreeBasePort(layout, SandboxLayout.DEFAULT_BASE_PORT, 32000));
        Sandbox sandbox = Sandbox.create(d, layout).onProgress(line -> {
            out.println("  " + line);
            out.flush();
        });
        ProcessClusters rig = new ProcessClusters(sandbox, d, temporary);
        Runtime.getRuntime().addShutdownHook(rig.stopOnExit);
        try {
            sandbox.start(START);
            for (ServerStatus s : sandbox.status()) {
                if (s.pid() == null) {
                    throw new SandboxException(s.name() + " has no process (" + s.state() + ")");
                }
                rig.pids.put(s.name(), s.pid());
            }
            return rig;
        } catch (RuntimeException e) {
            rig.keepLogs();
            rig.close();
            throw e;
        }
    }

    /** Keep the sandbox directory (a failed run's server logs) when closing; {@link #close()} then only stops the servers. */
    void keepLogs() {
        keep = true;
    }

    Sandbox sandbox() {
        return sandbox;
    }

    Path directory() {
        return dir;
    }

    /** Server name to the pid of its JVM, in layout order. */
    Map<String, Long> pids() {
        return Map.copyOf(pids);
    }

    /** The pids of one cluster's servers ({@code a}, {@code b}). */
    Map<String, Long> pids(String cluster) {
        Map<String, Long> out = new LinkedHashMap<>();
        for (SandboxServer s : sandbox.layout().serversOf(cluster)) {
            out.put(s.name(), pids.get(s.name()));
        }
        return out;
    }

    List<SandboxServer> servers(String cluster) {
        return sandbox.layout().serversOf(cluster);
    }

    /** {@code neo4j://} address of the cluster's first server. */
    String routingUri(String cluster) {
        return sandbox.boltUri(cluster);
    }

    /** The cluster addresses ({@code server.cluster.advertised_address}) of a cluster's servers, as a replica names its upstream. */
    List<String> clusterAddresses(String cluster) {
        return servers(cluster).stream().map(s -> s.clusterAddress().toString()).toList();
    }

    /** The server of {@code cluster} leading {@code database} now (from each server's STATUS report), if exactly one does. */
    Optional<SandboxServer> leader(String cluster, String database) {
        return sandbox.leader(cluster, database).map(name -> sandbox.layout().server(name));
    }

    /** One line per server: name, pid, Bolt address, log. */
    void printServers(PrintWriter out) {
        for (SandboxServer s : sandbox.layout().servers()) {
            out.printf("  %s pid %d, bolt %s, log %s%n", s.name(), pids.get(s.name()), s.boltAddress(), sandbox.logFile(s.name()));
        }
        out.flush();
    }

    /**
     * Stops the servers; deletes a temporary sandbox unless {@link #keepLogs()} was called (a given
     * directory is always kept, with its logs).
     */
    @Override
    public void close() {
        try {
            Runtime.getRuntime().removeShutdownHook(stopOnExit);
        } catch (IllegalStateException e) {
            // already shutting down: the hook is running or has run
        }
        if (temporary && !keep) {
            sandbox.destroy();
            try {
                GraphStore.deleteRecursively(dir.getParent());
            } catch (IOException e) {
                // the sandbox itself is gone; an empty temporary parent is harmless
            }
        } else {
            sandbox.close();
        }
    }
}
