package io.ccdr.node.store;

import java.util.List;
import java.util.Objects;

/** Cypher equality for property values: {@code 1 = 1.0}; lists compare element-wise. */
final class PropertyEquality {
    private PropertyEquality() {
    }

    static boolean equal(Object a, Object b) {
        if (a == null || b == null) {
            return false;
        }
        if (a instanceof Number x && b instanceof Number y && (a instanceof Double || b instanceof Double)) {
            return x.doubleValue() == y.doubleValue();
        }
        if (a instanceof List<?> l1 && b instanceof List<?> l2) {
            if (l1.size() != l2.size()) {
                return false;
            }
            for (int i = 0; i < l1.size(); i++) {
                if (!equal(l1.get(i), l2.get(i))) {
                    return false;
                }
            }
            return true;
        }
        if (a instanceof Integer i) {
            a = i.longValue();
        }
        if (b instanceof Integer i) {
            b = i.longValue();
        }
        return Objects.equals(a, b);
    }

    /** Other encodings of an equal number, so an index lookup for 1 also finds 1.0. */
    static List<Object> alternatives(Object value) {
        if (value instanceof Long l) {
            return List.of(l.doubleValue());
        }
        if (value instanceof Integer i) {
            return List.of(i.longValue(), i.doubleValue());
        }
        if (value instanceof Double d && d == Math.rint(d) && !Double.isInfinite(d) && Math.abs(d) < 9.0e15) {
            return List.of(d.longValue());
        }
        return List.of();
    }
}
