package io.ccdr.node.memory;

import java.util.Collection;
import java.util.Map;

/**
 * Approximate retained heap of values, for the transaction memory limits. The figures are those of
 * a 64-bit JVM with compressed references (12-byte object headers, 8-byte alignment); they err on
 * the high side for values shared between rows, which is the safe side for a limit whose purpose
 * is that the server never runs out of heap.
 */
public final class HeapEstimate {
    /** A small object: header and a field or two (a boxed number, a reference wrapper). */
    public static final long OBJECT = 16;
    /** One entry of a HashMap (node, reference in the table with the table's slack). */
    public static final long MAP_ENTRY = 48;
    /** An empty HashMap or LinkedHashMap. */
    public static final long MAP = 64;
    /** An empty ArrayList with its array header. */
    public static final long LIST = 40;
    public static final long REFERENCE = 8;

    private HeapEstimate() {
    }

    /**
     * The heap a value of the graph model or plain Java collections of them takes: null, Boolean,
     * numbers, String, arrays, List/Set, Map. Unknown types count as a small object.
     */
    public static long of(Object v) {
        if (v == null || v instanceof Boolean) {
            return 0; // Boolean.TRUE/FALSE are shared
        }
        if (v instanceof String s) {
            return string(s);
        }
        if (v instanceof Number) {
            return OBJECT + 8;
        }
        if (v instanceof Map<?, ?> m) {
            long size = MAP;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                size += MAP_ENTRY + of(e.getValue()); // keys are property names, shared across entities
            }
            return size;
        }
        if (v instanceof Collection<?> c) {
            long size = LIST + REFERENCE * c.size();
            for (Object o : c) {
                size += of(o);
            }
            return size;
        }
        if (v instanceof byte[] b) {
            return array(b.length);
        }
        if (v instanceof long[] a) {
            return array(8L * a.length);
        }
        if (v instanceof double[] a) {
            return array(8L * a.length);
        }
        if (v instanceof int[] a) {
            return array(4L * a.length);
        }
        if (v instanceof boolean[] a) {
            return array(a.length);
        }
        if (v instanceof Object[] a) {
            long size = array(REFERENCE * a.length);
            for (Object o : a) {
                size += of(o);
            }
            return size;
        }
        return OBJECT * 2;
    }

    /** A String: the object, its byte array, one byte per char when all are Latin-1 (compact strings), else two. */
    public static long string(String s) {
        int n = s.length();
        boolean latin1 = true;
        for (int i = 0; i < n && latin1; i++) {
            latin1 = s.charAt(i) < 0x100;
        }
        return 24 + array(latin1 ? n : 2L * n);
    }

    private static long array(long payload) {
        return (16 + payload + 7) & ~7L;
    }
}
