package io.ccdr.cli.local;

import io.ccdr.cli.local.SandboxState.Intent;
import io.ccdr.cli.local.SandboxState.ServerRecord;
import io.ccdr.tls.SslPolicy;
import io.ccdr.tls.SslPolicyConfig;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * A local sandbox: one or more clusters of ccdr servers running as separate processes on loopback,
 * each with its own directory, ports and log, described by {@code DIR/sandbox.json}. This is the
 * API behind {@code ccdr local …}; drills and tests drive sandboxes through it directly.
 *
 * <p>Servers outlive this object and the process that created it: {@link #open} picks a sandbox
 * up again from its directory, and every operation re-reads {@code sandbox.json} under a file
 * lock, so several {@code ccdr local} commands (or a drill and an operator) can work on one
 * sandbox without overwriting each other's records. Waiting for readiness happens outside the
 * lock. {@link #close()} stops the servers; a CLI that wants them to keep running simply does not
 * call it.
 */
public final class Sandbox implements AutoCloseable {
    public static final Duration DEFAULT_WAIT = Duration.ofSeconds(120);
    /** How long a graceful stop may take before the server is killed. */
    public static final Duration STOP_TIMEOUT = Duration.ofSeconds(20);
    private static final String LOCK = "sandbox.lock";
    /** FileLock is per process; this serializes the threads of one JVM in front of it. */
    private static final Object JVM_LOCK = new Object();

    private final Path dir;
    private final Launcher launcher;
    private volatile SandboxState state;
    private volatile Consumer<String> progress = line -> { };

    private Sandbox(Path dir, Launcher launcher, SandboxState state) {
        this.dir = dir;
        this.launcher = launcher;
        this.state = state;
    }

    /** True if {@code dir} holds a sandbox ({@code sandbox.json}). */
    public static boolean exists(Path dir) {
        return SandboxState.exists(dir);
    }

    /** {@link #create(Path, SandboxLayout, Launcher)} with this CLI's java and classpath. */
    public static Sandbox create(Path dir, SandboxLayout layout) {
        return create(dir, layout, Launcher.current());
    }

    /**
     * Creates a sandbox in {@code dir} (an empty or missing directory): one folder per server with
     * its {@code ccdr.conf}, and {@code sandbox.json}. Nothing is started. If {@code dir} already
     * holds a sandbox of the same shape it is opened instead, keeping its data, and a different
     * heap is taken over for servers started from now on; a different shape is refused.
     */
    public static Sandbox create(Path dir, SandboxLayout layout, Launcher launcher) {
        Path d = dir.toAbsolutePath().normalize();
        return locked(d, () -> {
            Optional<SandboxState> existing = SandboxState.load(d);
            if (existing.isPresent()) {
                SandboxLayout old = existing.get().layout();
                if (!old.withHeap(layout.heap()).equals(layout)) {
                    throw new SandboxException(d + " already holds a different sandbox (" + describe(old) + "); run `ccdr local destroy --dir "
                            + d + "` first to change its shape");
                }
                SandboxState s = existing.get().withLayout(layout);
                s.save(d);
                return new Sandbox(d, launcher, s);
            }
            SandboxState s = SandboxState.fresh(layout);
            for (SandboxServer server : layout.servers()) {
                new ServerProcess(d, server).writeConfiguration(layout.configuration(server));
            }
            SandboxPki.create(d, layout);
            for (SandboxServer server : layout.servers()) {
                try {
                    io.ccdr.node.security.InitialPassword.write(d.resolve(server.name()).resolve("data"), PASSWORD);
                } catch (IOException e) {
                    throw new SandboxException("cannot write the initial password for " + server.name() + ": " + e.getMessage());
                }
            }
            s.save(d);
            return new Sandbox(d, launcher, s);
        }, true);
    }

    /** Opens the sandbox in {@code dir}, launching servers with this CLI's java and classpath. */
    public static Sandbox open(Path dir) {
        return open(dir, Launcher.current());
    }

    public static Sandbox open(Path dir, Launcher launcher) {
        Path d = dir.toAbsolutePath().normalize();
        SandboxState s = SandboxState.load(d).orElseThrow(() -> new SandboxException("no sandbox in " + d
                + " (no " + SandboxState.FILE + "); create one with `ccdr local start --dir " + d + "`"));
        return new Sandbox(d, launcher, s);
    }

    static String describe(SandboxLayout l) {
        return l.clusters() + " cluster(s) of " + l.serversPerCluster() + " server(s), base port " + l.basePort()
                + (l.settings().isEmpty() ? "" : ", settings " + l.settings());
    }

    /** Receives one line per notable step (server started, ready, stopped); for the CLI's output. */
    public Sandbox onProgress(Consumer<String> listener) {
        this.progress = listener == null ? line -> { } : listener;
        return this;
    }

    public Path directory() {
        return dir;
    }

    public SandboxLayout layout() {
        return state.layout();
    }

    /** Server names in layout order: a1 a2 a3 b1 b2 b3. */
    public List<String> serverNames() {
        return layout().servers().stream().map(SandboxServer::name).toList();
    }

    public Path logFile(String server) {
        return process(server).log();
    }

    public Path confFile(String server) {
        return process(server).conf();
    }

    /** {@code neo4j://127.0.0.1:<bolt port of the cluster's first server>}. */
    /** The password of the sandbox's {@code neo4j} admin user (set before the clusters first form). */
    public static final String PASSWORD = "ccdr-sandbox";

    public String boltUri(String cluster) {
        SandboxServer first = layout().serversOf(cluster).get(0);
        return "neo4j://" + first.boltAddress();
    }

    public List<String> start() {
        return start(DEFAULT_WAIT);
    }

    /**
     * Starts every server that is not running (with the data it has) and waits until every server
     * of the sandbox has reported {@code ready:} since it was last started. Returns the servers it
     * started. All ports are checked before anything starts.
     */
    public List<String> start(Duration wait) {
        List<String> started = locked(() -> {
            List<SandboxServer> toStart = layout().servers().stream()
                    .filter(s -> ServerProcess.live(state.server(s.name())).isEmpty()).toList();
            toStart.forEach(PortCheck::requireFree);
            return launch(toStart);
        });
        awaitReady(serverNames(), wait);
        return started;
    }

    /** {@link #restart(Collection, Duration)} of one server with the default wait. */
    public void restart(String server) {
        restart(List.of(server), DEFAULT_WAIT);
    }

    /**
     * Starts the given servers again, which must not be running, with their existing data, and
     * waits until each has written a {@code ready:} line since this restart.
     */
    public void restart(Collection<String> servers, Duration wait) {
        List<String> names = List.copyOf(servers);
        if (names.isEmpty()) {
            throw new SandboxException("name the servers to restart (" + String.join(" ", serverNames()) + ")");
        }
        locked(() -> {
            List<SandboxServer> toStart = new ArrayList<>();
            for (String name : names) {
                SandboxServer s = layout().server(name);
                if (ServerProcess.live(state.server(name)).isPresent()) {
                    throw new SandboxException(name + " is running (pid " + state.server(name).pid() + "); stop or kill it first");
                }
                toStart.add(s);
            }
            toStart.forEach(PortCheck::requireFree);
            return launch(toStart);
        });
        awaitReady(names, wait);
    }

    /** Caller holds the lock. */
    private List<String> launch(List<SandboxServer> servers) {
        List<String> names = new ArrayList<>();
        for (SandboxServer s : servers) {
            ServerProcess p = process(s.name());
            ServerRecord r = p.start(launcher, layout().heap());
            state = state.with(s.name(), r);
            state.save(dir);
            names.add(s.name());
            progress.accept("started " + s.name() + " (" + (r.pid() == null ? "exited at once" : "pid " + r.pid()) + ", log " + p.log() + ")");
        }
        return names;
    }

    /**
     * Waits until each named server has written a {@code ready:} line since it was last started.
     * Fails early, with the end of its log, when one of them dies, and at the deadline names every
     * server that is not ready yet.
     */
    public void awaitReady(Collection<String> servers, Duration wait) {
        long deadline = System.nanoTime() + wait.toNanos();
        long begin = System.nanoTime();
        Map<String, ServerRecord> pending = new LinkedHashMap<>();
        SandboxState s = reload();
        for (String name : servers) {
            pending.put(name, s.server(name));
        }
        while (true) {
            List<String> dead = new ArrayList<>();
            for (var it = pending.entrySet().iterator(); it.hasNext(); ) {
                var e = it.next();
                ServerProcess p = process(e.getKey());
                if (p.readySince(e.getValue().logOffset())) {
                    it.remove();
                    progress.accept(e.getKey() + " ready (" + (System.nanoTime() - begin) / 100_000_000 / 10.0 + " s)");
                } else if (ServerProcess.live(e.getValue()).isEmpty()) {
                    dead.add(e.getKey());
                }
            }
            if (pending.isEmpty()) {
                return;
            }
            if (!dead.isEmpty()) {
                throw new SandboxException(report("did not become ready: " + String.join(", ", dead) + " stopped running", dead));
            }
            if (System.nanoTime() > deadline) {
                throw new SandboxException(report("not ready after " + wait.toSeconds() + " s: " + String.join(", ", pending.keySet()),
                        pending.keySet()));
            }
            ServerProcess.pause(Duration.ofMillis(200));
        }
    }

    private String report(String headline, Collection<String> servers) {
        SandboxState s = reload();
        StringBuilder b = new StringBuilder(headline);
        for (String name : servers) {
            ServerProcess p = process(name);
            ServerState st = p.observe(s.server(name));
            b.append("\n--- ").append(name).append(" (").append(st);
            if (st.kind() == ServerState.Kind.EXITED && st.exitCode() != null) {
                b.append(": ").append(ServerProcess.exitDescription(st.exitCode()));
            }
            b.append("), last lines of ").append(p.log()).append(':');
            p.lastLines(10).forEach(line -> b.append("\n    ").append(line));
        }
        return b.toString();
    }

    /** Stops the named servers gracefully (SIGTERM, then SIGKILL after {@link #STOP_TIMEOUT}); none named = all. */
    public void stop(String... servers) {
        stop(List.of(servers));
    }

    public void stop(Collection<String> servers) {
        boolean named = !servers.isEmpty();
        List<String> names = named ? List.copyOf(servers) : serverNames();
        names.forEach(n -> layout().server(n));
        locked(() -> {
            Map<String, ProcessHandle> stopping = new LinkedHashMap<>();
            for (String name : names) {
                Optional<ProcessHandle> live = ServerProcess.live(state.server(name));
                if (live.isPresent()) {
                    live.get().destroy();
                    stopping.put(name, live.get());
                } else if (named) {
                    progress.accept(name + " was not running (" + process(name).observe(state.server(name)) + ")");
                }
                // Recorded even if it was not running: a crashed server the operator stops stays "stopped".
                state = state.with(name, state.server(name).withIntent(Intent.STOPPED));
            }
            state.save(dir);
            // All were signalled together, so a whole cluster stops in one STOP_TIMEOUT, not one per server.
            long deadline = System.nanoTime() + STOP_TIMEOUT.toNanos();
            stopping.forEach((name, h) -> {
                Duration left = Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
                if (ServerProcess.awaitExit(h, left)) {
                    progress.accept("stopped " + name);
                } else {
                    h.destroyForcibly();
                    ServerProcess.awaitExit(h, Duration.ofSeconds(10));
                    progress.accept("stopped " + name + " (killed: it did not stop within " + STOP_TIMEOUT.toSeconds() + " s)");
                }
            });
            return null;
        });
    }

    /** Stops every server. */
    public void stopAll() {
        stop(List.of());
    }

    /** {@code kill -9} the named servers and waits until they are gone; they show as {@code killed}. */
    public void kill(String... servers) {
        kill(List.of(servers));
    }

    public void kill(Collection<String> servers) {
        if (servers.isEmpty()) {
            throw new SandboxException("name the servers to kill (" + String.join(" ", serverNames()) + ")");
        }
        servers.forEach(n -> layout().server(n));
        locked(() -> {
            Map<String, ProcessHandle> victims = new LinkedHashMap<>();
            for (String name : servers) {
                ProcessHandle h = ServerProcess.live(state.server(name)).orElseThrow(() ->
                        new SandboxException(name + " is not running (" + process(name).observe(state.server(name)) + ")"));
                victims.put(name, h);
            }
            victims.forEach((name, h) -> {
                h.destroyForcibly();
                state = state.with(name, state.server(name).withIntent(Intent.KILLED));
            });
            state.save(dir);
            victims.forEach((name, h) -> {
                if (!ServerProcess.awaitExit(h, Duration.ofSeconds(10))) {
                    throw new SandboxException(name + " (pid " + h.pid() + ") is still alive 10 s after SIGKILL");
                }
                progress.accept("killed " + name + " (pid " + h.pid() + ")");
            });
            return null;
        });
    }

    /**
     * {@code kill -STOP}: the server's JVM freezes where it is and its sockets stay open, as in a long
     * GC pause or a frozen VM; {@link #resume} lets it go on.
     */
    public void suspend(String server) {
        signal(server, "STOP");
    }

    /** {@code kill -CONT} of a server {@link #suspend}ed before. */
    public void resume(String server) {
        signal(server, "CONT");
    }

    private void signal(String name, String signal) {
        layout().server(name);
        ProcessHandle h = ServerProcess.live(reload().server(name)).orElseThrow(() -> new SandboxException(name + " is not running"));
        try {
            Process p = new ProcessBuilder("kill", "-" + signal, Long.toString(h.pid())).redirectErrorStream(true).start();
            if (!p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new SandboxException("kill -" + signal + " " + h.pid() + " (" + name + ") failed");
            }
        } catch (IOException e) {
            throw new SandboxException("cannot run kill -" + signal + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SandboxException("interrupted while sending SIG" + signal + " to " + name);
        }
        progress.accept("SIG" + signal + " " + name + " (pid " + h.pid() + ")");
    }

    /** The state of one server's process, without asking the server anything. */
    public ServerState state(String server) {
        SandboxState s = reload();
        return process(server).observe(s.server(server));
    }

    /** Every server's process state and, for running ones, what it reports on its cluster port. */
    public List<ServerStatus> status() {
        return status(Duration.ofSeconds(2));
    }

    public List<ServerStatus> status(Duration probeTimeout) {
        SandboxState s = reload();
        List<SandboxServer> servers = s.layout().servers();
        // Probed in parallel: a hung server costs one timeout, not one per server.
        ExecutorService pool = Executors.newFixedThreadPool(servers.size(), r -> {
            Thread t = new Thread(r, "ccdr-local-status");
            t.setDaemon(true);
            return t;
        });
        try {
            List<CompletableFuture<ServerStatus>> rows = servers.stream()
                    .map(server -> CompletableFuture.supplyAsync(() -> statusOf(s, server, probeTimeout), pool)).toList();
            return rows.stream().map(CompletableFuture::join).toList();
        } finally {
            pool.shutdownNow();
        }
    }

    public ServerStatus status(String server) {
        SandboxState s = reload();
        return statusOf(s, s.layout().server(server), Duration.ofSeconds(2));
    }

    /**
     * The server's own cluster TLS policy, or null when TLS is off: a client holding it (the status
     * probe, a backup) is trusted by every cluster of the sandbox. The caller closes it.
     */
    public SslPolicy clusterPolicy(SandboxServer server) {
        Map<String, String> conf = state.layout().configuration(server);
        if (!"true".equalsIgnoreCase(conf.get("dbms.ssl.policy.cluster.enabled"))) {
            return null;
        }
        Path serverDir = directory().resolve(server.name());
        return SslPolicy.load(SslPolicyConfig.parse(SslPolicyConfig.CLUSTER, conf, serverDir), Duration.ofHours(1));
    }

    private ServerStatus statusOf(SandboxState s, SandboxServer server, Duration probeTimeout) {
        ServerRecord r = s.server(server.name());
        ServerProcess p = process(server.name());
        ServerState st = p.observe(r);
        StatusProbe.Report report = null;
        String error = null;
        if (st.isRunning()) {
            try (SslPolicy tls = clusterPolicy(server)) {
                report = new StatusProbe(probeTimeout, tls == null ? null : tls.socketFactory()).probe(server.clusterAddress());
            } catch (IOException | RuntimeException e) {
                error = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            }
        }
        return new ServerStatus(server, r.pid(), st, p.data(), report, error);
    }

    /**
     * The server of {@code cluster} that reports itself LEADER of {@code database}, if exactly
     * one running server does (none during an election; two only for a moment after one).
     */
    public Optional<String> leader(String cluster, String database) {
        layout().serversOf(cluster);
        List<String> leaders = status().stream()
                .filter(r -> r.server().cluster().equals(cluster))
                .filter(r -> r.database(database).map(d -> "LEADER".equals(d.role())).orElse(false))
                .map(ServerStatus::name).toList();
        return leaders.size() == 1 ? Optional.of(leaders.get(0)) : Optional.empty();
    }

    /**
     * Stops every server and deletes the sandbox directory. Refuses a directory without
     * {@code sandbox.json}, so a mistyped {@code --dir} can never delete anything else.
     */
    public void destroy() {
        if (!SandboxState.exists(dir)) {
            throw new SandboxException("refusing to delete " + dir + ": it has no " + SandboxState.FILE);
        }
        stopAll();
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new SandboxException("cannot delete " + dir + ": " + e.getMessage(), e);
        }
        progress.accept("deleted " + dir);
    }

    /** Stops every running server of this sandbox; the data stays. */
    @Override
    public void close() {
        if (SandboxState.exists(dir)) {
            stopAll();
        }
    }

    private ServerProcess process(String server) {
        return new ServerProcess(dir, layout().server(server));
    }

    private SandboxState reload() {
        SandboxState s = SandboxState.load(dir).orElseThrow(() -> new SandboxException("the sandbox in " + dir + " is gone ("
                + SandboxState.FILE + " was deleted)"));
        state = s;
        return s;
    }

    /** Runs {@code work} holding this sandbox's lock, on freshly loaded state. */
    private <T> T locked(Supplier<T> work) {
        return locked(dir, () -> {
            reload();
            return work.get();
        }, false);
    }

    private static <T> T locked(Path dir, Supplier<T> work, boolean mayCreate) {
        synchronized (JVM_LOCK) {
            try {
                if (mayCreate) {
                    if (Files.isDirectory(dir) && !SandboxState.exists(dir)) {
                        try (Stream<Path> entries = Files.list(dir)) {
                            if (entries.findAny().isPresent()) {
                                throw new SandboxException(dir + " is not empty and holds no sandbox; choose another --dir");
                            }
                        }
                    }
                    if (Files.exists(dir) && !Files.isDirectory(dir)) {
                        throw new SandboxException(dir + " is a file, not a directory; choose another --dir");
                    }
                    Files.createDirectories(dir);
                }
                try (FileChannel ch = FileChannel.open(dir.resolve(LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                     FileLock ignored = ch.lock()) {
                    return work.get();
                }
            } catch (IOException e) {
                throw new SandboxException("cannot lock " + dir.resolve(LOCK) + ": " + e.getMessage(), e);
            }
        }
    }

    @Override
    public String toString() {
        return "Sandbox[" + dir + ", " + describe(layout()) + "]";
    }
}
