package io.ccdr.replica;

import io.ccdr.node.dbms.ClusterErrors;
import io.ccdr.node.graph.GraphException;
import io.ccdr.node.raft.ReplicationEntry;
import io.ccdr.node.tx.TransactionRecord;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The replica leader's path from the upstream's stream into its own Raft group. The stream's
 * reader hands over what it receives and goes back to its socket; transactions received while
 * earlier entries are in flight are coalesced into the next Raft entry (bounded by bytes and
 * count), with up to {@link Limits#inFlight()} entries in flight, applied in order by the group.
 * So the replica is bound by transactions per second, not by Raft round trips per frame.
 *
 * <p>Back-pressure: {@link #offer} blocks while the queue holds {@link Limits#queuedBytes()}, so
 * the reader stops reading its socket and TCP slows the upstream down; nothing is buffered
 * without bound.
 *
 * <p>The first entry the group refuses (or that Raft cannot confirm) stops the pipeline for good:
 * what is queued is dropped, entries already in flight settle, and the owner is told once, then
 * resubscribes from the group's own applied position. Every member checks each transaction
 * against its store when applying (the next txId, the chain), so an entry that overlaps one
 * already applied is skipped where it overlaps and a gap is refused: no gap, no duplicate.
 */
final class ReplicationPipeline {
    /**
     * @param entryBytes  change-set bytes per Raft entry at most (a single larger transaction goes alone)
     * @param entryCount  transactions per Raft entry at most
     * @param inFlight    Raft entries proposed and not yet applied, at most
     * @param queuedBytes change-set bytes received and not yet proposed, at most (beyond it {@link #offer} blocks)
     */
    record Limits(int entryBytes, int entryCount, int inFlight, long queuedBytes) {
        Limits {
            if (entryBytes < 1 || entryCount < 1 || inFlight < 1 || queuedBytes < 1) {
                throw new IllegalArgumentException("pipeline limits must be positive");
            }
        }

        static Limits defaults() {
            // 768 KiB of change sets plus the framing of 4,096 records stays within one Raft entry (RaftTuning.MAX_ENTRY_BYTES)
            return new Limits(768 << 10, 4096, 4, 32L << 20);
        }
    }

    /** What the owner learns; called on Raft's threads, in order, never under the pipeline's lock. */
    interface Outcome {
        /** Every transaction up to {@code lastTxId} is applied in the group. */
        void applied(long lastTxId);

        /** The pipeline stopped: an entry was refused or not confirmed ({@code why}); nothing more is proposed. */
        void stopped(GraphException why);
    }

    private final String database;
    private final Function<ReplicationEntry, CompletableFuture<Long>> propose;
    private final Limits limits;
    private final Outcome outcome;
    private final ArrayDeque<TransactionRecord> queue = new ArrayDeque<>(); // guarded by this
    private long queuedBytes;
    private int inFlight;
    private GraphException stopped;
    private boolean closed;

    /**
     * @param propose proposes an entry to the group and completes with the last applied txId (e.g.
     *                {@code Database::proposeReplicationAsync}); must append in call order
     */
    ReplicationPipeline(String database, Function<ReplicationEntry, CompletableFuture<Long>> propose, Limits limits, Outcome outcome) {
        this.database = database;
        this.propose = propose;
        this.limits = limits;
        this.outcome = outcome;
    }

    /**
     * Hands over a chain-verified batch that follows everything offered before. Returns once it is
     * queued; blocks while the queue is full.
     *
     * @throws GraphException when the pipeline has stopped or was closed (the batch is not taken)
     */
    void offer(List<TransactionRecord> batch) throws InterruptedException {
        long bytes = 0;
        for (TransactionRecord r : batch) {
            bytes += r.changeSetBytes().length;
        }
        synchronized (this) {
            while (stopped == null && !closed && queuedBytes > 0 && queuedBytes + bytes > limits.queuedBytes()) {
                wait();
            }
            if (stopped != null || closed) {
                throw stopped != null ? stopped : ClusterErrors.unavailable(database, "the replication pipeline was closed");
            }
            queue.addAll(batch);
            queuedBytes += bytes;
            proposeWhileRoom();
        }
    }

    /** Entries proposed and not yet settled. */
    synchronized int inFlight() {
        return inFlight;
    }

    /** Transactions received and not yet proposed. */
    synchronized int queued() {
        return queue.size();
    }

    /** Waits until no entry is in flight any more (after a stop), at most {@code millis}. */
    synchronized boolean awaitSettled(long millis) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (inFlight > 0) {
            long left = end - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        return true;
    }

    /** Drops what is queued and proposes nothing more; entries in flight still settle. */
    synchronized void close() {
        closed = true;
        queue.clear();
        queuedBytes = 0;
        notifyAll();
    }

    // guarded by this; proposes in queue order, so entries are appended in order
    private void proposeWhileRoom() {
        while (stopped == null && !closed && inFlight < limits.inFlight() && !queue.isEmpty()) {
            List<TransactionRecord> records = new ArrayList<>();
            long bytes = 0;
            while (!queue.isEmpty() && records.size() < limits.entryCount()) {
                int size = queue.peekFirst().changeSetBytes().length;
                if (!records.isEmpty() && bytes + size > limits.entryBytes()) {
                    break;
                }
                records.add(queue.pollFirst());
                bytes += size;
            }
            queuedBytes -= bytes;
            inFlight++;
            notifyAll(); // room in the queue for a blocked offer
            CompletableFuture<Long> reply;
            try {
                reply = propose.apply(new ReplicationEntry.Transactions(records));
            } catch (RuntimeException e) {
                reply = CompletableFuture.failedFuture(e);
            }
            reply.whenComplete(this::settled);
        }
    }

    private void settled(Long lastTxId, Throwable error) {
        GraphException stop = null;
        synchronized (this) {
            inFlight--;
            if (error != null && stopped == null && !closed) {
                Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
                stop = cause instanceof GraphException g ? g : ClusterErrors.unavailable(database, "replicated entry failed: " + cause);
                stopped = stop;
                queue.clear();
                queuedBytes = 0;
            }
            notifyAll();
            if (error == null) {
                proposeWhileRoom();
            }
        }
        if (stop != null) {
            outcome.stopped(stop);
        } else if (error == null) {
            outcome.applied(lastTxId);
        }
    }
}
