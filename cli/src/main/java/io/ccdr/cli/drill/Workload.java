package io.ccdr.cli.drill;

import org.neo4j.driver.Driver;
import org.neo4j.driver.Session;
import org.neo4j.driver.SessionConfig;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * The drill's application: a few writer threads, each committing one {@code CREATE (:DrillWrite {id})}
 * per auto-commit transaction through the official driver, with ids that are never reused. A write is
 * acknowledged when its commit returned; a failed write's outcome is unknown (it may have committed),
 * so it is recorded separately and never retried under the same id — a second copy of an id in the
 * database is therefore always the system's fault, never the application's.
 *
 * <p>Writes go to the current {@link Target}. In {@link Mode#FOLLOW_WRITER} a failed write moves the
 * writer to the next target, as an application configured with both clusters does while the primary
 * role moves (failback); in {@link Mode#FIXED} it stays (the operator redirects it).
 */
public final class Workload implements AutoCloseable {
    static final String LABEL = "DrillWrite";
    private static final long BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(25);

    /** A place writes can go: a cluster's driver and the database name there. */
    public record Target(String label, Driver driver, String database) {
    }

    public enum Mode { FIXED, FOLLOW_WRITER }

    /** One acknowledged write: when (System.nanoTime and wall clock) and where. */
    public record Ack(long id, long nanos, long epochMillis, String target) {
    }

    private final int threads;
    private final long intervalNanos;
    private final AtomicLong nextId;
    private final Consumer<String> outcomes;
    private final Map<Long, Ack> acked = new ConcurrentHashMap<>();
    private final Set<Long> unknown = ConcurrentHashMap.newKeySet();
    private final Map<String, AtomicInteger> errors = new ConcurrentHashMap<>();
    private final AtomicBoolean running = new AtomicBoolean();
    private final List<Thread> workers = new ArrayList<>();
    private volatile List<Target> targets = List.of();
    private final AtomicInteger current = new AtomicInteger();
    private volatile Mode mode = Mode.FIXED;

    /** {@code ratePerSecond} in total over {@code threads} threads; pacing keeps a 2-core machine able to run the clusters too. */
    public Workload(int threads, int ratePerSecond) {
        this(threads, ratePerSecond, 1, line -> { });
    }

    /** {@code outcomes} receives {@code ack ID EPOCH_MS TARGET} or {@code fail ID EPOCH_MS TARGET ERROR} per write. */
    Workload(int threads, int ratePerSecond, long firstId, Consumer<String> outcomes) {
        this.nextId = new AtomicLong(firstId);
        this.outcomes = outcomes;
        if (threads < 1 || ratePerSecond < 1) {
            throw new IllegalArgumentException("threads and rate must be positive");
        }
        this.threads = threads;
        this.intervalNanos = TimeUnit.SECONDS.toNanos(1) * threads / ratePerSecond;
    }

    /** Writes go to {@code first} from now on; with FOLLOW_WRITER a failure moves them along {@code others} in turn. */
    public void direct(Mode newMode, Target first, Target... others) {
        List<Target> t = new ArrayList<>();
        t.add(first);
        t.addAll(List.of(others));
        targets = List.copyOf(t);
        current.set(0);
        mode = newMode;
    }

    public void start() {
        if (!running.compareAndSet(false, true)) {
            return;
        }
        for (int i = 0; i < threads; i++) {
            Thread t = new Thread(this::loop, "drill-writer-" + i);
            t.setDaemon(true);
            workers.add(t);
            t.start();
        }
    }

    private void loop() {
        long next = System.nanoTime();
        while (running.get()) {
            List<Target> ts = targets;
            if (ts.isEmpty()) {
                LockSupport.parkNanos(BACKOFF_NANOS);
                continue;
            }
            int index = current.get();
            Target target = ts.get(index % ts.size());
            long id = nextId.getAndIncrement();
            try (Session s = target.driver().session(SessionConfig.forDatabase(target.database()))) {
                s.run("CREATE (:" + LABEL + " {id: $id})", Map.of("id", id)).consume();
                Ack ack = new Ack(id, System.nanoTime(), System.currentTimeMillis(), target.label());
                acked.put(id, ack);
                outcomes.accept("ack " + id + " " + ack.epochMillis() + " " + target.label());
            } catch (RuntimeException e) {
                unknown.add(id);
                errors.computeIfAbsent(e.getClass().getSimpleName(), k -> new AtomicInteger()).incrementAndGet();
                outcomes.accept("fail " + id + " " + System.currentTimeMillis() + " " + target.label() + " " + e.getClass().getSimpleName());
                if (mode == Mode.FOLLOW_WRITER && ts.size() > 1) {
                    current.compareAndSet(index, index + 1);
                }
                LockSupport.parkNanos(BACKOFF_NANOS);
            }
            next += intervalNanos;
            long wait = next - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            } else if (wait < -intervalNanos * 10) {
                next = System.nanoTime(); // fell far behind (an outage): do not burst to make up for it
            }
        }
    }

    /** Stops the writers and waits for their last write to finish (or fail). */
    @Override
    public void close() {
        running.set(false);
        for (Thread t : workers) {
            try {
                t.join(TimeUnit.SECONDS.toMillis(30));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    public Map<Long, Ack> acked() {
        return Map.copyOf(acked);
    }

    public int ackedCount() {
        return acked.size();
    }

    long ackedOn(String targetLabel) {
        return acked.values().stream().filter(a -> a.target().equals(targetLabel)).count();
    }

    public Set<Long> unknown() {
        return Set.copyOf(unknown);
    }

    public Map<String, Integer> errors() {
        Map<String, Integer> out = new HashMap<>();
        errors.forEach((k, v) -> out.put(k, v.get()));
        return out;
    }

    /** The first write acknowledged at or after {@code sinceNanos}. */
    Optional<Ack> firstAckSince(long sinceNanos) {
        return acked.values().stream().filter(a -> a.nanos() >= sinceNanos).min(Comparator.comparingLong(Ack::nanos));
    }

    /** The first write acknowledged at or after {@code sinceNanos} by {@code targetLabel}. */
    Optional<Ack> firstAckSince(long sinceNanos, String targetLabel) {
        return acked.values().stream().filter(a -> a.nanos() >= sinceNanos && a.target().equals(targetLabel))
                .min(Comparator.comparingLong(Ack::nanos));
    }

    /**
     * The longest time inside {@code [fromNanos, toNanos]} during which no write was acknowledged:
     * what the application saw as write unavailability in that window.
     */
    long longestGapMillis(long fromNanos, long toNanos) {
        List<Long> times = acked.values().stream().map(Ack::nanos).filter(n -> n >= fromNanos && n <= toNanos).sorted().toList();
        long previous = fromNanos;
        long longest = 0;
        for (long t : times) {
            longest = Math.max(longest, t - previous);
            previous = t;
        }
        longest = Math.max(longest, toNanos - previous);
        return TimeUnit.NANOSECONDS.toMillis(longest);
    }
}
