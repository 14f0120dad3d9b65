package io.ccdr.metrics;

/**
 * Estimates a replica's catch-up time, for {@link ReplicaMetricsSource#catchUpEtaSeconds()}: the lag
 * divided by the rate at which it closes, that is the apply rate minus the upstream's commit rate
 * (a replica applying 8,000 tx/s behind an upstream committing 6,000 tx/s gains 2,000 a second).
 * Both rates are exponentially weighted averages over samples at least {@code minSampleNanos} apart
 * (so that a burst of tiny batches does not make them jump), with a time constant of
 * {@code halfLifeNanos}. Thread-safe.
 */
public final class CatchUpEstimator {
    private final Rate applied;
    private final Rate upstream;
    private final double halfLifeNanos;

    /** One-second samples, a 30-second half-life. */
    public CatchUpEstimator() {
        this(1_000_000_000L, 30_000_000_000L);
    }

    public CatchUpEstimator(long minSampleNanos, long halfLifeNanos) {
        if (minSampleNanos <= 0 || halfLifeNanos <= 0) {
            throw new IllegalArgumentException("intervals must be positive");
        }
        this.halfLifeNanos = halfLifeNanos;
        this.applied = new Rate(minSampleNanos, halfLifeNanos);
        this.upstream = new Rate(minSampleNanos, halfLifeNanos);
    }

    /** Records that {@code appliedTxId} had been applied at {@code nanoTime} ({@link System#nanoTime()}). */
    public synchronized void observe(long appliedTxId, long nanoTime) {
        applied.observe(appliedTxId, nanoTime);
    }

    /** Records the upstream's last committed txId as heard at {@code nanoTime}. */
    public synchronized void observeUpstream(long upstreamTxId, long nanoTime) {
        upstream.observe(upstreamTxId, nanoTime);
    }

    /**
     * Seconds to apply {@code lagTransactions} while the upstream goes on committing: 0 when there is
     * no lag, NaN when the apply rate is unknown, nothing has been applied for a whole half-life (a
     * stalled replica has no meaningful ETA), or the replica does not gain on the upstream.
     */
    public synchronized double etaSeconds(long lagTransactions, long nanoTime) {
        if (lagTransactions <= 0) {
            return 0;
        }
        if (Double.isNaN(applied.rate) || nanoTime - applied.lastProgressNanos > halfLifeNanos) {
            return Double.NaN;
        }
        double closing = applied.rate - (Double.isNaN(upstream.rate) ? 0 : upstream.rate);
        return closing > 0 ? lagTransactions / closing : Double.NaN;
    }

    /** A position's rate of advance, in transactions per second. */
    private static final class Rate {
        final long minSampleNanos;
        final double halfLifeNanos;
        long lastNanos;
        long last = -1;
        double rate = Double.NaN;
        long lastProgressNanos;

        Rate(long minSampleNanos, double halfLifeNanos) {
            this.minSampleNanos = minSampleNanos;
            this.halfLifeNanos = halfLifeNanos;
        }

        void observe(long position, long nanoTime) {
            if (last < 0) {
                last = position;
                lastNanos = nanoTime;
                lastProgressNanos = nanoTime;
                return;
            }
            long dt = nanoTime - lastNanos;
            if (dt < minSampleNanos) {
                return;
            }
            double sample = Math.max(0, position - last) * 1e9 / dt;
            if (Double.isNaN(rate)) {
                rate = sample;
            } else {
                double alpha = 1 - Math.pow(0.5, dt / halfLifeNanos);
                rate += alpha * (sample - rate);
            }
            if (position > last) {
                lastProgressNanos = nanoTime;
            }
            last = Math.max(last, position);
            lastNanos = nanoTime;
        }
    }
}
