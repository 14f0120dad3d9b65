package io.ccdr.node.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** The estimate of what a write transaction's pending changes hold, which its memory limit is checked against. */
class TransactionStateMemoryTest {
    @TempDir
    Path dir;
    private final AtomicLong next = new AtomicLong();
    private final IdAllocator ids = new IdAllocator() {
        @Override
        public long nextNodeId() {
            return next.getAndIncrement();
        }

        @Override
        public long nextRelationshipId() {
            return next.getAndIncrement();
        }
    };

    @Test
    void theEstimateGrowsWithWhatIsWrittenNotWithHowOftenTheSameNodeChanges() {
        try (GraphStore store = GraphStore.open(dir); StoreView view = store.view()) {
            TransactionState tx = new TransactionState(view, ids);
            assertThat(tx.estimatedHeapBytes()).isZero();
            String kilobyte = "x".repeat(1000);
            for (int i = 0; i < 1000; i++) {
                tx.createNode(Set.of("Big"), Map.of("s", kilobyte + i));
            }
            long created = tx.estimatedHeapBytes();
            // 1000 strings of ~1 KB each, plus maps and records around them
            assertThat(created).isBetween(1_000_000L, 2_000_000L);

            long node = tx.createNode(Set.of("Counter"), Map.of("n", 0L));
            long withCounter = tx.estimatedHeapBytes();
            for (long n = 1; n <= 1000; n++) {
                tx.setNodeProperty(node, "n", n);
            }
            // each SET adds an operation to the change set, but the node's versions are replaced, not kept
            long perSet = (tx.estimatedHeapBytes() - withCounter) / 1000;
            assertThat(perSet).isLessThan(100);

            long a = tx.createNode(Set.of(), Map.of());
            long b = tx.createNode(Set.of(), Map.of());
            long beforeDelete = tx.estimatedHeapBytes();
            long r = tx.createRelationship(a, b, "R", Map.of("w", kilobyte));
            assertThat(tx.estimatedHeapBytes() - beforeDelete).isGreaterThan(1000);
            tx.deleteRelationship(r);
            assertThat(tx.estimatedHeapBytes() - beforeDelete).as("a deleted relationship's record is dropped")
                    .isLessThan(500);
        }
    }
}
