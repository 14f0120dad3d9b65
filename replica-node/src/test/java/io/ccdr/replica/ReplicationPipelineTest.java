package io.ccdr.replica;

import io.ccdr.node.dbms.ClusterErrors;
import io.ccdr.node.graph.GraphException;
import io.ccdr.node.raft.ReplicationEntry;
import io.ccdr.node.tx.ChainHash;
import io.ccdr.node.tx.TransactionRecord;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

import static io.ccdr.node.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The pipeline's edges, with the group's proposals under the test's control: what arrives while
 * entries are in flight is coalesced, entries go out in order with a bounded number in flight,
 * a full queue blocks the reader, and a refused entry in the middle stops everything after it.
 */
class ReplicationPipelineTest {
    private final List<ReplicationEntry.Transactions> proposed = new CopyOnWriteArrayList<>();
    private final List<CompletableFuture<Long>> replies = new CopyOnWriteArrayList<>();
    private final List<Long> applied = new CopyOnWriteArrayList<>();
    private final AtomicReference<GraphException> stopped = new AtomicReference<>();
    private final java.util.concurrent.atomic.AtomicInteger stops = new java.util.concurrent.atomic.AtomicInteger();

    private ReplicationPipeline pipeline(ReplicationPipeline.Limits limits) {
        return new ReplicationPipeline("r", e -> {
            proposed.add((ReplicationEntry.Transactions) e);
            CompletableFuture<Long> f = new CompletableFuture<>();
            replies.add(f);
            return f;
        }, limits, new ReplicationPipeline.Outcome() {
            @Override
            public void applied(long lastTxId) {
                applied.add(lastTxId);
            }

            @Override
            public void stopped(GraphException why) {
                stops.incrementAndGet();
                stopped.set(why);
            }
        });
    }

    private static List<TransactionRecord> txs(long from, long to, int bytes) {
        List<TransactionRecord> out = new ArrayList<>();
        for (long id = from; id <= to; id++) {
            out.add(new TransactionRecord(id, id, ChainHash.genesis(), new byte[bytes]));
        }
        return out;
    }

    private static List<Long> ids(ReplicationEntry.Transactions e) {
        return e.records().stream().map(TransactionRecord::txId).toList();
    }

    private void applyNext(int entry) {
        List<TransactionRecord> r = proposed.get(entry).records();
        replies.get(entry).complete(r.get(r.size() - 1).txId());
    }

    @Test
    void whatArrivesWhileEntriesAreInFlightLeavesTogetherInTheNextEntry() throws Exception {
        ReplicationPipeline p = pipeline(new ReplicationPipeline.Limits(1 << 20, 4096, 2, 1 << 20));
        p.offer(txs(1, 1, 10));
        p.offer(txs(2, 2, 10));
        assertThat(proposed).hasSize(2); // two in flight, proposed at once
        for (long id = 3; id <= 50; id++) {
            p.offer(txs(id, id, 10)); // 48 frames while both are in flight
        }
        assertThat(proposed).hasSize(2);
        assertThat(p.queued()).isEqualTo(48);
        applyNext(0);
        assertThat(proposed).hasSize(3);
        assertThat(ids(proposed.get(2))).as("one entry carries everything that queued up").containsExactlyElementsOf(
                java.util.stream.LongStream.rangeClosed(3, 50).boxed().toList());
        applyNext(1);
        applyNext(2);
        assertThat(applied).containsExactly(1L, 2L, 50L);
        assertThat(p.inFlight()).isZero();
        assertThat(stopped.get()).isNull();
    }

    @Test
    void entriesAreBoundedByBytesAndCountAndProposedInOrder() throws Exception {
        ReplicationPipeline p = pipeline(new ReplicationPipeline.Limits(1000, 3, 1, 1 << 20));
        p.offer(txs(1, 1, 10));
        p.offer(txs(2, 9, 400)); // queued behind the one in flight
        applyNext(0);
        applyNext(1);
        applyNext(2);
        applyNext(3);
        applyNext(4);
        assertThat(proposed.stream().map(ReplicationPipelineTest::ids).toList())
                .containsExactly(List.of(1L), List.of(2L, 3L), List.of(4L, 5L), List.of(6L, 7L), List.of(8L, 9L));
        ReplicationPipeline big = pipeline(new ReplicationPipeline.Limits(1000, 3, 1, 1 << 20));
        proposed.clear();
        replies.clear();
        big.offer(txs(1, 1, 5000));
        assertThat(ids(proposed.get(0))).as("a transaction larger than an entry goes alone").containsExactly(1L);
    }

    @Test
    void aFullQueueBlocksTheReaderUntilAnEntryLeaves() throws Exception {
        ReplicationPipeline p = pipeline(new ReplicationPipeline.Limits(100, 4096, 1, 250));
        p.offer(txs(1, 1, 100)); // in flight
        p.offer(txs(2, 3, 100)); // queued: 200 bytes
        Thread reader = new Thread(() -> {
            try {
                p.offer(txs(4, 4, 100)); // 300 > 250: must wait
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        reader.start();
        eventually(Duration.ofSeconds(10), "the reader waits while the queue is full", () -> reader.getState() == Thread.State.WAITING);
        assertThat(p.queued()).as("the blocked batch is not taken yet").isEqualTo(2);
        applyNext(0); // tx 2 leaves the queue
        reader.join(10_000);
        assertThat(reader.isAlive()).isFalse();
        assertThat(p.queued()).isEqualTo(2);
    }

    @Test
    void aRefusedEntryInTheMiddleStopsEverythingAfterItAndTellsTheOwnerOnce() throws Exception {
        ReplicationPipeline p = pipeline(new ReplicationPipeline.Limits(1 << 20, 1, 3, 1 << 20));
        p.offer(txs(1, 5, 10)); // entries for txs 1, 2, 3 in flight; 4 and 5 queued
        assertThat(proposed).hasSize(3);
        applyNext(0); // frees a slot: tx 4 goes out
        assertThat(proposed).hasSize(4);
        replies.get(1).completeExceptionally(new GraphException("Neo.TransientError.Cluster.ReplicationGap", "gap"));
        assertThat(stopped.get().statusCode()).isEqualTo("Neo.TransientError.Cluster.ReplicationGap");
        applyNext(2); // already in flight: they settle, nothing more is proposed
        applyNext(3);
        assertThat(proposed).as("tx 5 is never proposed after the refusal").hasSize(4);
        assertThat(p.queued()).isZero();
        assertThat(p.awaitSettled(1000)).isTrue();
        assertThatThrownBy(() -> p.offer(txs(6, 6, 10))).isInstanceOf(GraphException.class);
        assertThat(applied).containsExactly(1L, 3L, 4L);
        assertThat(stops.get()).as("the owner is told once").isEqualTo(1);
    }

    @Test
    void aLeaderChangeWithEntriesInFlightStopsThePipeline() throws Exception {
        ReplicationPipeline p = pipeline(ReplicationPipeline.Limits.defaults());
        p.offer(txs(1, 1, 10));
        p.offer(txs(2, 2, 10));
        replies.get(0).completeExceptionally(ClusterErrors.notALeader("r", null));
        replies.get(1).completeExceptionally(ClusterErrors.notALeader("r", null));
        eventually(Duration.ofSeconds(5), "stopped", () -> stopped.get() != null);
        assertThat(stopped.get().statusCode()).isEqualTo(ClusterErrors.NOT_A_LEADER);
        assertThat(stops.get()).as("two refusals, one stop").isEqualTo(1);
        assertThat(p.inFlight()).isZero();
        assertThat(applied).isEmpty();
    }
}
