package io.ccdr.node.bolt;

import io.ccdr.node.graph.ElementIds;
import io.ccdr.node.graph.IsoDuration;
import io.ccdr.node.graph.NodeRecord;
import io.ccdr.node.graph.PathValue;
import io.ccdr.node.graph.RelationshipRecord;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;

import java.lang.reflect.Array;
import java.time.Duration;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.OffsetTime;
import java.time.Period;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Writes PackStream v1 values, including the Bolt structures for graph entities and temporal
 * values, in the encoding of the negotiated protocol version.
 */
final class PackStreamWriter {
    /** Guards against self-referencing collections coming from a buggy backend. */
    private static final int MAX_DEPTH = 1000;

    private final ByteBuf buf;
    private final BoltVersion version;
    private final boolean utcDateTimes;
    private final String databaseId;

    /**
     * @param databaseId the database identifier for element ids (Bolt 5), may be null when no
     *                   graph entities are written
     */
    PackStreamWriter(ByteBuf buf, BoltVersion version, boolean utcDateTimes, String databaseId) {
        this.buf = buf;
        this.version = version;
        this.utcDateTimes = utcDateTimes;
        this.databaseId = databaseId;
    }

    void structHeader(int size, int tag) {
        buf.writeByte(0xB0 | size);
        buf.writeByte(tag);
    }

    void write(Object value) {
        write(value, 0);
    }

    private void write(Object value, int depth) {
        if (depth > MAX_DEPTH) {
            throw new IllegalArgumentException("value nested deeper than " + MAX_DEPTH + " levels");
        }
        if (value == null) {
            buf.writeByte(0xC0);
        } else if (value instanceof Boolean b) {
            buf.writeByte(b ? 0xC3 : 0xC2);
        } else if (value instanceof Long || value instanceof Integer || value instanceof Short || value instanceof Byte) {
            writeLong(((Number) value).longValue());
        } else if (value instanceof Double || value instanceof Float) {
            buf.writeByte(0xC1);
            buf.writeDouble(((Number) value).doubleValue());
        } else if (value instanceof String s) {
            writeString(s);
        } else if (value instanceof Character c) {
            writeString(c.toString());
        } else if (value instanceof byte[] bytes) {
            writeBytes(bytes);
        } else if (value instanceof Map<?, ?> map) {
            writeMapHeader(map.size());
            for (Map.Entry<?, ?> e : map.entrySet()) {
                writeString(String.valueOf(e.getKey()));
                write(e.getValue(), depth + 1);
            }
        } else if (value instanceof Collection<?> list) {
            writeListHeader(list.size());
            for (Object o : list) {
                write(o, depth + 1);
            }
        } else if (value.getClass().isArray()) {
            int n = Array.getLength(value);
            writeListHeader(n);
            for (int i = 0; i < n; i++) {
                write(Array.get(value, i), depth + 1);
            }
        } else if (value instanceof NodeRecord node) {
            writeNode(node, depth);
        } else if (value instanceof RelationshipRecord rel) {
            writeRelationship(rel, depth);
        } else if (value instanceof PathValue path) {
            writePath(path, depth);
        } else {
            writeTemporal(value);
        }
    }

    private void writeTemporal(Object value) {
        if (value instanceof LocalDate d) {
            structHeader(1, 'D');
            writeLong(d.toEpochDay());
        } else if (value instanceof OffsetTime t) {
            structHeader(2, 'T');
            writeLong(t.toLocalTime().toNanoOfDay());
            writeLong(t.getOffset().getTotalSeconds());
        } else if (value instanceof LocalTime t) {
            structHeader(1, 't');
            writeLong(t.toNanoOfDay());
        } else if (value instanceof OffsetDateTime odt) {
            writeDateTime(odt.toZonedDateTime());
        } else if (value instanceof ZonedDateTime zdt) {
            writeDateTime(zdt);
        } else if (value instanceof LocalDateTime ldt) {
            structHeader(2, 'd');
            writeLong(ldt.toEpochSecond(ZoneOffset.UTC));
            writeLong(ldt.getNano());
        } else if (value instanceof IsoDuration d) {
            writeDuration(d.months(), d.days(), d.seconds(), d.nanoseconds());
        } else if (value instanceof Duration d) {
            writeDuration(0, 0, d.getSeconds(), d.getNano());
        } else if (value instanceof Period p) {
            writeDuration(p.toTotalMonths(), p.getDays(), 0, 0);
        } else {
            throw new IllegalArgumentException("cannot send a value of type " + value.getClass().getName() + " over Bolt");
        }
    }

    private void writeDuration(long months, long days, long seconds, int nanos) {
        structHeader(4, 'E');
        writeLong(months);
        writeLong(days);
        writeLong(seconds);
        writeLong(nanos);
    }

    private void writeDateTime(ZonedDateTime zdt) {
        boolean offsetOnly = zdt.getZone() instanceof ZoneOffset;
        if (utcDateTimes) {
            structHeader(3, offsetOnly ? 'I' : 'i');
            writeLong(zdt.toEpochSecond());
        } else {
            structHeader(3, offsetOnly ? 'F' : 'f');
            writeLong(zdt.toLocalDateTime().toEpochSecond(ZoneOffset.UTC));
        }
        writeLong(zdt.getNano());
        if (offsetOnly) {
            writeLong(zdt.getOffset().getTotalSeconds());
        } else {
            writeString(zdt.getZone().getId());
        }
    }

    private void writeNode(NodeRecord node, int depth) {
        boolean ids = version.elementIds();
        structHeader(ids ? 4 : 3, 'N');
        writeLong(node.id());
        write(node.labels(), depth + 1);
        write(node.properties(), depth + 1);
        if (ids) {
            writeString(ElementIds.node(databaseId, node.id()));
        }
    }

    private void writeRelationship(RelationshipRecord rel, int depth) {
        boolean ids = version.elementIds();
        structHeader(ids ? 8 : 5, 'R');
        writeLong(rel.id());
        writeLong(rel.startNode());
        writeLong(rel.endNode());
        writeString(rel.type());
        write(rel.properties(), depth + 1);
        if (ids) {
            writeString(ElementIds.relationship(databaseId, rel.id()));
            writeString(ElementIds.node(databaseId, rel.startNode()));
            writeString(ElementIds.node(databaseId, rel.endNode()));
        }
    }

    private void writeUnboundRelationship(RelationshipRecord rel, int depth) {
        boolean ids = version.elementIds();
        structHeader(ids ? 4 : 3, 'r');
        writeLong(rel.id());
        writeString(rel.type());
        write(rel.properties(), depth + 1);
        if (ids) {
            writeString(ElementIds.relationship(databaseId, rel.id()));
        }
    }

    /**
     * A path is sent as its nodes, its relationships without end points, and a sequence of
     * (relationship index, node index) pairs: relationship indexes are 1-based and negative when
     * the relationship is traversed against its direction. Nodes and relationships are listed in
     * path order (not de-duplicated), which drivers accept.
     */
    private void writePath(PathValue path, int depth) {
        structHeader(3, 'P');
        List<NodeRecord> nodes = path.nodes();
        List<RelationshipRecord> rels = path.relationships();
        writeListHeader(nodes.size());
        for (NodeRecord n : nodes) {
            writeNode(n, depth + 1);
        }
        writeListHeader(rels.size());
        for (RelationshipRecord r : rels) {
            writeUnboundRelationship(r, depth + 1);
        }
        writeListHeader(rels.size() * 2);
        for (int i = 0; i < rels.size(); i++) {
            RelationshipRecord r = rels.get(i);
            long from = nodes.get(i).id();
            long to = nodes.get(i + 1).id();
            boolean forward = r.startNode() == from && r.endNode() == to;
            if (!forward && !(r.startNode() == to && r.endNode() == from)) {
                throw new IllegalArgumentException("relationship " + r.id() + " does not connect path nodes " + from
                        + " and " + to);
            }
            writeLong(forward ? i + 1 : -(i + 1));
            writeLong(i + 1);
        }
    }

    void writeLong(long v) {
        if (v >= -16 && v < 128) {
            buf.writeByte((int) v);
        } else if (v >= Byte.MIN_VALUE && v <= Byte.MAX_VALUE) {
            buf.writeByte(0xC8);
            buf.writeByte((int) v);
        } else if (v >= Short.MIN_VALUE && v <= Short.MAX_VALUE) {
            buf.writeByte(0xC9);
            buf.writeShort((int) v);
        } else if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
            buf.writeByte(0xCA);
            buf.writeInt((int) v);
        } else {
            buf.writeByte(0xCB);
            buf.writeLong(v);
        }
    }

    void writeString(String s) {
        int n = ByteBufUtil.utf8Bytes(s);
        if (n < 16) {
            buf.writeByte(0x80 | n);
        } else if (n <= 0xFF) {
            buf.writeByte(0xD0);
            buf.writeByte(n);
        } else if (n <= 0xFFFF) {
            buf.writeByte(0xD1);
            buf.writeShort(n);
        } else {
            buf.writeByte(0xD2);
            buf.writeInt(n);
        }
        ByteBufUtil.reserveAndWriteUtf8(buf, s, n);
    }

    private void writeBytes(byte[] b) {
        if (b.length <= 0xFF) {
            buf.writeByte(0xCC);
            buf.writeByte(b.length);
        } else if (b.length <= 0xFFFF) {
            buf.writeByte(0xCD);
            buf.writeShort(b.length);
        } else {
            buf.writeByte(0xCE);
            buf.writeInt(b.length);
        }
        buf.writeBytes(b);
    }

    void writeListHeader(int n) {
        if (n < 16) {
            buf.writeByte(0x90 | n);
        } else if (n <= 0xFF) {
            buf.writeByte(0xD4);
            buf.writeByte(n);
        } else if (n <= 0xFFFF) {
            buf.writeByte(0xD5);
            buf.writeShort(n);
        } else {
            buf.writeByte(0xD6);
            buf.writeInt(n);
        }
    }

    void writeMapHeader(int n) {
        if (n < 16) {
            buf.writeByte(0xA0 | n);
        } else if (n <= 0xFF) {
            buf.writeByte(0xD8);
            buf.writeByte(n);
        } else if (n <= 0xFFFF) {
            buf.writeByte(0xD9);
            buf.writeShort(n);
        } else {
            buf.writeByte(0xDA);
            buf.writeInt(n);
        }
    }
}
