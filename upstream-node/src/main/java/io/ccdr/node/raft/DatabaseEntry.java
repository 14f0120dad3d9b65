package io.ccdr.node.raft;

import io.ccdr.node.tx.BinaryReader;
import io.ccdr.node.tx.BinaryWriter;
import io.ccdr.node.tx.CorruptDataException;

import java.util.UUID;

/**
 * A database Raft entry: a unique request id plus the change-set bytes. The id lets the proposing
 * server learn the outcome of its own entry from what it applies, even when it lost leadership
 * before Raft could reply — so an ambiguous commit is resolved before the client is answered,
 * and a client retry never duplicates a write that did commit.
 */
public record DatabaseEntry(UUID requestId, byte[] changeSet) {
    private static final int VERSION = 1;

    public byte[] encode() {
        return new BinaryWriter(24 + changeSet.length).writeByte(VERSION)
                .writeLong(requestId.getMostSignificantBits()).writeLong(requestId.getLeastSignificantBits())
                .writeBytes(changeSet).toByteArray();
    }

    public static DatabaseEntry decode(byte[] bytes) {
        BinaryReader r = new BinaryReader(bytes);
        int v = r.readByte();
        if (v != VERSION) {
            throw new CorruptDataException("unknown database entry version " + v);
        }
        UUID id = new UUID(r.readLong(), r.readLong());
        return new DatabaseEntry(id, r.readBytes(r.remaining()));
    }
}
