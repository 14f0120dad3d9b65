package io.ccdr.node.tx;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads what {@link BinaryWriter} wrote. Every length is checked against the bytes remaining
 * before anything is allocated, and nesting is bounded, so corrupt or hostile input fails with
 * {@link CorruptDataException} instead of exhausting memory or the stack.
 */
public final class BinaryReader {
    private static final int MAX_DEPTH = 32;

    private final byte[] buf;
    private int pos;
    private final int end;

    public BinaryReader(byte[] buf) {
        this(buf, 0, buf.length);
    }

    public BinaryReader(byte[] buf, int offset, int length) {
        this.buf = buf;
        this.pos = offset;
        this.end = offset + length;
    }

    public int remaining() {
        return end - pos;
    }

    private void need(long n) {
        if (n < 0 || n > end - pos) {
            throw new CorruptDataException("truncated: need " + n + " bytes at offset " + pos + ", have " + (end - pos));
        }
    }

    public int readByte() {
        need(1);
        return buf[pos++] & 0xFF;
    }

    public long readLong() {
        need(8);
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (buf[pos++] & 0xFF);
        }
        return v;
    }

    public int readVarInt() {
        int v = 0;
        for (int shift = 0; shift < 35; shift += 7) {
            int b = readByte();
            v |= (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                if (v < 0) {
                    throw new CorruptDataException("length overflow at offset " + pos);
                }
                return v;
            }
        }
        throw new CorruptDataException("malformed varint at offset " + pos);
    }

    /** Moves past {@code n} bytes (a caller that reads them in place). */
    public void skip(int n) {
        need(n);
        pos += n;
    }

    public byte[] readBytes(int n) {
        need(n);
        byte[] out = new byte[n];
        System.arraycopy(buf, pos, out, 0, n);
        pos += n;
        return out;
    }

    public String readString() {
        int n = readVarInt();
        need(n);
        String s = new String(buf, pos, n, StandardCharsets.UTF_8);
        pos += n;
        return s;
    }

    public Object readValue() {
        return readValue(0);
    }

    private Object readValue(int depth) {
        if (depth > MAX_DEPTH) {
            throw new CorruptDataException("values nested deeper than " + MAX_DEPTH);
        }
        int tag = readByte();
        switch (tag) {
            case BinaryWriter.NULL:
                return null;
            case BinaryWriter.FALSE:
                return Boolean.FALSE;
            case BinaryWriter.TRUE:
                return Boolean.TRUE;
            case BinaryWriter.LONG:
                return readLong();
            case BinaryWriter.DOUBLE:
                return Double.longBitsToDouble(readLong());
            case BinaryWriter.STRING:
                return readString();
            case BinaryWriter.LIST: {
                int n = readVarInt();
                need(n); // every element takes at least one byte
                List<Object> list = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    list.add(readValue(depth + 1));
                }
                return Collections.unmodifiableList(list);
            }
            case BinaryWriter.MAP: {
                int n = readVarInt();
                need(2L * n);
                Map<String, Object> map = new HashMap<>(n * 2);
                for (int i = 0; i < n; i++) {
                    map.put(readString(), readValue(depth + 1));
                }
                return Collections.unmodifiableMap(map);
            }
            default:
                throw new CorruptDataException("unknown value tag " + tag + " at offset " + (pos - 1));
        }
    }

    /** An immutable map (copying it, e.g. into a change-set record, is then free). */
    @SuppressWarnings("unchecked")
    public Map<String, Object> readProperties() {
        int n = readVarInt();
        need(2L * n);
        Map.Entry<String, Object>[] entries = new Map.Entry[n];
        for (int i = 0; i < n; i++) {
            entries[i] = Map.entry(readString(), readValue());
        }
        try {
            return Map.ofEntries(entries);
        } catch (IllegalArgumentException duplicate) {
            throw new CorruptDataException("duplicate property key in data: " + duplicate.getMessage());
        }
    }
}
