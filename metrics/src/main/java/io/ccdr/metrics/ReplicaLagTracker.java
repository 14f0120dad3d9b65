package io.ccdr.metrics;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Objects;

/**
 * Computes a replica's lag exactly as the {@link ReplicaMetricsSource lag contract} defines it, from the events the
 * replica's stream client and applier see. Meant to back {@link ReplicaMetricsSource#upstreamLastCommittedTxId()},
 * {@link ReplicaMetricsSource#appliedTxId()} and {@link ReplicaMetricsSource#lagSeconds()}. Thread-safe; every
 * method is O(1) amortised.
 *
 * <ul>
 *   <li>{@link #onUpstreamPosition} for every heartbeat and batch header: the upstream's last committed txId and
 *   its clock at sending time (used to correct for clock skew between the clusters).</li>
 *   <li>{@link #onReceived} for every transaction received, with its upstream commit time.</li>
 *   <li>{@link #onApplied} when the replica has applied (committed in its own group) up to a txId.</li>
 *   <li>{@link #onDisconnected} when the stream breaks; the next {@link #onUpstreamPosition} counts as contact.</li>
 * </ul>
 */
public final class ReplicaLagTracker {
    private final Clock clock;
    private final long heartbeatTimeoutMillis;

    private long upstreamLast = -1;
    private long applied;
    private long lastContactMillis = Long.MIN_VALUE; // local clock
    private boolean connected;
    private long skewMillis; // local clock minus upstream clock, from the latest position message
    private long caughtUpConfirmedMillis = Long.MIN_VALUE; // last local time at which we knew we were caught up
    private long behindSinceMillis = Long.MIN_VALUE; // first local time we knew of an unapplied upstream tx
    /** Received but not yet applied: pairs of (txId, upstream commit millis), in txId order. */
    private final ArrayDeque<long[]> pending = new ArrayDeque<>();

    /**
     * @param appliedTxId      the replica's applied txId at start
     * @param heartbeatTimeout silence after which the link counts as down even without a disconnect event
     */
    public ReplicaLagTracker(Clock clock, long appliedTxId, Duration heartbeatTimeout) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.applied = appliedTxId;
        this.heartbeatTimeoutMillis = heartbeatTimeout.toMillis();
        if (heartbeatTimeoutMillis <= 0) {
            throw new IllegalArgumentException("heartbeat timeout must be positive");
        }
    }

    /** A heartbeat or batch header: the upstream's last committed txId, and the upstream's clock when it sent it. */
    public synchronized void onUpstreamPosition(long upstreamLastCommittedTxId, long upstreamNowMillis) {
        long now = clock.millis();
        connected = true;
        lastContactMillis = now;
        skewMillis = now - upstreamNowMillis;
        upstreamLast = Math.max(upstreamLast, upstreamLastCommittedTxId);
        noteProgress(now);
    }

    /** A transaction arrived (not yet applied) with its upstream commit time. */
    public synchronized void onReceived(long txId, long upstreamCommitMillis) {
        long now = clock.millis();
        if (txId > applied && (pending.isEmpty() || pending.peekLast()[0] < txId)) {
            pending.addLast(new long[]{txId, upstreamCommitMillis});
        }
        if (txId > upstreamLast) {
            upstreamLast = txId; // a batch is a position report too
        }
        connected = true;
        lastContactMillis = now;
        noteProgress(now);
    }

    /** The replica has applied every upstream transaction up to {@code txId}. */
    public synchronized void onApplied(long txId) {
        if (txId <= applied) {
            return;
        }
        applied = txId;
        while (!pending.isEmpty() && pending.peekFirst()[0] <= txId) {
            pending.pollFirst();
        }
        noteProgress(clock.millis());
    }

    /** The stream broke (or was closed); lag now grows until the upstream is heard again. */
    public synchronized void onDisconnected() {
        connected = false;
    }

    public synchronized long upstreamLastCommittedTxId() {
        return upstreamLast;
    }

    public synchronized long appliedTxId() {
        return applied;
    }

    /**
     * Lag in seconds per the contract on {@link ReplicaMetricsSource#lagSeconds()}:
     * <ul>
     *   <li>behind, and the oldest missing transaction received: exactly its age (skew-corrected);</li>
     *   <li>caught up with everything the upstream announced, link up: 0;</li>
     *   <li>otherwise (link down, or behind by transactions not received yet) the age cannot be known, and the
     *   worst case is reported: the time since the last moment the replica knew it was caught up. That is the
     *   most a failover now could lose, and it never dips towards 0 on a reconnect before the backlog arrives.</li>
     * </ul>
     */
    public synchronized double lagSeconds() {
        if (lastContactMillis == Long.MIN_VALUE) {
            return Double.NaN;
        }
        long now = clock.millis();
        long[] oldest = pending.peekFirst();
        if (applied < upstreamLast && oldest != null && oldest[0] == applied + 1) {
            return Math.max(1, now - (oldest[1] + skewMillis)) / 1000.0;
        }
        boolean linkUp = connected && now - lastContactMillis <= heartbeatTimeoutMillis;
        if (applied >= upstreamLast && linkUp) {
            return 0;
        }
        long anchor = caughtUpConfirmedMillis != Long.MIN_VALUE ? caughtUpConfirmedMillis : behindSinceMillis;
        if (anchor == Long.MIN_VALUE) {
            anchor = lastContactMillis;
        }
        return Math.max(1, now - anchor) / 1000.0;
    }

    private void noteProgress(long now) {
        if (applied >= upstreamLast) {
            // everything the upstream had committed when we last heard from it is applied
            behindSinceMillis = Long.MIN_VALUE;
            caughtUpConfirmedMillis = Math.max(caughtUpConfirmedMillis, lastContactMillis);
        } else if (behindSinceMillis == Long.MIN_VALUE) {
            behindSinceMillis = now;
        }
    }
}
