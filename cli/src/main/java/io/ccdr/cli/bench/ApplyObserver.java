package io.ccdr.cli.bench;

import io.ccdr.node.dbms.Database;

import java.util.concurrent.TimeUnit;

/**
 * Records, for every txId in {@code (base, base + capacity]}, the moment it became visible on one
 * member of a database ({@link Database#lastCommittedTxId()} reached it). The observing thread
 * blocks in the state machine's apply notification ({@code awaitTxId}), which wakes it on every
 * applied Raft entry, so the recorded time is the apply time plus one thread wake-up, without
 * spinning a core on polling. Every txId of one applied entry gets the same time: they became
 * visible together.
 */
final class ApplyObserver implements AutoCloseable {
    private final Database db;
    private final long base;
    private final long[] visibleNanos;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile long firstProgressNanos;
    private final long startTxId;
    private final long countFromNanos;
    private long steps; // published by close()
    private long stepTransactions;

    ApplyObserver(Database db, long base, int capacity) {
        this(db, base, capacity, Long.MAX_VALUE);
    }

    /** @param countFromNanos from when apply steps are counted for {@link #steps()} */
    ApplyObserver(Database db, long base, int capacity, long countFromNanos) {
        this.countFromNanos = countFromNanos;
        this.db = db;
        this.base = base;
        this.visibleNanos = new long[capacity];
        this.startTxId = db.lastCommittedTxId();
        this.thread = new Thread(this::observe, "bench-apply-observer");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    private void observe() {
        long seen = startTxId;
        while (running) {
            try {
                db.stateMachine().awaitTxId(seen + 1, 20, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                return;
            }
            long now = System.nanoTime();
            long current = db.lastCommittedTxId();
            if (current <= seen) {
                continue;
            }
            if (firstProgressNanos == 0) {
                firstProgressNanos = now;
            }
            if (now >= countFromNanos) {
                steps++;
                stepTransactions += current - seen;
            }
            long from = Math.max(seen + 1, base + 1);
            long to = Math.min(current, base + visibleNanos.length);
            for (long t = from; t <= to; t++) {
                visibleNanos[(int) (t - base - 1)] = now;
            }
            seen = current;
        }
    }

    /** When the member first applied something past where it stood at construction, or 0. */
    long firstProgressNanos() {
        return firstProgressNanos;
    }

    /**
     * Wake-ups that found new transactions, since {@code countFromNanos}: at least one applied Raft
     * entry each (entries applied back to back may share one). Call after {@link #close()}.
     */
    long steps() {
        return steps;
    }

    /** Transactions that became visible in those steps. Call after {@link #close()}. */
    long stepTransactions() {
        return stepTransactions;
    }

    /** When {@code txId} became visible, or 0 if it was not seen (or is out of range). Call after {@link #close()}. */
    long visibleNanos(long txId) {
        long i = txId - base - 1;
        return i < 0 || i >= visibleNanos.length ? 0 : visibleNanos[(int) i];
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join(); // also publishes visibleNanos to the caller
    }
}
