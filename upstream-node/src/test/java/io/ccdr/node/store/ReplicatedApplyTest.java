package io.ccdr.node.store;

import io.ccdr.node.raft.ReplicationEntry;
import io.ccdr.node.tx.ChainHash;
import io.ccdr.node.tx.ChangeSet;
import io.ccdr.node.tx.ChangeSetCodec;
import io.ccdr.node.tx.TransactionRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** A replica's store applies the upstream's transactions only as the exact continuation of its own chain. */
class ReplicatedApplyTest {
    @TempDir
    Path dir;

    private static byte[] createNode(long id) {
        return ChangeSetCodec.encode(new ChangeSet(id, 1_000 + id, List.of(new ChangeSet.CreateNode(id, Set.of("R"), Map.of("id", id)))));
    }

    /** An upstream history of {@code n} transactions, built by an ordinary store. */
    private List<TransactionRecord> upstreamHistory(int n) {
        try (GraphStore up = GraphStore.open(dir.resolve("upstream"))) {
            for (int i = 0; i < n; i++) {
                assertThat(up.apply(1, i + 1, createNode(i))).isInstanceOf(ApplyOutcome.Committed.class);
            }
            return up.transactions(1, n);
        }
    }

    @Test
    void upstreamTransactionsKeepTheirTxIdsCommitTimesAndChainHashes() {
        List<TransactionRecord> history = upstreamHistory(5);
        try (GraphStore replica = GraphStore.open(dir.resolve("replica"))) {
            for (int i = 0; i < history.size(); i++) {
                assertThat(replica.applyReplicated(7, 100 + i, 0, history.get(i))).isInstanceOf(ApplyOutcome.Committed.class);
            }
            assertThat(replica.state().lastTxId()).isEqualTo(5);
            assertThat(replica.state().chainHash()).isEqualTo(history.get(4).chainHash());
            assertThat(replica.state().appliedIndex()).isEqualTo(104);
            List<TransactionRecord> copied = replica.transactions(1, 10);
            for (int i = 0; i < 5; i++) {
                assertThat(copied.get(i).commitTimeMillis()).isEqualTo(history.get(i).commitTimeMillis());
                assertThat(copied.get(i).changeSetBytes()).isEqualTo(history.get(i).changeSetBytes());
            }
        }
    }

    @Test
    void aGapOrAForeignChainHashIsRefusedAndNothingIsWritten() {
        List<TransactionRecord> history = upstreamHistory(3);
        try (GraphStore replica = GraphStore.open(dir.resolve("replica"))) {
            replica.applyReplicated(1, 1, 0, history.get(0));
            byte[] before = replica.contentFingerprint();

            ApplyOutcome gap = replica.applyReplicated(1, 2, 0, history.get(2));
            assertThat(gap).isInstanceOfSatisfying(ApplyOutcome.Rejected.class,
                    r -> assertThat(r.statusCode()).isEqualTo("Neo.ClientError.Cluster.LineageMismatch"));

            TransactionRecord r2 = history.get(1);
            TransactionRecord forged = new TransactionRecord(2, r2.commitTimeMillis(), ChainHash.next(ChainHash.genesis(), 2, r2.changeSetBytes()),
                    r2.changeSetBytes());
            ApplyOutcome foreign = replica.applyReplicated(1, 3, 0, forged);
            assertThat(foreign).isInstanceOfSatisfying(ApplyOutcome.Rejected.class, r -> assertThat(r.message()).contains("chain hash"));

            assertThat(replica.state().lastTxId()).isEqualTo(1);
            assertThat(replica.contentFingerprint()).isEqualTo(before);
            assertThat(replica.state().appliedIndex()).isEqualTo(3); // the refused entries are passed, deterministically
        }
    }

    @Test
    void replicationEntriesSurviveEncoding() {
        List<TransactionRecord> history = upstreamHistory(2);
        byte[] bytes = new ReplicationEntry.Transactions(history).encode();
        ReplicationEntry.Transactions back = (ReplicationEntry.Transactions) ReplicationEntry.decode(bytes);
        assertThat(back.records()).hasSize(2);
        assertThat(back.records().get(1).chainHash()).isEqualTo(history.get(1).chainHash());
        ReplicationEntry.Promote p = (ReplicationEntry.Promote) ReplicationEntry.decode(new ReplicationEntry.Promote(9, ChainHash.genesis(), 5).encode());
        assertThat(p.txId()).isEqualTo(9);
    }

    @Test
    void aPromotedStoreRemembersWhereItWasPromoted() {
        Path d = dir.resolve("promoted");
        try (GraphStore store = GraphStore.open(d)) {
            store.apply(1, 1, createNode(0));
            store.markPromoted(2, 2);
        }
        try (GraphStore store = GraphStore.open(d)) {
            assertThat(store.state().promoted()).isTrue();
            assertThat(store.state().promotedAtTxId()).isEqualTo(1);
        }
    }
}
