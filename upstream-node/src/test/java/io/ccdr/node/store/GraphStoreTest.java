package io.ccdr.node.store;

import io.ccdr.node.graph.Direction;
import io.ccdr.node.graph.IndexDescriptor;
import io.ccdr.node.graph.RelationshipRecord;
import io.ccdr.node.tx.ChainHash;
import io.ccdr.node.tx.ChangeSet;
import io.ccdr.node.tx.ChangeSetCodec;
import io.ccdr.node.tx.CorruptDataException;
import io.ccdr.node.tx.TransactionRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GraphStoreTest {
    @TempDir
    Path dir;
    private final AtomicLong nodeIds = new AtomicLong();
    private final AtomicLong relIds = new AtomicLong();
    private final IdAllocator ids = new IdAllocator() {
        @Override
        public long nextNodeId() {
            return nodeIds.getAndIncrement();
        }

        @Override
        public long nextRelationshipId() {
            return relIds.getAndIncrement();
        }
    };
    private long raftIndex;

    /** Runs {@code work} against a fresh view (as the leader does) and returns the encoded change set. */
    private byte[] prepare(GraphStore store, Consumer<TransactionState> work) {
        try (StoreView view = store.view()) {
            TransactionState tx = new TransactionState(view, ids);
            work.accept(tx);
            return ChangeSetCodec.encode(tx.toChangeSet(1_000 + raftIndex));
        }
    }

    private ApplyOutcome apply(GraphStore store, byte[] cs) {
        return store.apply(1, ++raftIndex, cs);
    }

    @Test
    void commitsAssignGapFreeTxIdsAndTheChainHash() {
        try (GraphStore store = GraphStore.open(dir.resolve("a"))) {
            byte[] previous = ChainHash.genesis();
            for (int i = 1; i <= 5; i++) {
                int n = i;
                byte[] cs = prepare(store, tx -> tx.createNode(Set.of("Person"), Map.of("n", (long) n)));
                ApplyOutcome.Committed c = (ApplyOutcome.Committed) apply(store, cs);
                assertThat(c.txId()).isEqualTo(i);
                byte[] expected = ChainHash.next(previous, i, cs);
                assertThat(c.chainHash()).isEqualTo(expected);
                previous = expected;
            }
            assertThat(store.state().lastTxId()).isEqualTo(5);
            List<TransactionRecord> log = store.transactions(2, 10);
            assertThat(log).extracting(TransactionRecord::txId).containsExactly(2L, 3L, 4L, 5L);
            assertThat(log.get(0).changeSet().ops()).hasSize(1);
        }
    }

    @Test
    void sameChangeSetsGiveTheSameHistoryOnEveryMember() {
        try (GraphStore leader = GraphStore.open(dir.resolve("l")); GraphStore follower = GraphStore.open(dir.resolve("f"))) {
            for (int i = 0; i < 20; i++) {
                byte[] cs = prepare(leader, tx -> {
                    long a = tx.createNode(Set.of("A"), Map.of("x", "y"));
                    long b = tx.createNode(Set.of("B"), Map.of());
                    tx.createRelationship(a, b, "R", Map.of("w", 1.5));
                });
                raftIndex++;
                leader.apply(1, raftIndex, cs);
                follower.apply(1, raftIndex, cs);
            }
            assertThat(follower.state().chainHashHex()).isEqualTo(leader.state().chainHashHex());
            assertThat(follower.contentFingerprint()).isEqualTo(leader.contentFingerprint());
        }
    }

    @Test
    void concurrentWritesToTheSameNodeConflictAndTheLoserChangesNothing() {
        try (GraphStore store = GraphStore.open(dir.resolve("c"))) {
            apply(store, prepare(store, tx -> tx.createNode(Set.of(), Map.of("count", 0L))));
            byte[] first = prepare(store, tx -> tx.setNodeProperty(0, "count", 1L));
            byte[] second = prepare(store, tx -> tx.setNodeProperty(0, "count", 2L));
            assertThat(apply(store, first)).isInstanceOf(ApplyOutcome.Committed.class);
            ApplyOutcome loser = apply(store, second);
            assertThat(loser).isInstanceOf(ApplyOutcome.Rejected.class);
            assertThat(((ApplyOutcome.Rejected) loser).statusCode()).isEqualTo("Neo.TransientError.Transaction.Outdated");
            assertThat(store.state().lastTxId()).isEqualTo(2);
            try (StoreView v = store.view()) {
                assertThat(v.node(0).orElseThrow().properties()).containsEntry("count", 1L);
            }
        }
    }

    @Test
    void relationshipsAndAdjacency() {
        try (GraphStore store = GraphStore.open(dir.resolve("r"))) {
            apply(store, prepare(store, tx -> {
                long a = tx.createNode(Set.of("P"), Map.of());
                long b = tx.createNode(Set.of("P"), Map.of());
                tx.createRelationship(a, b, "KNOWS", Map.of());
                tx.createRelationship(a, a, "SELF", Map.of());
            }));
            try (StoreView v = store.view()) {
                assertThat(v.relationships(0, Direction.OUTGOING, null).map(RelationshipRecord::type)).containsExactlyInAnyOrder("KNOWS", "SELF");
                assertThat(v.relationships(0, Direction.BOTH, "SELF").count()).isEqualTo(1);
                assertThat(v.relationships(1, Direction.INCOMING, "KNOWS").count()).isEqualTo(1);
                assertThat(v.degree(0)).isEqualTo(2);
            }
            try (StoreView v = store.view()) {
                TransactionState tx = new TransactionState(v, ids);
                assertThatThrownBy(() -> tx.deleteNode(0)).hasMessageContaining("still has relationships");
            }
            apply(store, prepare(store, tx -> {
                tx.deleteRelationship(0);
                tx.deleteRelationship(1);
                tx.deleteNode(0);
            }));
            try (StoreView v = store.view()) {
                assertThat(v.node(0)).isEmpty();
                assertThat(v.relationships(1, Direction.BOTH, null).count()).isZero();
                assertThat(v.nodeIdsWithLabel("P").toList()).containsExactly(1L);
            }
        }
    }

    @Test
    void uniquenessConstraintIsEnforcedWhenApplying() {
        try (GraphStore store = GraphStore.open(dir.resolve("u"))) {
            apply(store, prepare(store, tx -> tx.createSchemaRule(new IndexDescriptor("city_name", IndexDescriptor.Kind.UNIQUENESS, "City", "name"))));
            byte[] a = prepare(store, tx -> tx.createNode(Set.of("City"), Map.of("name", "Oslo")));
            byte[] b = prepare(store, tx -> tx.createNode(Set.of("City"), Map.of("name", "Oslo")));
            assertThat(apply(store, a)).isInstanceOf(ApplyOutcome.Committed.class);
            // b read before a committed: a concurrent MERGE lost the race and must retry (then it matches)
            assertThat(((ApplyOutcome.Rejected) apply(store, b)).statusCode()).isEqualTo("Neo.TransientError.Transaction.Outdated");
            // c read after a committed: a plain violation
            byte[] c = prepare(store, tx -> tx.createNode(Set.of("City"), Map.of("name", "Oslo")));
            assertThat(((ApplyOutcome.Rejected) apply(store, c)).statusCode()).isEqualTo("Neo.ClientError.Schema.ConstraintValidationFailed");
            try (StoreView v = store.view()) {
                assertThat(v.nodeIdsWithProperty("City", "name", "Oslo").count()).isEqualTo(1);
            }
        }
    }

    @Test
    void constraintCreationFailsOnExistingDuplicates() {
        try (GraphStore store = GraphStore.open(dir.resolve("d"))) {
            apply(store, prepare(store, tx -> {
                tx.createNode(Set.of("City"), Map.of("name", "Rome"));
                tx.createNode(Set.of("City"), Map.of("name", "Rome"));
            }));
            ApplyOutcome r = apply(store, prepare(store, tx -> tx.createSchemaRule(
                    new IndexDescriptor("u", IndexDescriptor.Kind.UNIQUENESS, "City", "name"))));
            assertThat(((ApplyOutcome.Rejected) r).statusCode()).isEqualTo("Neo.ClientError.Schema.ConstraintCreationFailed");
            assertThat(store.state().lastTxId()).isEqualTo(1);
        }
    }

    @Test
    void indexServesLookupsIncludingNumericEquality() {
        try (GraphStore store = GraphStore.open(dir.resolve("i"))) {
            apply(store, prepare(store, tx -> {
                tx.createNode(Set.of("P"), Map.of("age", 30L));
                tx.createNode(Set.of("P"), Map.of("age", 31L));
            }));
            apply(store, prepare(store, tx -> tx.createSchemaRule(new IndexDescriptor("p_age", IndexDescriptor.Kind.RANGE, "P", "age"))));
            apply(store, prepare(store, tx -> tx.setNodeProperty(1, "age", 30L)));
            try (StoreView v = store.view()) {
                assertThat(v.schema()).extracting(IndexDescriptor::name).containsExactly("p_age");
                assertThat(v.nodeIdsWithProperty("P", "age", 30L).sorted().toList()).containsExactly(0L, 1L);
                assertThat(v.nodeIdsWithProperty("P", "age", 30.0).count()).isEqualTo(2);
                assertThat(v.nodeIdsWithProperty("P", "age", 31L).count()).isZero();
            }
        }
    }

    @Test
    void reopeningRecoversTheCommittedState() {
        byte[] fingerprint;
        long tx;
        try (GraphStore store = GraphStore.open(dir.resolve("p"))) {
            for (int i = 0; i < 50; i++) {
                apply(store, prepare(store, t -> t.createNode(Set.of("X"), Map.of("s", "v"))));
            }
            fingerprint = store.contentFingerprint();
            tx = store.state().lastTxId();
        }
        try (GraphStore store = GraphStore.open(dir.resolve("p"))) {
            assertThat(store.state().lastTxId()).isEqualTo(tx);
            assertThat(store.contentFingerprint()).isEqualTo(fingerprint);
            assertThat(store.state().nextNodeId()).isEqualTo(50);
        }
    }

    @Test
    void checkpointsCanReplaceAStore() {
        try (GraphStore a = GraphStore.open(dir.resolve("a")); GraphStore b = GraphStore.open(dir.resolve("b"))) {
            for (int i = 0; i < 10; i++) {
                apply(a, prepare(a, t -> t.createNode(Set.of("X"), Map.of())));
            }
            StoreState at = a.checkpoint(dir.resolve("cp"));
            assertThat(at.lastTxId()).isEqualTo(10);
            b.replaceWith(dir.resolve("cp"));
            assertThat(b.state().lastTxId()).isEqualTo(10);
            assertThat(b.state().chainHashHex()).isEqualTo(a.state().chainHashHex());
            assertThat(b.contentFingerprint()).isEqualTo(a.contentFingerprint());
        }
    }

    @Test
    void appliesGoOnWhileACheckpointFlushesAndTheCheckpointHoldsExactlyWhatItSays() throws Exception {
        try (GraphStore a = GraphStore.open(dir.resolve("a"))) {
            for (int i = 0; i < 10; i++) {
                apply(a, prepare(a, t -> t.createNode(Set.of("X"), Map.of())));
            }
            java.util.concurrent.CountDownLatch flushed = new java.util.concurrent.CountDownLatch(1);
            java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
            a.afterUnlockedFlush = () -> {
                flushed.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            };
            java.util.concurrent.CompletableFuture<StoreState> cp = java.util.concurrent.CompletableFuture.supplyAsync(
                    () -> a.checkpoint(dir.resolve("cp")));
            assertThat(flushed.await(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            // the checkpoint is past its bulk flush and has not taken the position lock: applying must not wait for it
            java.util.concurrent.CompletableFuture<ApplyOutcome> during = java.util.concurrent.CompletableFuture.supplyAsync(
                    () -> apply(a, prepare(a, t -> t.createNode(Set.of("X"), Map.of()))));
            assertThat(during.get(30, java.util.concurrent.TimeUnit.SECONDS)).isInstanceOf(ApplyOutcome.Committed.class);
            release.countDown();
            StoreState at = cp.get(30, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(at.lastTxId()).as("the checkpoint took the apply made during its flush").isEqualTo(11);
            assertThat(GraphStore.readCheckpointState(dir.resolve("cp")).lastTxId()).isEqualTo(at.lastTxId());
        }
    }

    @Test
    void retentionDropsOldTransactions() {
        try (GraphStore store = GraphStore.open(dir.resolve("t"))) {
            for (int i = 0; i < 30; i++) {
                apply(store, prepare(store, t -> t.createNode(Set.of(), Map.of())));
            }
            long dropped = store.pruneTransactionLog(RetentionPolicy.parse("10 txs"), System.currentTimeMillis());
            assertThat(dropped).isEqualTo(20);
            assertThat(store.firstRetainedTxId()).isEqualTo(21);
            assertThat(store.transactions(5, 10)).isEmpty();
            assertThat(store.transactions(21, 100)).hasSize(10);
            assertThat(store.pruneTransactionLog(RetentionPolicy.parse("true"), System.currentTimeMillis())).isZero();
        }
    }

    @Test
    void corruptChangeSetsAreRejectedNotApplied() {
        try (GraphStore store = GraphStore.open(dir.resolve("x"))) {
            ApplyOutcome r = apply(store, new byte[]{1, 2, 3});
            assertThat(r).isInstanceOf(ApplyOutcome.Rejected.class);
            assertThat(store.state().lastTxId()).isZero();
            assertThat(store.state().appliedIndex()).isEqualTo(raftIndex);
        }
    }

    @Test
    void randomBytesNeverDecodeIntoAnythingButCorruptData() {
        Random random = new Random(42);
        for (int i = 0; i < 20_000; i++) {
            byte[] b = new byte[random.nextInt(64)];
            random.nextBytes(b);
            if (b.length > 0) {
                b[0] = 1; // right format version, garbage after
            }
            try {
                ChangeSet cs = ChangeSetCodec.decode(b);
                assertThat(cs).isNotNull();
            } catch (CorruptDataException expected) {
                // fine
            }
        }
    }

    @Test
    void aRaftEntryCarryingSeveralChangeSetsRecordsHowFarItGot() {
        try (GraphStore store = GraphStore.open(dir.resolve("g"))) {
            byte[] first = prepare(store, t -> t.createNode(Set.of("A"), Map.of()));
            byte[] second = prepare(store, t -> t.createNode(Set.of("B"), Map.of()));
            store.apply(3, 7, 0, first);
            assertThat(store.state().covers(7, 0)).isTrue();
            assertThat(store.state().covers(7, 1)).as("item 1 of entry 7 still to apply after a crash here").isFalse();
            store.apply(3, 7, 1, second);
            assertThat(store.state().lastTxId()).isEqualTo(2);
            assertThat(store.state().covers(7, 1)).isTrue();
            assertThat(store.state().covers(8, 0)).isFalse();
        }
        try (GraphStore reopened = GraphStore.open(dir.resolve("g"))) {
            assertThat(reopened.state().covers(7, 1)).isTrue();
            assertThat(reopened.state().lastTxId()).isEqualTo(2);
        }
    }

    @Test
    void retentionPolicyForms() {
        assertThat(RetentionPolicy.parse("2 days").kind()).isEqualTo(RetentionPolicy.Kind.AGE_MILLIS);
        assertThat(RetentionPolicy.parse("1G size").amount()).isEqualTo(1L << 30);
        assertThat(RetentionPolicy.parse("100k txs").amount()).isEqualTo(100L << 10);
        assertThatThrownBy(() -> RetentionPolicy.parse("lots")).hasMessageContaining("retention policy");
    }
}
