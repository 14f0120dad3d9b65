package io.ccdr.cli.bench;

import org.neo4j.driver.AccessMode;
import org.neo4j.driver.Driver;
import org.neo4j.driver.Session;
import org.neo4j.driver.SessionConfig;

import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.locks.LockSupport;

/**
 * Watches how far a database is visible on one server, from outside, through Bolt: each poll is an
 * empty read transaction in a fresh session (no bookmarks, so it never waits), and the bookmark its
 * commit returns ({@code ccdr:<db>:<txId>}) names the last transaction that server has applied
 * ({@code DatabaseTransaction.commit}: {@code max(bookmark, lastCommittedTxId)}). Polls run one at a
 * time on one thread, at most one per {@code interval}.
 *
 * <p>Whenever a poll reports a higher txId than the one before, the reader records the moment the
 * poll's answer arrived. {@link #firstSeenNanos} is thus the first moment the bench <i>knew</i>
 * a transaction was visible: the true moment lies between the previous poll's request and this
 * poll's answer, so the figure overstates by at most one interval plus one round trip, never
 * understates.
 */
final class VisibilityReader implements AutoCloseable {
    private final Driver driver;
    private final String database;
    private final long intervalNanos;
    private final Thread thread;
    private volatile boolean running;
    private volatile RuntimeException failure;

    // advances: (answer time, txId) whenever the txId rose; guarded by this
    private long[] times = new long[1 << 12];
    private long[] txIds = new long[1 << 12];
    private int advances;
    private long latest = -1;
    private long polls;
    private long failures;
    private final LatencyRecorder roundTrips = new LatencyRecorder();

    VisibilityReader(Driver driver, String database, Duration interval) {
        this.driver = driver;
        this.database = database;
        this.intervalNanos = interval.toNanos();
        this.thread = new Thread(this::loop, "bench-visibility-reader");
        this.thread.setDaemon(true);
    }

    /** One poll now, on the caller's thread: the txId visible on the server (also recorded). */
    long poll() {
        long start = System.nanoTime();
        long txId;
        try (Session s = driver.session(SessionConfig.builder().withDatabase(database).withDefaultAccessMode(AccessMode.READ).build())) {
            s.executeRead(tx -> null);
            txId = DriverLoad.txIdOf(DriverLoad.bookmarkOf(s));
        }
        long end = System.nanoTime();
        record(start, end, txId);
        return txId;
    }

    private synchronized void record(long start, long end, long txId) {
        polls++;
        roundTrips.record((end - start) / 1000);
        if (txId > latest) {
            if (advances == times.length) {
                times = Arrays.copyOf(times, advances * 2);
                txIds = Arrays.copyOf(txIds, advances * 2);
            }
            times[advances] = end;
            txIds[advances] = txId;
            advances++;
            latest = txId;
            notifyAll();
        }
    }

    /** Starts polling continuously on the reader's own thread (once; later calls do nothing). */
    synchronized void start() {
        if (!running) {
            running = true;
            thread.start();
        }
    }

    boolean isPolling() {
        return running;
    }

    private void loop() {
        long next = System.nanoTime();
        while (running) {
            long wait = next - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
                continue;
            }
            next = System.nanoTime() + intervalNanos;
            try {
                poll();
            } catch (RuntimeException e) {
                // a leader change or a restart: count it and keep polling; the run reports failures
                synchronized (this) {
                    failures++;
                    if (failure == null) {
                        failure = e;
                    }
                }
            }
        }
    }

    /** Waits until a poll has reported at least {@code txId}; polls itself when the reader thread is not running. */
    long awaitAtLeast(long txId, Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (!running) {
                try {
                    poll();
                } catch (RuntimeException e) {
                    if (System.nanoTime() > end) {
                        throw e;
                    }
                }
            }
            synchronized (this) {
                if (latest >= txId) {
                    return latest;
                }
                long left = end - System.nanoTime();
                if (left <= 0) {
                    throw new IllegalStateException("'" + database + "' not visible at txId " + txId + " within " + timeout.toSeconds()
                            + " s (last seen " + latest + (failure == null ? "" : ", last poll failure: " + failure) + ")");
                }
                wait(running ? Math.max(1, left / 1_000_000) : Math.min(10, Math.max(1, left / 1_000_000)));
            }
        }
    }

    /** The answer time of the first poll that reported {@code txId} or more; 0 if none has. */
    synchronized long firstSeenNanos(long txId) {
        int i = lowerBound(txIds, advances, txId);
        return i < advances ? times[i] : 0;
    }

    /** The highest txId reported by polls answered at or before {@code nanos}; -1 if none was. */
    synchronized long txIdAt(long nanos) {
        long best = -1;
        for (int lo = 0, hi = advances - 1; lo <= hi; ) {
            int mid = (lo + hi) >>> 1;
            if (times[mid] <= nanos) {
                best = txIds[mid];
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return best;
    }

    private static int lowerBound(long[] sorted, int n, long key) {
        int lo = 0;
        int hi = n;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (sorted[mid] < key) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    synchronized long polls() {
        return polls;
    }

    synchronized long failures() {
        return failures;
    }

    /** Round-trip time of the polls so far, p50 in milliseconds. */
    synchronized double roundTripP50Ms() {
        return LatencyRecorder.percentileMillis(LatencyRecorder.merge(java.util.List.of(roundTrips)), 50);
    }

    RuntimeException lastFailure() {
        return failure;
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        if (thread.isAlive()) {
            thread.join();
        }
    }
}
