package io.ccdr.metrics;

/**
 * What a replica database tells the metrics at scrape time. Implemented by the replica role on the server that
 * runs the upstream subscription. Methods are called from the scrape thread: cheap, non-blocking.
 *
 * <h2>The lag contract</h2>
 * {@link #lagSeconds()} is what operators alert on, and it is easy to get subtly wrong, so its meaning is fixed
 * here rather than left to the implementation:
 * <ul>
 *   <li><b>Definition.</b> {@code now − upstreamCommitTime(oldest upstream transaction not yet applied here)},
 *   using the commit times carried by stream batches. It is the age of the oldest write that a failover to this
 *   replica right now would lose.</li>
 *   <li><b>Zero only when truly caught up:</b> connected, and the latest batch or heartbeat from the upstream says
 *   its last committed txId equals {@link #appliedTxId()}.</li>
 *   <li><b>An idle upstream is not lag:</b> heartbeats carry the upstream's last committed txId, so while the
 *   upstream commits nothing and heartbeats keep arriving, the lag stays 0. It must not be computed as
 *   "time since the last transaction arrived".</li>
 *   <li><b>A broken link is not "caught up":</b> once no batch or heartbeat has arrived within the heartbeat
 *   timeout (or the stream is {@code DISCONNECTED}, {@code STORE_COPY} or {@code BROKEN_CHAIN}), the replica
 *   cannot know what it is missing, so it reports the worst case, {@code now − (last moment it knew it was caught
 *   up)}, which keeps growing; it never reads 0 while the link is down.</li>
 *   <li><b>Unknown commit time:</b> when the replica knows it is behind (a heartbeat announced a higher txId) but
 *   has not received the oldest missing transaction yet, it also reports that worst case, so the value does not
 *   dip towards 0 on a reconnect before the backlog arrives.</li>
 *   <li><b>NaN</b> only before the first contact with the upstream since this server started.</li>
 * </ul>
 * {@link ReplicaLagTracker} implements this contract. Clocks: upstream commit times come from the upstream's clock. Implementations should correct by the skew
 * measured from heartbeats (or clamp at 0) so that a fast replica clock cannot produce negative lag.
 */
public interface ReplicaMetricsSource {
    /** The upstream's last committed txId as last heard from a batch or heartbeat; {@code -1} before first contact. */
    long upstreamLastCommittedTxId();

    /** The last upstream txId applied to this replica. */
    long appliedTxId();

    /** Lag in seconds, as defined in the lag contract above; {@code NaN} before the first contact. */
    double lagSeconds();

    /** Current state of the stream. */
    StreamState streamState();

    /**
     * Estimated seconds until caught up, at the rate the lag closes (apply rate minus the upstream's commit rate): 0
     * when caught up, {@code NaN} when it cannot be estimated (nothing applied recently, not gaining on the upstream,
     * disconnected, broken chain). {@link CatchUpEstimator} computes it.
     */
    default double catchUpEtaSeconds() {
        return Double.NaN;
    }
}
