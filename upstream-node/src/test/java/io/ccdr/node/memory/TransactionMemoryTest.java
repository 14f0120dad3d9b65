package io.ccdr.node.memory;

import io.ccdr.node.graph.GraphException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TransactionMemoryTest {
    private static final long MIB = 1 << 20;

    @Test
    void aTransactionPastItsOwnLimitFailsWithTransactionOutOfMemoryErrorAndKeepsWhatItHad() {
        MemoryPools pools = new MemoryPools(0, 0, MIB);
        TransactionMemory tx = pools.newTransaction("neo4j");
        tx.allocate(MIB - 100);
        assertThatThrownBy(() -> tx.allocate(200))
                .isInstanceOf(GraphException.class)
                .hasMessage("The allocation of an extra 200 B would use more than the limit 1.0 MiB. Currently using 1023.9 KiB. "
                        + "db.memory.transaction.max threshold reached")
                .extracting(e -> ((GraphException) e).statusCode()).isEqualTo("Neo.ClientError.General.TransactionOutOfMemoryError");
        assertThat(tx.used()).isEqualTo(MIB - 100);
        tx.release(MIB - 100);
        tx.allocate(200);
        assertThat(tx.used()).isEqualTo(200);
    }

    @Test
    void theDatabasePoolAndTheServerPoolBoundAllTransactionsTogether() {
        MemoryPools pools = new MemoryPools(30 * MIB, 20 * MIB, 0);
        TransactionMemory a = pools.newTransaction("neo4j");
        TransactionMemory b = pools.newTransaction("neo4j");
        TransactionMemory other = pools.newTransaction("other");
        a.allocate(15 * MIB);
        assertThatThrownBy(() -> b.allocate(6 * MIB))
                .isInstanceOf(GraphException.class)
                .hasMessageContaining("db.memory.transaction.total.max threshold reached")
                .extracting(e -> ((GraphException) e).statusCode()).isEqualTo("Neo.TransientError.General.MemoryPoolOutOfMemoryError");
        b.allocate(4 * MIB);
        // another database has its own pool, inside the server's
        other.allocate(10 * MIB);
        assertThatThrownBy(() -> other.allocate(2 * MIB))
                .isInstanceOf(GraphException.class)
                .hasMessageContaining("dbms.memory.transaction.total.max threshold reached");
        a.close();
        other.allocate(2 * MIB);
        b.close();
        other.close();
        assertThat(pools.server().used()).as("everything returned").isZero();
    }

    @Test
    void smallAllocationsTakeChunksFromThePoolAndReleasesGiveThemBack() {
        MemoryPools pools = new MemoryPools(0, 0, 0);
        TransactionMemory tx = pools.newTransaction("neo4j");
        for (int i = 0; i < 1000; i++) {
            tx.allocate(100);
        }
        long reserved = pools.server().used();
        assertThat(reserved).isGreaterThanOrEqualTo(100_000).isLessThan(100_000 + 2 * TransactionMemory.CHUNK);
        tx.release(100_000);
        assertThat(pools.server().used()).as("at most a chunk kept in hand").isLessThanOrEqualTo(2 * TransactionMemory.CHUNK);
        tx.close();
        assertThat(pools.server().used()).isZero();
    }

    @Test
    void theTransactionStateIsAccountedByItsSizeNotByItsChanges() {
        TransactionMemory tx = new TransactionMemory(MIB, null, "neo4j");
        tx.transactionState(1000);
        tx.transactionState(5000);
        assertThat(tx.used()).isEqualTo(5000);
        tx.transactionState(2000);
        assertThat(tx.used()).isEqualTo(2000);
        assertThatThrownBy(() -> tx.transactionState(2 * MIB)).hasMessageContaining("db.memory.transaction.max");
        assertThat(tx.used()).isEqualTo(2000);
    }

    @Test
    void estimatesCountStringsByTheirEncoding() {
        assertThat(HeapEstimate.string("abc")).isEqualTo(24 + 24);
        assertThat(HeapEstimate.string("x".repeat(1000))).isEqualTo(24 + 1016);
        assertThat(HeapEstimate.string("ж".repeat(1000))).as("two bytes per char beyond Latin-1").isEqualTo(24 + 2016);
        assertThat(HeapEstimate.of(java.util.List.of("x".repeat(1000), 1L)))
                .isEqualTo(HeapEstimate.LIST + 2 * HeapEstimate.REFERENCE + 24 + 1016 + 24);
    }
}
