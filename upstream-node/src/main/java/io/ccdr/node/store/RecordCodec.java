package io.ccdr.node.store;

import io.ccdr.node.graph.IndexDescriptor;
import io.ccdr.node.tx.BinaryReader;
import io.ccdr.node.tx.BinaryWriter;
import io.ccdr.node.tx.CorruptDataException;

import java.util.HashSet;
import java.util.Set;
import java.util.TreeSet;

/** Value layouts of node, relationship and schema records. */
final class RecordCodec {
    private RecordCodec() {
    }

    static byte[] encodeNode(StoredNode n) {
        BinaryWriter w = new BinaryWriter(64 + 32 * n.properties().size());
        w.writeLong(n.version());
        w.writeVarInt(n.labels().size());
        Iterable<String> labels = n.labels().size() <= 1 || n.labels() instanceof java.util.SortedSet<?> ? n.labels() : new TreeSet<>(n.labels());
        for (String l : labels) {
            w.writeString(l);
        }
        w.writeProperties(n.properties());
        return w.toByteArray();
    }

    static StoredNode decodeNode(long id, byte[] bytes) {
        BinaryReader r = new BinaryReader(bytes);
        long version = r.readLong();
        int n = r.readVarInt();
        if (n > r.remaining()) {
            throw new CorruptDataException("node " + id + ": label count " + n + " exceeds record");
        }
        Set<String> labels = new HashSet<>(n * 2);
        for (int i = 0; i < n; i++) {
            labels.add(r.readString());
        }
        return new StoredNode(id, version, labels, r.readProperties());
    }

    static byte[] encodeRelationship(StoredRelationship rel) {
        BinaryWriter w = new BinaryWriter(48);
        w.writeLong(rel.version()).writeString(rel.type()).writeLong(rel.startNode()).writeLong(rel.endNode());
        w.writeProperties(rel.properties());
        return w.toByteArray();
    }

    static StoredRelationship decodeRelationship(long id, byte[] bytes) {
        BinaryReader r = new BinaryReader(bytes);
        return new StoredRelationship(id, r.readLong(), r.readString(), r.readLong(), r.readLong(), r.readProperties());
    }

    static byte[] encodeRule(IndexDescriptor rule) {
        return new BinaryWriter(32).writeString(rule.name()).writeByte(rule.kind().ordinal())
                .writeString(rule.label()).writeString(rule.property()).toByteArray();
    }

    static IndexDescriptor decodeRule(byte[] bytes) {
        BinaryReader r = new BinaryReader(bytes);
        String name = r.readString();
        IndexDescriptor.Kind kind = IndexDescriptor.Kind.values()[r.readByte()];
        return new IndexDescriptor(name, kind, r.readString(), r.readString());
    }
}
