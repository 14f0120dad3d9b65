package io.ccdr.node.store;

import io.ccdr.node.tx.BinaryReader;
import io.ccdr.node.tx.BinaryWriter;
import io.ccdr.node.tx.ChainHash;

/**
 * The store's position, written in the same batch as the data it describes: the last applied Raft
 * entry, the last committed transaction with its commit time and chain hash, and the id high-water
 * marks. After any crash the store is exactly at one of these positions.
 */
public record StoreState(long appliedTerm, long appliedIndex, int appliedItem, long lastTxId, long lastCommitTimeMillis,
                         byte[] chainHash, long nextNodeId, long nextRelationshipId, long promotedAtTxId) {
    /** {@code promotedAtTxId} of a database that never was a promoted replica. */
    public static final long NOT_PROMOTED = -1;

    /** {@code appliedItem} when the whole entry at {@code appliedIndex} is applied. */
    public static final int WHOLE_ENTRY = Integer.MAX_VALUE;

    public static StoreState empty() {
        return new StoreState(0, -1, WHOLE_ENTRY, 0, 0, ChainHash.genesis(), 0, 0, NOT_PROMOTED);
    }

    /**
     * Whether item {@code item} of Raft entry {@code index} is already in the store. A Raft entry
     * can carry several change sets (group commit); each is applied in its own batch.
     */
    public boolean covers(long index, int item) {
        return index < appliedIndex || (index == appliedIndex && item <= appliedItem);
    }

    StoreState withApplied(long term, long index, int item) {
        return new StoreState(term, index, item, lastTxId, lastCommitTimeMillis, chainHash, nextNodeId, nextRelationshipId, promotedAtTxId);
    }

    byte[] encode() {
        return new BinaryWriter(100).writeLong(appliedTerm).writeLong(appliedIndex).writeLong(appliedItem).writeLong(lastTxId)
                .writeLong(lastCommitTimeMillis).writeBytes(chainHash).writeLong(nextNodeId)
                .writeLong(nextRelationshipId).writeLong(promotedAtTxId).toByteArray();
    }

    static StoreState decode(byte[] b) {
        BinaryReader r = new BinaryReader(b);
        return new StoreState(r.readLong(), r.readLong(), (int) r.readLong(), r.readLong(), r.readLong(), r.readBytes(ChainHash.LENGTH),
                r.readLong(), r.readLong(), r.remaining() >= 8 ? r.readLong() : NOT_PROMOTED);
    }

    /** This position with the promotion of a replica recorded at {@code txId}. */
    StoreState promotedAt(long term, long index, long txId) {
        return new StoreState(term, index, WHOLE_ENTRY, lastTxId, lastCommitTimeMillis, chainHash, nextNodeId, nextRelationshipId, txId);
    }

    public boolean promoted() {
        return promotedAtTxId != NOT_PROMOTED;
    }

    public String chainHashHex() {
        return ChainHash.hex(chainHash);
    }
}
