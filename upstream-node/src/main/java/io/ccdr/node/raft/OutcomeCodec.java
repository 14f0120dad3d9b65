package io.ccdr.node.raft;

import io.ccdr.node.store.ApplyOutcome;
import io.ccdr.node.tx.BinaryReader;
import io.ccdr.node.tx.BinaryWriter;
import io.ccdr.node.tx.ChainHash;

/** The Raft reply for a database entry, for callers that propose through a RaftClient. */
public final class OutcomeCodec {
    private OutcomeCodec() {
    }

    static byte[] encode(ApplyOutcome outcome) {
        if (outcome instanceof ApplyOutcome.Committed c) {
            return new BinaryWriter(56).writeByte(1).writeLong(c.txId()).writeLong(c.commitTimeMillis())
                    .writeBytes(c.chainHash()).toByteArray();
        }
        ApplyOutcome.Rejected r = (ApplyOutcome.Rejected) outcome;
        return new BinaryWriter(64).writeByte(2).writeString(r.statusCode()).writeString(r.message()).toByteArray();
    }

    public static ApplyOutcome decode(byte[] bytes) {
        BinaryReader r = new BinaryReader(bytes);
        if (r.readByte() == 1) {
            return new ApplyOutcome.Committed(r.readLong(), r.readLong(), r.readBytes(ChainHash.LENGTH));
        }
        return new ApplyOutcome.Rejected(r.readString(), r.readString());
    }
}
