package io.ccdr.cli.bench;

import org.neo4j.driver.AccessMode;
import org.neo4j.driver.Bookmark;
import org.neo4j.driver.Driver;
import org.neo4j.driver.Record;
import org.neo4j.driver.Session;
import org.neo4j.driver.SessionConfig;
import org.neo4j.driver.exceptions.ClientException;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Bolt load of {@code ccdr bench --driver} (issue #14), one implementation for every place it
 * runs: an in-JVM cluster, server processes ({@code --processes}) or any running server
 * ({@code --target}, e.g. a Neo4j reference). Everything goes through the official Java driver, one
 * session per transaction, in the database named:
 *
 * <ul>
 *   <li><b>write</b>: {@code session.executeWrite(CREATE (:Bench {id: $id, name: $name}))}, ids
 *       unique over the whole run;</li>
 *   <li><b>point read</b>: {@code session.executeRead(MATCH (b:Bench {id: $id}) RETURN b.name)}
 *       through the index {@code bench_id}, the id uniform over those written so far;</li>
 *   <li><b>traversal</b>: {@code session.executeRead(MATCH (:BenchHub {id: $id})-[:LINK]->(l:BenchLeaf) RETURN l.name)},
 *       an index seek on {@code bench_hub_id} and one hop to {@value #LEAVES} neighbours, over
 *       {@value #HUBS} hubs created by {@link #prepare()}.</li>
 * </ul>
 *
 * Reads are in READ access mode, so a {@code neo4j://} driver routes them to the readers of the
 * routing table (the followers of a ccdr cluster). Each client is a thread in a closed loop; a
 * phase counts the transactions that completed before its deadline. The load writes {@code :Bench},
 * {@code :BenchHub} and {@code :BenchLeaf} nodes and two indexes into the target database.
 */
final class DriverLoad {
    static final String WRITE = "CREATE (:Bench {id: $id, name: $name})";
    static final String POINT_READ = "MATCH (b:Bench {id: $id}) RETURN b.name";
    static final String TRAVERSAL = "MATCH (:BenchHub {id: $id})-[:LINK]->(l:BenchLeaf) RETURN l.name";
    static final int HUBS = 1000;
    static final int LEAVES = 4;
    private static final int HUBS_PER_TRANSACTION = 100;
    private static final Duration INDEX_WAIT = Duration.ofSeconds(120);
    private static final long FAILURE_BACKOFF_NANOS = 10_000_000;
    private static final Pattern CCDR_BOOKMARK = Pattern.compile("ccdr:(.+):(\\d+)");

    enum Kind {
        WRITE("writes", "executeWrite, one CREATE per transaction"),
        POINT_READ("point reads", "executeRead, MATCH by indexed id, routed to readers"),
        TRAVERSAL("traversals", "executeRead, indexed hub and one hop to " + LEAVES + " leaves, routed to readers");

        final String title;
        final String description;

        Kind(String title, String description) {
            this.title = title;
            this.description = description;
        }
    }

    /** CPU nanoseconds per process now (server name to nanoseconds); {@link ProcessCpu#snapshot}. */
    interface CpuProbe {
        Map<String, Long> snapshot();
    }

    /**
     * One measured phase.
     *
     * @param completed   transactions that completed (committed, or read to the end) before the deadline
     * @param failed      transactions that failed after the driver's own retries
     * @param serverCpuNanos CPU the measured server processes used in the phase, summed; -1 when not measured
     * @param clientCpuNanos CPU this JVM (the load generator) used in the phase; -1 when not measured
     */
    record Phase(Kind kind, int clients, double seconds, long completed, long failed, String firstError, double perSecond,
                 double p50Ms, double p99Ms, long serverCpuNanos, long clientCpuNanos) {
        double serverCpuMsPerTransaction() {
            return serverCpuNanos < 0 || completed == 0 ? Double.NaN : serverCpuNanos / 1e6 / completed;
        }

        double clientCpuMsPerTransaction() {
            return clientCpuNanos < 0 || completed == 0 ? Double.NaN : clientCpuNanos / 1e6 / completed;
        }
    }

    private final Driver driver;
    private final String database;
    private final CpuProbe servers;
    private final AtomicLong written = new AtomicLong();

    /** @param servers the server processes' CPU, or null when the servers are not separate processes of this machine we know */
    DriverLoad(Driver driver, String database, CpuProbe servers) {
        this.driver = driver;
        this.database = database;
        this.servers = servers;
    }

    /**
     * Waits until {@code database} accepts a write transaction through {@code driver} (a fresh cluster
     * elects its leaders after the servers report ready). Client errors, such as a wrong password or
     * an unknown database, fail at once.
     */
    static void awaitWritable(Driver driver, String database, Duration timeout) {
        long end = System.nanoTime() + timeout.toNanos();
        while (true) {
            try (Session s = driver.session(SessionConfig.builder().withDatabase(database).withDefaultAccessMode(AccessMode.WRITE).build())) {
                s.executeWrite(tx -> tx.run("RETURN 1").consume());
                return;
            } catch (ClientException e) {
                throw e;
            } catch (RuntimeException e) {
                if (System.nanoTime() > end) {
                    throw new IllegalStateException("'" + database + "' did not accept writes within " + timeout.toSeconds() + " s: " + e, e);
                }
                LockSupport.parkNanos(250_000_000);
            }
        }
    }

    /** How many {@code :Bench} nodes this load has written (ids 1..n). */
    long written() {
        return written.get();
    }

    /**
     * Creates the two indexes (if missing) and waits until the server reports both {@code ONLINE},
     * then creates the traversal graph ({@value #HUBS} hubs with {@value #LEAVES} leaves each) unless
     * the database already holds it.
     */
    void prepare() {
        // schema commands in auto-commit transactions: Neo4j does not mix them with data writes
        try (Session s = session(AccessMode.WRITE)) {
            s.run("CREATE INDEX bench_id IF NOT EXISTS FOR (b:Bench) ON (b.id)").consume();
            s.run("CREATE INDEX bench_hub_id IF NOT EXISTS FOR (h:BenchHub) ON (h.id)").consume();
        }
        awaitIndexesOnline(Set.of("bench_id", "bench_hub_id"));
        long hubs;
        try (Session s = session(AccessMode.WRITE)) {
            hubs = s.executeWrite(tx -> tx.run("MATCH (h:BenchHub) RETURN count(h) AS n").single().get("n").asLong());
        }
        for (long from = hubs + 1; from <= HUBS; from += HUBS_PER_TRANSACTION) {
            long to = Math.min(HUBS, from + HUBS_PER_TRANSACTION - 1);
            long first = from;
            try (Session s = session(AccessMode.WRITE)) {
                s.executeWrite(tx -> tx.run("UNWIND range($from, $to) AS i CREATE (h:BenchHub {id: i}) WITH h, i "
                        + "UNWIND range(1, $leaves) AS j CREATE (h)-[:LINK]->(:BenchLeaf {name: 'leaf-' + toString(i) + '-' + toString(j)})",
                        Map.of("from", first, "to", to, "leaves", LEAVES)).consume());
            }
        }
    }

    private void awaitIndexesOnline(Set<String> names) {
        long end = System.nanoTime() + INDEX_WAIT.toNanos();
        while (true) {
            List<String> online = new ArrayList<>();
            try (Session s = session(AccessMode.WRITE)) {
                for (Record r : s.run("SHOW INDEXES YIELD name, state").list()) {
                    if ("ONLINE".equals(r.get("state", ""))) {
                        online.add(r.get("name", ""));
                    }
                }
            }
            if (online.containsAll(names)) {
                return;
            }
            if (System.nanoTime() > end) {
                throw new IllegalStateException("indexes " + names + " not ONLINE after " + INDEX_WAIT.toSeconds() + " s (online: " + online + ")");
            }
            LockSupport.parkNanos(100_000_000);
        }
    }

    /** Runs {@code clients} threads of {@code kind} in a closed loop for {@code duration}. */
    Phase run(Kind kind, int clients, Duration duration) throws InterruptedException {
        if (kind == Kind.POINT_READ && written.get() == 0) {
            throw new IllegalStateException("point reads look up written ids: run writes first");
        }
        Supplier<Runnable> op = switch (kind) {
            case WRITE -> () -> this::writeOne;
            case POINT_READ -> () -> this::pointRead;
            case TRAVERSAL -> () -> this::traversal;
        };
        List<LatencyRecorder> recorders = new ArrayList<>();
        AtomicLong failed = new AtomicLong();
        AtomicReference<String> firstError = new AtomicReference<>();
        CountDownLatch ready = new CountDownLatch(clients);
        CountDownLatch go = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(clients);
        long[] window = new long[2]; // start and deadline, published by the go latch
        for (int t = 0; t < clients; t++) {
            LatencyRecorder rec = new LatencyRecorder();
            recorders.add(rec);
            Runnable work = op.get();
            Thread th = new Thread(() -> {
                try {
                    ready.countDown();
                    go.await();
                    long deadline = window[1];
                    for (long start = System.nanoTime(); start < deadline; start = System.nanoTime()) {
                        try {
                            work.run();
                        } catch (RuntimeException e) {
                            failed.incrementAndGet();
                            firstError.compareAndSet(null, e.getClass().getSimpleName() + ": " + e.getMessage());
                            LockSupport.parkNanos(FAILURE_BACKOFF_NANOS); // a server that refuses everything is not hammered
                            continue;
                        }
                        long end = System.nanoTime();
                        if (end <= deadline) {
                            rec.record((end - start) / 1000);
                        }
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    done.countDown();
                }
            }, "bench-" + kind.name().toLowerCase(java.util.Locale.ROOT) + "-" + t);
            th.setDaemon(true);
            th.start();
        }
        ready.await();
        Map<String, Long> cpuBefore = servers == null ? Map.of() : servers.snapshot();
        long clientBefore = ProcessCpu.nanos(ProcessHandle.current().pid()).orElse(-1);
        window[0] = System.nanoTime();
        window[1] = window[0] + duration.toNanos();
        go.countDown();
        for (long left = window[1] - System.nanoTime(); left > 0; left = window[1] - System.nanoTime()) {
            LockSupport.parkNanos(left);
        }
        Map<String, Long> cpuAfter = servers == null ? Map.of() : servers.snapshot();
        long clientAfter = ProcessCpu.nanos(ProcessHandle.current().pid()).orElse(-1);
        done.await();
        long[] all = LatencyRecorder.merge(recorders);
        double seconds = duration.toNanos() / 1e9;
        long serverCpu = servers == null ? -1 : ProcessCpu.between(cpuBefore, cpuAfter).values().stream().mapToLong(Long::longValue).sum();
        long clientCpu = clientBefore < 0 || clientAfter < 0 ? -1 : clientAfter - clientBefore;
        return new Phase(kind, clients, seconds, all.length, failed.get(), firstError.get(), all.length / seconds,
                LatencyRecorder.percentileMillis(all, 50), LatencyRecorder.percentileMillis(all, 99), serverCpu, clientCpu);
    }

    private Session session(AccessMode mode) {
        return driver.session(SessionConfig.builder().withDatabase(database).withDefaultAccessMode(mode).build());
    }

    private void writeOne() {
        writeReturningBookmark(driver, database, written.incrementAndGet());
    }

    /** One write of the load in its own session; returns the session's bookmark after the commit. */
    static String writeReturningBookmark(Driver driver, String database, long id) {
        try (Session s = driver.session(SessionConfig.builder().withDatabase(database).withDefaultAccessMode(AccessMode.WRITE).build())) {
            s.executeWrite(tx -> tx.run(WRITE, Map.of("id", id, "name", "node-" + id)).consume());
            return bookmarkOf(s);
        }
    }

    /** The session's one bookmark (a session used for one database holds one). */
    static String bookmarkOf(Session s) {
        Set<Bookmark> bookmarks = s.lastBookmarks();
        if (bookmarks.size() != 1) {
            throw new IllegalStateException("expected one bookmark, the session holds " + bookmarks.size());
        }
        return bookmarks.iterator().next().value();
    }

    /** The txId of a ccdr bookmark {@code ccdr:<database>:<txId>} (see the server's {@code Bookmarks}). */
    static long txIdOf(String bookmark) {
        Matcher m = CCDR_BOOKMARK.matcher(bookmark);
        if (!m.matches()) {
            throw new IllegalStateException("not a ccdr bookmark (ccdr:<database>:<txId>): " + bookmark);
        }
        return Long.parseLong(m.group(2));
    }

    private void pointRead() {
        long id = 1 + ThreadLocalRandom.current().nextLong(written.get());
        try (Session s = session(AccessMode.READ)) {
            s.executeRead(tx -> tx.run(POINT_READ, Map.of("id", id)).list());
        }
    }

    private void traversal() {
        long id = 1 + ThreadLocalRandom.current().nextLong(HUBS);
        try (Session s = session(AccessMode.READ)) {
            s.executeRead(tx -> tx.run(TRAVERSAL, Map.of("id", id)).list());
        }
    }

    // ---- output --------------------------------------------------------------------------------

    /** Prints the table header for {@code kind}; with CPU columns when the servers' CPU is measured. */
    static void printHeader(PrintWriter out, Kind kind, boolean cpu) {
        out.println(kind.title + " (" + kind.description + "):");
        out.println("clients  tx/s      p50 ms   p99 ms   done       failed" + (cpu ? "   server CPU ms/tx  client CPU ms/tx" : ""));
        out.flush();
    }

    static void print(PrintWriter out, Phase p, boolean cpu) {
        out.printf("%-8d %-9.0f %-8.2f %-8.2f %-10d %-8d%s%n", p.clients(), p.perSecond(), p.p50Ms(), p.p99Ms(), p.completed(), p.failed(),
                cpu ? String.format(" %-17.3f %.3f", p.serverCpuMsPerTransaction(), p.clientCpuMsPerTransaction()) : "");
        if (p.firstError() != null) {
            out.println("         first failure: " + p.firstError());
        }
        out.flush();
    }
}
