package io.ccdr.node.stream;

import io.ccdr.node.config.HostPort;
import io.ccdr.node.tx.TransactionRecord;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;

/** Records everything a {@link TransactionStreamClient} tells it; optionally blocks in onBatch until released. */
final class RecordingListener implements TransactionStreamClient.Listener {
    final List<TransactionRecord> records = new CopyOnWriteArrayList<>();
    final List<Integer> batchSizes = new CopyOnWriteArrayList<>();
    final List<long[]> heartbeats = new CopyOnWriteArrayList<>();
    final List<String> errors = new CopyOnWriteArrayList<>();
    final List<String> storeCopies = new CopyOnWriteArrayList<>();
    final List<HostPort> disconnects = new CopyOnWriteArrayList<>();
    final List<Throwable> disconnectCauses = new CopyOnWriteArrayList<>();
    final AtomicLong firstBatchNanos = new AtomicLong();
    final AtomicLong lastBatchNanos = new AtomicLong();
    private volatile Semaphore gate;
    /** The reader's own history, for {@link #chainHashAt}: txId -> chain hash. */
    final java.util.Map<Long, byte[]> ownHistory = new java.util.concurrent.ConcurrentHashMap<>();
    final AtomicLong batchesEntered = new AtomicLong();

    /** Makes every onBatch wait for a {@link #release} permit. */
    RecordingListener blocking() {
        gate = new Semaphore(0);
        return this;
    }

    void releaseAll() {
        Semaphore g = gate;
        gate = null;
        if (g != null) {
            g.release(Integer.MAX_VALUE / 2);
        }
    }

    @Override
    public void onBatch(List<TransactionRecord> batch) throws InterruptedException {
        batchesEntered.incrementAndGet();
        Semaphore g = gate;
        if (g != null) {
            g.acquire();
        }
        firstBatchNanos.compareAndSet(0, System.nanoTime());
        batchSizes.add(batch.size());
        lastBatchNanos.set(System.nanoTime()); // before the records become visible to a waiting test
        records.addAll(batch);
    }

    @Override
    public void onHeartbeat(long lastCommittedTxId, long lastCommitTimeMillis) {
        heartbeats.add(new long[]{lastCommittedTxId, lastCommitTimeMillis});
    }

    @Override
    public void onStoreCopyNeeded(String reason, long firstRetainedTxId, long upstreamLastTxId) {
        storeCopies.add(firstRetainedTxId + ":" + upstreamLastTxId + ":" + reason);
    }

    @Override
    public void onError(String code, String message) {
        errors.add(code + ": " + message);
    }

    @Override
    public void onDisconnected(HostPort upstream, Throwable cause) {
        disconnects.add(upstream);
        disconnectCauses.add(cause);
    }

    List<Long> txIds() {
        List<Long> out = new ArrayList<>();
        for (TransactionRecord r : records) {
            out.add(r.txId());
        }
        return out;
    }

    long lastHeartbeatTxId() {
        return heartbeats.isEmpty() ? -1 : heartbeats.get(heartbeats.size() - 1)[0];
    }

    @Override
    public java.util.Optional<byte[]> chainHashAt(long txId) {
        return java.util.Optional.ofNullable(ownHistory.get(txId));
    }
}
