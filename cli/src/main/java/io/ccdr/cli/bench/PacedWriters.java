package io.ccdr.cli.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongUnaryOperator;

/**
 * Writer threads for the replica benchmarks, closed-loop or on a fixed schedule: each thread takes
 * a permit (when its next transaction may start), waits for that moment, writes one transaction and
 * reports the txId it got acknowledged with. A paced permit in the past starts at once, so a writer
 * that fell behind catches up instead of silently lowering the load.
 */
final class PacedWriters {
    /** Returned by {@link Permits#next()} when there is no more work. */
    static final long STOP = Long.MIN_VALUE;

    /** When the next transaction may start ({@code System.nanoTime()}, 0 for now), or {@link #STOP}. */
    interface Permits {
        long next();
    }

    interface AckSink {
        void acked(long txId, long atNanos);
    }

    private PacedWriters() {
    }

    /**
     * Runs {@code writers} threads until the permits stop; {@code write} takes a fresh id (unique
     * over the run) and returns the acknowledged txId. Returns the time of the last acknowledgement.
     * A failed write ends its thread, and the first failures are thrown once all threads are done.
     */
    static long run(int writers, Permits permits, LongUnaryOperator write, AckSink sink, String threadName) throws InterruptedException {
        AtomicLong ids = new AtomicLong();
        AtomicLong lastAck = new AtomicLong();
        CountDownLatch done = new CountDownLatch(writers);
        List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
        for (int t = 0; t < writers; t++) {
            Thread th = new Thread(() -> {
                try {
                    for (long at = permits.next(); at != STOP; at = permits.next()) {
                        long wait = at - System.nanoTime();
                        if (at != 0 && wait > 0) {
                            LockSupport.parkNanos(wait);
                        }
                        long txId = write.applyAsLong(ids.incrementAndGet());
                        long now = System.nanoTime();
                        sink.acked(txId, now);
                        lastAck.accumulateAndGet(now, Math::max);
                    }
                } catch (RuntimeException | Error e) {
                    failures.add(e);
                } finally {
                    done.countDown();
                }
            }, threadName + "-" + t);
            th.setDaemon(true);
            th.start();
        }
        done.await();
        if (!failures.isEmpty()) {
            IllegalStateException e = new IllegalStateException("upstream writes failed: " + failures.get(0), failures.get(0));
            failures.stream().skip(1).limit(3).forEach(e::addSuppressed);
            throw e;
        }
        return lastAck.get();
    }
}
