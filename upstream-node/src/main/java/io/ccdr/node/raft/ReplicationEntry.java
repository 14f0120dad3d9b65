package io.ccdr.node.raft;

import io.ccdr.node.tx.BinaryReader;
import io.ccdr.node.tx.BinaryWriter;
import io.ccdr.node.tx.ChainHash;
import io.ccdr.node.tx.CorruptDataException;
import io.ccdr.node.tx.TransactionRecord;

import java.util.ArrayList;
import java.util.List;

/**
 * Raft entries of a replica database's own group (and of its promotion). They carry the upstream's
 * history, never new local transactions: every member applies the upstream's txIds, commit times
 * and chain hashes, verifying the chain as it goes.
 *
 * <p>The first byte tells these apart from a {@link DatabaseEntry} (version 2), so one state
 * machine reads both kinds and a promoted database's log holds its replica past and its own
 * writes.
 */
public sealed interface ReplicationEntry {
    int TRANSACTIONS = 3;
    int BASELINE = 4;
    int PROMOTE = 5;

    /** Consecutive upstream transactions, as received (and chain-verified) by the leader. */
    record Transactions(List<TransactionRecord> records) implements ReplicationEntry {
        public Transactions {
            records = List.copyOf(records);
        }
    }

    /**
     * The store was replaced by a store copy of the upstream at {@code txId} (chain hash
     * {@code chainHash}). A member that is not at or past that point fetches a store copy itself.
     */
    record Baseline(long txId, byte[] chainHash) implements ReplicationEntry {
    }

    /**
     * The replica stops following its upstream and becomes writable at {@code txId}: from this
     * entry on the group accepts local change sets and refuses upstream transactions.
     */
    record Promote(long txId, byte[] chainHash, long promotedAtMillis) implements ReplicationEntry {
    }

    /** True when {@code bytes} is a replication entry rather than a {@link DatabaseEntry}. */
    static boolean isReplicationEntry(byte[] bytes) {
        return bytes.length > 0 && (bytes[0] == TRANSACTIONS || bytes[0] == BASELINE || bytes[0] == PROMOTE);
    }

    default byte[] encode() {
        if (this instanceof Transactions t) {
            int size = 8;
            for (TransactionRecord r : t.records()) {
                size += 64 + r.changeSetBytes().length;
            }
            BinaryWriter w = new BinaryWriter(size).writeByte(TRANSACTIONS).writeVarInt(t.records().size());
            for (TransactionRecord r : t.records()) {
                w.writeLong(r.txId()).writeLong(r.commitTimeMillis()).writeBytes(r.chainHash())
                        .writeVarInt(r.changeSetBytes().length).writeBytes(r.changeSetBytes());
            }
            return w.toByteArray();
        }
        if (this instanceof Baseline b) {
            return new BinaryWriter(48).writeByte(BASELINE).writeLong(b.txId()).writeBytes(b.chainHash()).toByteArray();
        }
        Promote p = (Promote) this;
        return new BinaryWriter(56).writeByte(PROMOTE).writeLong(p.txId()).writeBytes(p.chainHash())
                .writeLong(p.promotedAtMillis()).toByteArray();
    }

    static ReplicationEntry decode(byte[] bytes) {
        BinaryReader r = new BinaryReader(bytes);
        int kind = r.readByte();
        ReplicationEntry e;
        switch (kind) {
            case TRANSACTIONS -> {
                int n = r.readVarInt();
                if (n > r.remaining()) {
                    throw new CorruptDataException("transaction count " + n + " exceeds entry");
                }
                List<TransactionRecord> records = new ArrayList<>(n);
                for (int k = 0; k < n; k++) {
                    long txId = r.readLong();
                    long time = r.readLong();
                    byte[] chain = r.readBytes(ChainHash.LENGTH);
                    records.add(new TransactionRecord(txId, time, chain, r.readBytes(r.readVarInt())));
                }
                e = new Transactions(records);
            }
            case BASELINE -> e = new Baseline(r.readLong(), r.readBytes(ChainHash.LENGTH));
            case PROMOTE -> e = new Promote(r.readLong(), r.readBytes(ChainHash.LENGTH), r.readLong());
            default -> throw new CorruptDataException("unknown replication entry kind " + kind);
        }
        if (r.remaining() != 0) {
            throw new CorruptDataException(r.remaining() + " trailing bytes in replication entry");
        }
        return e;
    }
}
