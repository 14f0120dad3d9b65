package io.ccdr.node.backup;

import io.ccdr.node.tx.BinaryReader;
import io.ccdr.node.tx.BinaryWriter;
import io.ccdr.node.tx.ChainHash;
import io.ccdr.node.tx.CorruptDataException;

/**
 * What an artefact holds, written at its start so that {@code inspect} and chain building read one
 * block per file. A FULL artefact holds the store at {@code startTxId} plus the transactions after
 * it up to {@code endTxId}; a DIFF holds transactions {@code startTxId + 1 .. endTxId} and continues
 * the artefact that ends at {@code startTxId} with {@code startChainHash}.
 *
 * @param lineageId         the history the database holds ({@code DatabaseInfo.lineageId}): a replica and its
 *                          upstream share it, so their artefacts form one chain
 * @param startCommitMillis commit time at {@code startTxId} (0 for txId 0)
 * @param endCommitMillis   commit time at {@code endTxId}
 * @param storeBytes        bytes of store files (0 for a DIFF)
 */
public record BackupHeader(String database, String lineageId, Kind kind, boolean compressed, long startTxId, byte[] startChainHash,
                           long endTxId, byte[] endChainHash, long startCommitMillis, long endCommitMillis, long createdAtMillis,
                           long storeBytes, long transactionCount) {
    public enum Kind { FULL, DIFF }

    static final int FORMAT_VERSION = 1;

    public BackupHeader {
        if (startChainHash.length != ChainHash.LENGTH || endChainHash.length != ChainHash.LENGTH) {
            throw new IllegalArgumentException("chain hashes are " + ChainHash.LENGTH + " bytes");
        }
    }

    /** The same header once the artefact's end is known (the writer rewrites the header in place). */
    BackupHeader ending(long txId, byte[] chainHash, long commitMillis, long bytesOfStore, long transactions) {
        return new BackupHeader(database, lineageId, kind, compressed, startTxId, startChainHash, txId, chainHash, startCommitMillis,
                commitMillis, createdAtMillis, bytesOfStore, transactions);
    }

    /** Fixed-width fields after the two strings, so a rewrite never changes the block's length. */
    byte[] encode() {
        return new BinaryWriter(256).writeVarInt(FORMAT_VERSION).writeString(database).writeString(lineageId)
                .writeByte(kind.ordinal()).writeByte(compressed ? 1 : 0)
                .writeLong(startTxId).writeBytes(startChainHash).writeLong(endTxId).writeBytes(endChainHash)
                .writeLong(startCommitMillis).writeLong(endCommitMillis).writeLong(createdAtMillis)
                .writeLong(storeBytes).writeLong(transactionCount).toByteArray();
    }

    static BackupHeader decode(byte[] payload) {
        BinaryReader r = new BinaryReader(payload);
        int version = r.readVarInt();
        if (version != FORMAT_VERSION) {
            throw new CorruptDataException("unsupported backup format version " + version + " (this ccdr reads " + FORMAT_VERSION + ")");
        }
        String database = r.readString();
        String lineage = r.readString();
        int kind = r.readByte();
        if (kind < 0 || kind >= Kind.values().length) {
            throw new CorruptDataException("unknown artefact kind " + kind);
        }
        boolean compressed = r.readByte() != 0;
        BackupHeader h = new BackupHeader(database, lineage, Kind.values()[kind], compressed, r.readLong(), r.readBytes(ChainHash.LENGTH),
                r.readLong(), r.readBytes(ChainHash.LENGTH), r.readLong(), r.readLong(), r.readLong(), r.readLong(), r.readLong());
        if (r.remaining() != 0) {
            throw new CorruptDataException("header has " + r.remaining() + " trailing bytes");
        }
        return h;
    }

    public String startChainHashHex() {
        return ChainHash.hex(startChainHash);
    }

    public String endChainHashHex() {
        return ChainHash.hex(endChainHash);
    }
}
