package io.ccdr.node.tx;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * A growable big-endian byte writer for the store and change-set formats. Maps are written with
 * sorted keys so equal values always produce equal bytes (the chain hash depends on it).
 */
public final class BinaryWriter {
    static final byte NULL = 0, FALSE = 1, TRUE = 2, LONG = 3, DOUBLE = 4, STRING = 5, LIST = 6, MAP = 7;

    private byte[] buf;
    private int pos;

    public BinaryWriter() {
        this(64);
    }

    public BinaryWriter(int capacity) {
        buf = new byte[Math.max(16, capacity)];
    }

    private void ensure(int n) {
        if (pos + n > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, pos + n));
        }
    }

    public BinaryWriter writeByte(int b) {
        ensure(1);
        buf[pos++] = (byte) b;
        return this;
    }

    public BinaryWriter writeLong(long v) {
        ensure(8);
        for (int i = 7; i >= 0; i--) {
            buf[pos++] = (byte) (v >>> (i * 8));
        }
        return this;
    }

    /** Unsigned LEB128 for lengths and counts. */
    public BinaryWriter writeVarInt(int v) {
        if (v < 0) {
            throw new IllegalArgumentException("negative length " + v);
        }
        while ((v & ~0x7F) != 0) {
            writeByte((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        return writeByte(v);
    }

    public BinaryWriter writeBytes(byte[] b) {
        ensure(b.length);
        System.arraycopy(b, 0, buf, pos, b.length);
        pos += b.length;
        return this;
    }

    public BinaryWriter writeString(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        writeVarInt(b.length);
        return writeBytes(b);
    }

    public BinaryWriter writeValue(Object v) {
        if (v == null) {
            return writeByte(NULL);
        } else if (v instanceof Boolean b) {
            return writeByte(b ? TRUE : FALSE);
        } else if (v instanceof Long l) {
            return writeByte(LONG).writeLong(l);
        } else if (v instanceof Integer i) {
            return writeByte(LONG).writeLong(i);
        } else if (v instanceof Double d) {
            return writeByte(DOUBLE).writeLong(Double.doubleToLongBits(d));
        } else if (v instanceof String s) {
            writeByte(STRING);
            return writeString(s);
        } else if (v instanceof List<?> list) {
            writeByte(LIST).writeVarInt(list.size());
            for (Object e : list) {
                writeValue(e);
            }
            return this;
        } else if (v instanceof Map<?, ?> map) {
            writeByte(MAP);
            @SuppressWarnings("unchecked")
            Map<String, Object> m = (Map<String, Object>) map;
            return writeSortedEntries(m);
        }
        throw new IllegalArgumentException("cannot encode value of type " + v.getClass().getName());
    }

    public BinaryWriter writeProperties(Map<String, Object> properties) {
        return writeSortedEntries(properties);
    }

    /** Count, then entries in key order (no sorted copy of the map: most have a handful of keys). */
    private BinaryWriter writeSortedEntries(Map<String, Object> map) {
        int n = map.size();
        writeVarInt(n);
        if (n == 1) {
            var e = map.entrySet().iterator().next();
            writeString(e.getKey());
            return writeValue(e.getValue());
        }
        String[] keys = map.keySet().toArray(new String[n]);
        Arrays.sort(keys);
        for (String k : keys) {
            writeString(k);
            writeValue(map.get(k));
        }
        return this;
    }

    public int size() {
        return pos;
    }

    public byte[] toByteArray() {
        return Arrays.copyOf(buf, pos);
    }
}
