package io.ccdr.metrics;

/** Sources whose values the tests set directly. */
final class FakeSources {
    private FakeSources() {
    }

    static class Database implements DatabaseMetricsSource {
        volatile long lastCommittedTxId;
        volatile long activeTransactions;
        volatile long storeSizeBytes;
        volatile boolean leader;
        volatile long term;
        volatile long commitIndex;
        volatile long appliedIndex;

        Database(long txId, boolean leader) {
            this.lastCommittedTxId = txId;
            this.leader = leader;
            this.term = 1;
        }

        @Override public long lastCommittedTxId() { return lastCommittedTxId; }
        @Override public long activeTransactions() { return activeTransactions; }
        @Override public long storeSizeBytes() { return storeSizeBytes; }
        @Override public boolean isLeader() { return leader; }
        @Override public long term() { return term; }
        @Override public long commitIndex() { return commitIndex; }
        @Override public long appliedIndex() { return appliedIndex; }
    }

    static final class Replica implements ReplicaMetricsSource {
        volatile long upstreamLastCommittedTxId = -1;
        volatile long appliedTxId;
        volatile double lagSeconds = Double.NaN;
        volatile StreamState state = StreamState.DISCONNECTED;
        volatile double eta = Double.NaN;

        @Override public long upstreamLastCommittedTxId() { return upstreamLastCommittedTxId; }
        @Override public long appliedTxId() { return appliedTxId; }
        @Override public double lagSeconds() { return lagSeconds; }
        @Override public StreamState streamState() { return state; }
        @Override public double catchUpEtaSeconds() { return eta; }
    }
}
