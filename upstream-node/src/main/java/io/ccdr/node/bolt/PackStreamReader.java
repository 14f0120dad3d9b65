package io.ccdr.node.bolt;

import io.ccdr.node.graph.IsoDuration;
import io.netty.buffer.ByteBuf;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads PackStream v1 values from one complete request message.
 *
 * <p>Hostile input is the normal case here, so every declared size is checked against the bytes
 * that remain in the message <em>before</em> anything is allocated (a string, byte array, list or
 * map cannot be longer than what is left: at least one byte per list element, two per map
 * entry), and nesting is limited so that recursion cannot overflow the stack. Violations throw
 * {@link BoltProtocolException#malformed}. Structures that are well-formed but not acceptable as
 * parameters (nodes, points, impossible dates) throw {@link BoltProtocolException#invalid}.
 *
 * <p>Small wire values can decode to much larger heap objects (an empty map is one byte on the
 * wire and ~50 bytes on the heap), so the reader also charges an estimate of the heap each value
 * will take against a budget, again before allocating, and refuses messages that would exceed it.
 */
final class PackStreamReader {
    private final ByteBuf buf;
    private final int maxDepth;
    private final boolean utcDateTimes;
    private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder();
    private final long heapBudget;
    private long heapUsed;

    /**
     * @param utcDateTimes true when date-times use the Bolt 5 UTC encoding ('I', 'i'), false for
     *                     the legacy local-seconds encoding ('F', 'f') of Bolt 4.4 without the
     *                     "utc" patch
     */
    PackStreamReader(ByteBuf buf, int maxDepth, boolean utcDateTimes, long heapBudget) {
        this.buf = buf;
        this.heapBudget = heapBudget;
        this.maxDepth = maxDepth;
        this.utcDateTimes = utcDateTimes;
    }

    /** Estimated heap taken by the values read so far. */
    long heapUsed() {
        return heapUsed;
    }

    private void charge(long bytes) {
        heapUsed += bytes;
        if (heapUsed > heapBudget) {
            throw new BoltProtocolException(BoltProtocolException.INVALID, "Message would decode to more than "
                    + heapBudget + " bytes of values", true);
        }
    }

    /** Reads a structure header; returns {@code size << 8 | tag}. */
    int readStructHeader() {
        int marker = readMarker();
        if ((marker & 0xF0) != 0xB0) {
            throw BoltProtocolException.malformed(String.format("expected a structure, found marker 0x%02X", marker));
        }
        need(1);
        return ((marker & 0x0F) << 8) | buf.readUnsignedByte();
    }

    Object readValue() {
        return read(1);
    }

    private int readMarker() {
        need(1);
        return buf.readUnsignedByte();
    }

    private void need(long n) {
        if (buf.readableBytes() < n) {
            throw BoltProtocolException.malformed("message truncated: needs " + n + " more bytes, " + buf.readableBytes()
                    + " remain");
        }
    }

    /** Checks a declared element count against the remaining bytes before anything is allocated. */
    private int checkedCount(long declared, int minBytesEach, String what) {
        if (declared > buf.readableBytes() / minBytesEach) {
            throw BoltProtocolException.malformed(what + " declares " + declared + " elements but only "
                    + buf.readableBytes() + " bytes remain in the message");
        }
        return (int) declared;
    }

    private Object read(int depth) {
        int marker = readMarker();
        charge(16);
        if (marker < 0x80) {
            return (long) marker;
        }
        if (marker >= 0xF0) {
            return (long) (byte) marker;
        }
        switch (marker & 0xF0) {
            case 0x80:
                return readString(marker & 0x0F);
            case 0x90:
                return readList(marker & 0x0F, depth);
            case 0xA0:
                return readMap(marker & 0x0F, depth);
            case 0xB0:
                need(1);
                return readStructure(marker & 0x0F, buf.readUnsignedByte(), depth);
            default:
                break;
        }
        switch (marker) {
            case 0xC0:
                return null;
            case 0xC1:
                need(8);
                return buf.readDouble();
            case 0xC2:
                return Boolean.FALSE;
            case 0xC3:
                return Boolean.TRUE;
            case 0xC8:
                need(1);
                return (long) buf.readByte();
            case 0xC9:
                need(2);
                return (long) buf.readShort();
            case 0xCA:
                need(4);
                return (long) buf.readInt();
            case 0xCB:
                need(8);
                return buf.readLong();
            case 0xCC:
                need(1);
                return readBytes(buf.readUnsignedByte());
            case 0xCD:
                need(2);
                return readBytes(buf.readUnsignedShort());
            case 0xCE:
                need(4);
                return readBytes(buf.readUnsignedInt());
            case 0xD0:
                need(1);
                return readString(buf.readUnsignedByte());
            case 0xD1:
                need(2);
                return readString(buf.readUnsignedShort());
            case 0xD2:
                need(4);
                return readString(buf.readUnsignedInt());
            case 0xD4:
                need(1);
                return readList(buf.readUnsignedByte(), depth);
            case 0xD5:
                need(2);
                return readList(buf.readUnsignedShort(), depth);
            case 0xD6:
                need(4);
                return readList(buf.readUnsignedInt(), depth);
            case 0xD8:
                need(1);
                return readMap(buf.readUnsignedByte(), depth);
            case 0xD9:
                need(2);
                return readMap(buf.readUnsignedShort(), depth);
            case 0xDA:
                need(4);
                return readMap(buf.readUnsignedInt(), depth);
            default:
                throw BoltProtocolException.malformed(String.format("unknown PackStream marker 0x%02X", marker));
        }
    }

    private byte[] readBytes(long length) {
        int n = checkedCount(length, 1, "byte array");
        charge(16L + n);
        byte[] out = new byte[n];
        buf.readBytes(out);
        return out;
    }

    String readString() {
        Object v = read(1);
        if (v instanceof String s) {
            return s;
        }
        throw BoltProtocolException.malformed("expected a string");
    }

    private String readString(long length) {
        int n = checkedCount(length, 1, "string");
        charge(40L + 2L * n);
        if (n == 0) {
            return "";
        }
        ByteBuffer bytes = buf.nioBuffer(buf.readerIndex(), n);
        buf.skipBytes(n);
        try {
            return utf8.reset().decode(bytes).toString();
        } catch (CharacterCodingException e) {
            throw BoltProtocolException.malformed("string is not valid UTF-8");
        }
    }

    private List<Object> readList(long size, int depth) {
        int n = checkedCount(size, 1, "list");
        enter(depth);
        charge(16L + 4L * n);
        List<Object> list = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            list.add(read(depth + 1));
        }
        return list;
    }

    Map<String, Object> readMap() {
        int marker = readMarker();
        long size;
        if ((marker & 0xF0) == 0xA0) {
            size = marker & 0x0F;
        } else if (marker == 0xD8) {
            need(1);
            size = buf.readUnsignedByte();
        } else if (marker == 0xD9) {
            need(2);
            size = buf.readUnsignedShort();
        } else if (marker == 0xDA) {
            need(4);
            size = buf.readUnsignedInt();
        } else {
            throw BoltProtocolException.malformed(String.format("expected a map, found marker 0x%02X", marker));
        }
        return readMap(size, 1);
    }

    private Map<String, Object> readMap(long size, int depth) {
        int n = checkedCount(size, 2, "map");
        enter(depth);
        charge(48L + 40L * n);
        Map<String, Object> map = new LinkedHashMap<>(Math.max(4, n * 2));
        for (int i = 0; i < n; i++) {
            Object key = read(depth + 1);
            if (!(key instanceof String k)) {
                throw BoltProtocolException.malformed("map keys must be strings");
            }
            map.put(k, read(depth + 1));
        }
        return map;
    }

    private void enter(int depth) {
        if (depth > maxDepth) {
            throw BoltProtocolException.malformed("values nested deeper than " + maxDepth + " levels");
        }
    }

    private Object readStructure(int size, int tag, int depth) {
        enter(depth);
        checkedCount(size, 1, "structure");
        charge(32L + 8L * size);
        Object[] f = new Object[size];
        for (int i = 0; i < size; i++) {
            f[i] = read(depth + 1);
        }
        try {
            return switch (tag) {
                case 'D' -> LocalDate.ofEpochDay(longField(f, 0, 1, tag));
                case 'T' -> OffsetTime.of(LocalTime.ofNanoOfDay(longField(f, 0, 2, tag)),
                        ZoneOffset.ofTotalSeconds(Math.toIntExact(longField(f, 1, 2, tag))));
                case 't' -> LocalTime.ofNanoOfDay(longField(f, 0, 1, tag));
                case 'd' -> LocalDateTime.ofEpochSecond(longField(f, 0, 2, tag), nanos(f, 1, 2, tag), ZoneOffset.UTC);
                case 'E' -> new IsoDuration(longField(f, 0, 4, tag), longField(f, 1, 4, tag), longField(f, 2, 4, tag),
                        nanos(f, 3, 4, tag));
                case 'I', 'i', 'F', 'f' -> dateTime(tag, f);
                case 'N', 'R', 'r', 'P' -> throw BoltProtocolException.invalid(
                        "Nodes, relationships and paths cannot be used as parameters");
                case 'X', 'Y' -> throw BoltProtocolException.invalid("Point parameters are not supported");
                default -> throw BoltProtocolException.invalid(String.format("Unknown structure tag 0x%02X", tag));
            };
        } catch (DateTimeException | ArithmeticException e) {
            throw BoltProtocolException.invalid("Invalid temporal value in structure '" + (char) tag + "': "
                    + e.getMessage());
        }
    }

    private ZonedDateTime dateTime(int tag, Object[] f) {
        boolean utcTag = tag == 'I' || tag == 'i';
        if (utcTag != utcDateTimes) {
            throw BoltProtocolException.invalid("Date-time structure '" + (char) tag
                    + "' is not valid in this protocol version");
        }
        long seconds = longField(f, 0, 3, tag);
        int nanos = nanos(f, 1, 3, tag);
        ZoneId zone;
        if (tag == 'I' || tag == 'F') {
            zone = ZoneOffset.ofTotalSeconds(Math.toIntExact(longField(f, 2, 3, tag)));
        } else if (f[2] instanceof String id) {
            zone = ZoneId.of(id);
        } else {
            throw BoltProtocolException.invalid("Structure '" + (char) tag + "' needs a zone id string");
        }
        if (utcTag) {
            return ZonedDateTime.ofInstant(Instant.ofEpochSecond(seconds, nanos), zone);
        }
        return ZonedDateTime.of(LocalDateTime.ofEpochSecond(seconds, nanos, ZoneOffset.UTC), zone);
    }

    private static long longField(Object[] f, int i, int expected, int tag) {
        if (f.length != expected) {
            throw BoltProtocolException.invalid("Structure '" + (char) tag + "' needs " + expected + " fields, got "
                    + f.length);
        }
        if (f[i] instanceof Long l) {
            return l;
        }
        throw BoltProtocolException.invalid("Field " + i + " of structure '" + (char) tag + "' must be an integer");
    }

    private static int nanos(Object[] f, int i, int expected, int tag) {
        long n = longField(f, i, expected, tag);
        if (n < 0 || n >= 1_000_000_000L) {
            throw BoltProtocolException.invalid("Nanoseconds out of range in structure '" + (char) tag + "'");
        }
        return (int) n;
    }
}
