package io.ccdr.node.store;

import io.ccdr.node.tx.BinaryWriter;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Key layouts of the column families. Ids are 8-byte big-endian so that RocksDB's byte order is
 * numeric order. Variable-length parts are followed by a 0x00 separator (names never contain NUL).
 *
 * <pre>
 * nodes      : nodeId                                   -> version, labels, properties
 * rels       : relId                                    -> version, type, start, end, properties
 * labels     : label 0x00 nodeId                        -> (empty)
 * adjacency  : nodeId dir(0=out,1=in) type 0x00 relId   -> otherNodeId
 * properties : rule 0x00 encodedValue nodeId            -> (empty)   encodedValue is self-delimiting
 * txlog      : txId                                     -> commitTime, chainHash, changeSetBytes
 * meta       : ascii name                               -> value
 * </pre>
 */
final class Keys {
    static final byte OUT = 0, IN = 1;

    private Keys() {
    }

    static byte[] id(long id) {
        byte[] b = new byte[8];
        putLong(b, 0, id);
        return b;
    }

    static void putLong(byte[] b, int off, long v) {
        for (int i = 0; i < 8; i++) {
            b[off + i] = (byte) (v >>> (56 - 8 * i));
        }
    }

    static long getLong(byte[] b, int off) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (b[off + i] & 0xFF);
        }
        return v;
    }

    static byte[] labelPrefix(String label) {
        byte[] l = label.getBytes(StandardCharsets.UTF_8);
        byte[] k = Arrays.copyOf(l, l.length + 1);
        return k;
    }

    static byte[] label(String label, long nodeId) {
        byte[] p = labelPrefix(label);
        byte[] k = Arrays.copyOf(p, p.length + 8);
        putLong(k, p.length, nodeId);
        return k;
    }

    static byte[] adjacencyPrefix(long nodeId) {
        return id(nodeId);
    }

    static byte[] adjacencyPrefix(long nodeId, byte dir) {
        byte[] k = Arrays.copyOf(id(nodeId), 9);
        k[8] = dir;
        return k;
    }

    static byte[] adjacencyPrefix(long nodeId, byte dir, String type) {
        byte[] t = type.getBytes(StandardCharsets.UTF_8);
        byte[] k = new byte[9 + t.length + 1];
        putLong(k, 0, nodeId);
        k[8] = dir;
        System.arraycopy(t, 0, k, 9, t.length);
        return k;
    }

    static byte[] adjacency(long nodeId, byte dir, String type, long relId) {
        byte[] p = adjacencyPrefix(nodeId, dir, type);
        byte[] k = Arrays.copyOf(p, p.length + 8);
        putLong(k, p.length, relId);
        return k;
    }

    static byte[] propertyPrefix(String rule, Object value) {
        byte[] r = rule.getBytes(StandardCharsets.UTF_8);
        byte[] v = new BinaryWriter(16).writeValue(value).toByteArray();
        byte[] k = new byte[r.length + 1 + v.length];
        System.arraycopy(r, 0, k, 0, r.length);
        System.arraycopy(v, 0, k, r.length + 1, v.length);
        return k;
    }

    static byte[] propertyRulePrefix(String rule) {
        return labelPrefix(rule);
    }

    static byte[] property(String rule, Object value, long nodeId) {
        byte[] p = propertyPrefix(rule, value);
        byte[] k = Arrays.copyOf(p, p.length + 8);
        putLong(k, p.length, nodeId);
        return k;
    }

    static boolean startsWith(byte[] key, byte[] prefix) {
        if (key.length < prefix.length) {
            return false;
        }
        return Arrays.equals(key, 0, prefix.length, prefix, 0, prefix.length);
    }

    /** The smallest key greater than every key starting with {@code prefix} (for iterate bounds). */
    static byte[] upperBound(byte[] prefix) {
        byte[] b = prefix.clone();
        for (int i = b.length - 1; i >= 0; i--) {
            if (b[i] != (byte) 0xFF) {
                b[i]++;
                return Arrays.copyOf(b, i + 1);
            }
        }
        return null;
    }
}
