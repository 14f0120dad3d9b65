package io.ccdr.metrics;

/**
 * Estimates a replica's catch-up time from its apply rate, for {@link ReplicaMetricsSource#catchUpEtaSeconds()}.
 * The apply rate is an exponentially weighted average over samples at least {@code minSampleNanos} apart (so that
 * a burst of tiny batches does not make it jump), with a time constant of {@code halfLifeNanos}. Thread-safe.
 */
public final class CatchUpEstimator {
    private final long minSampleNanos;
    private final double halfLifeNanos;
    private long lastNanos;
    private long lastApplied = -1;
    private double rate = Double.NaN; // transactions per second
    private long lastProgressNanos;

    /** One-second samples, a 30-second half-life. */
    public CatchUpEstimator() {
        this(1_000_000_000L, 30_000_000_000L);
    }

    public CatchUpEstimator(long minSampleNanos, long halfLifeNanos) {
        if (minSampleNanos <= 0 || halfLifeNanos <= 0) {
            throw new IllegalArgumentException("intervals must be positive");
        }
        this.minSampleNanos = minSampleNanos;
        this.halfLifeNanos = halfLifeNanos;
    }

    /** Records that {@code appliedTxId} had been applied at {@code nanoTime} ({@link System#nanoTime()}). */
    public synchronized void observe(long appliedTxId, long nanoTime) {
        if (lastApplied < 0) {
            lastApplied = appliedTxId;
            lastNanos = nanoTime;
            lastProgressNanos = nanoTime;
            return;
        }
        long dt = nanoTime - lastNanos;
        if (dt < minSampleNanos) {
            return;
        }
        double sample = Math.max(0, appliedTxId - lastApplied) * 1e9 / dt;
        if (Double.isNaN(rate)) {
            rate = sample;
        } else {
            double alpha = 1 - Math.pow(0.5, dt / halfLifeNanos);
            rate += alpha * (sample - rate);
        }
        if (appliedTxId > lastApplied) {
            lastProgressNanos = nanoTime;
        }
        lastApplied = appliedTxId;
        lastNanos = nanoTime;
    }

    /**
     * Seconds to apply {@code lagTransactions} at the current rate: 0 when there is no lag, NaN when the rate is
     * unknown or nothing has been applied for a whole half-life (a stalled replica has no meaningful ETA).
     */
    public synchronized double etaSeconds(long lagTransactions, long nanoTime) {
        if (lagTransactions <= 0) {
            return 0;
        }
        if (Double.isNaN(rate) || rate <= 0 || nanoTime - lastProgressNanos > halfLifeNanos) {
            return Double.NaN;
        }
        return lagTransactions / rate;
    }
}
