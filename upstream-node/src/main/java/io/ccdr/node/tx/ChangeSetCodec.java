package io.ccdr.node.tx;

import io.ccdr.node.graph.IndexDescriptor;
import io.ccdr.node.tx.ChangeSet.*;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The replicated byte form of a {@link ChangeSet}. The format is versioned; the bytes are what the
 * chain hash covers, so encoding must be deterministic (sorted labels and property keys).
 */
public final class ChangeSetCodec {
    static final int FORMAT_VERSION = 1;
    private static final int CREATE_NODE = 1, DELETE_NODE = 2, SET_NODE_PROPERTY = 3, ADD_LABEL = 4,
            REMOVE_LABEL = 5, CREATE_REL = 6, DELETE_REL = 7, SET_REL_PROPERTY = 8, CREATE_SCHEMA = 9,
            DROP_SCHEMA = 10;

    private ChangeSetCodec() {
    }

    public static byte[] encode(ChangeSet cs) {
        BinaryWriter w = new BinaryWriter(64 + cs.ops().size() * 48);
        w.writeByte(FORMAT_VERSION).writeLong(cs.baseTxId()).writeLong(cs.proposedCommitTimeMillis());
        w.writeVarInt(cs.ops().size());
        for (Op op : cs.ops()) {
            writeOp(w, op);
        }
        return w.toByteArray();
    }

    private static void writeOp(BinaryWriter w, Op op) {
        if (op instanceof CreateNode o) {
            w.writeByte(CREATE_NODE).writeLong(o.id());
            writeLabels(w, o.labels());
            w.writeProperties(o.properties());
        } else if (op instanceof DeleteNode o) {
            w.writeByte(DELETE_NODE).writeLong(o.id());
        } else if (op instanceof SetNodeProperty o) {
            w.writeByte(SET_NODE_PROPERTY).writeLong(o.id()).writeString(o.key()).writeValue(o.value());
        } else if (op instanceof AddLabel o) {
            w.writeByte(ADD_LABEL).writeLong(o.id()).writeString(o.label());
        } else if (op instanceof RemoveLabel o) {
            w.writeByte(REMOVE_LABEL).writeLong(o.id()).writeString(o.label());
        } else if (op instanceof CreateRelationship o) {
            w.writeByte(CREATE_REL).writeLong(o.id()).writeString(o.type()).writeLong(o.startNode()).writeLong(o.endNode());
            w.writeProperties(o.properties());
        } else if (op instanceof DeleteRelationship o) {
            w.writeByte(DELETE_REL).writeLong(o.id());
        } else if (op instanceof SetRelationshipProperty o) {
            w.writeByte(SET_REL_PROPERTY).writeLong(o.id()).writeString(o.key()).writeValue(o.value());
        } else if (op instanceof CreateSchemaRule o) {
            IndexDescriptor r = o.rule();
            w.writeByte(CREATE_SCHEMA).writeString(r.name()).writeByte(r.kind().ordinal())
                    .writeString(r.label()).writeString(r.property());
        } else if (op instanceof DropSchemaRule o) {
            w.writeByte(DROP_SCHEMA).writeString(o.name());
        } else {
            throw new IllegalArgumentException("unknown op " + op);
        }
    }

    static void writeLabels(BinaryWriter w, Set<String> labels) {
        w.writeVarInt(labels.size());
        for (String l : new TreeSet<>(labels)) {
            w.writeString(l);
        }
    }

    static Set<String> readLabels(BinaryReader r) {
        int n = r.readVarInt();
        if (n > r.remaining()) {
            throw new CorruptDataException("label count " + n + " exceeds data");
        }
        String[] labels = new String[n];
        for (int i = 0; i < n; i++) {
            labels[i] = r.readString();
        }
        try {
            return Set.of(labels); // immutable: the change-set record takes it without a copy
        } catch (IllegalArgumentException duplicate) {
            throw new CorruptDataException("duplicate label in data: " + duplicate.getMessage());
        }
    }

    public static ChangeSet decode(byte[] bytes) {
        BinaryReader r = new BinaryReader(bytes);
        int version = r.readByte();
        if (version != FORMAT_VERSION) {
            throw new CorruptDataException("unsupported change-set format version " + version);
        }
        long base = r.readLong();
        long time = r.readLong();
        int n = r.readVarInt();
        if (n > r.remaining()) {
            throw new CorruptDataException("op count " + n + " exceeds data");
        }
        List<Op> ops = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            ops.add(readOp(r));
        }
        if (r.remaining() != 0) {
            throw new CorruptDataException(r.remaining() + " trailing bytes after change set");
        }
        return new ChangeSet(base, time, ops);
    }

    private static Op readOp(BinaryReader r) {
        int tag = r.readByte();
        return switch (tag) {
            case CREATE_NODE -> new CreateNode(r.readLong(), readLabels(r), r.readProperties());
            case DELETE_NODE -> new DeleteNode(r.readLong());
            case SET_NODE_PROPERTY -> new SetNodeProperty(r.readLong(), r.readString(), r.readValue());
            case ADD_LABEL -> new AddLabel(r.readLong(), r.readString());
            case REMOVE_LABEL -> new RemoveLabel(r.readLong(), r.readString());
            case CREATE_REL -> new CreateRelationship(r.readLong(), r.readString(), r.readLong(), r.readLong(), r.readProperties());
            case DELETE_REL -> new DeleteRelationship(r.readLong());
            case SET_REL_PROPERTY -> new SetRelationshipProperty(r.readLong(), r.readString(), r.readValue());
            case CREATE_SCHEMA -> {
                String name = r.readString();
                int kind = r.readByte();
                if (kind >= IndexDescriptor.Kind.values().length) {
                    throw new CorruptDataException("unknown schema kind " + kind);
                }
                yield new CreateSchemaRule(new IndexDescriptor(name, IndexDescriptor.Kind.values()[kind], r.readString(), r.readString()));
            }
            case DROP_SCHEMA -> new DropSchemaRule(r.readString());
            default -> throw new CorruptDataException("unknown change-set op " + tag);
        };
    }
}
