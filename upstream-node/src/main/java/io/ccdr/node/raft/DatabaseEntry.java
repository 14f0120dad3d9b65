package io.ccdr.node.raft;

import io.ccdr.node.tx.BinaryReader;
import io.ccdr.node.tx.BinaryWriter;
import io.ccdr.node.tx.CorruptDataException;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * A database Raft entry: one or more change sets proposed together (group commit), each with a
 * unique request id. The id lets the proposing server learn the outcome of its own change set
 * from what it applies, even when it lost leadership before Raft could reply — so an ambiguous
 * commit is resolved before the client is answered, and a client retry never duplicates a write
 * that did commit.
 */
public record DatabaseEntry(List<Item> items) {
    private static final int VERSION = 2;

    public record Item(UUID requestId, byte[] changeSet) {
    }

    public DatabaseEntry {
        items = List.copyOf(items);
    }

    public byte[] encode() {
        int size = 8;
        for (Item i : items) {
            size += 24 + i.changeSet().length;
        }
        BinaryWriter w = new BinaryWriter(size).writeByte(VERSION).writeVarInt(items.size());
        for (Item i : items) {
            w.writeLong(i.requestId().getMostSignificantBits()).writeLong(i.requestId().getLeastSignificantBits());
            w.writeVarInt(i.changeSet().length).writeBytes(i.changeSet());
        }
        return w.toByteArray();
    }

    public static DatabaseEntry decode(byte[] bytes) {
        BinaryReader r = new BinaryReader(bytes);
        int v = r.readByte();
        if (v != VERSION) {
            throw new CorruptDataException("unknown database entry version " + v);
        }
        int n = r.readVarInt();
        if (n > r.remaining()) {
            throw new CorruptDataException("item count " + n + " exceeds entry");
        }
        List<Item> items = new ArrayList<>(n);
        for (int k = 0; k < n; k++) {
            UUID id = new UUID(r.readLong(), r.readLong());
            items.add(new Item(id, r.readBytes(r.readVarInt())));
        }
        if (r.remaining() != 0) {
            throw new CorruptDataException(r.remaining() + " trailing bytes in database entry");
        }
        return new DatabaseEntry(items);
    }
}
