package io.ccdr.node.graph;

import java.util.List;

/**
 * The value types a property may hold, as in Neo4j: {@code Boolean}, {@code Long}, {@code Double},
 * {@code String}, and homogeneous lists of those. Integers of other widths are normalised to
 * {@code Long}, floats to {@code Double}.
 */
public final class PropertyValues {
    private PropertyValues() {
    }

    /** Returns the normalised value or throws {@code Neo.ClientError.Statement.TypeError}. */
    public static Object normalise(String key, Object value) {
        if (value == null) {
            return null;
        }
        if (value instanceof Boolean || value instanceof Long || value instanceof Double || value instanceof String) {
            return value;
        }
        if (value instanceof Integer || value instanceof Short || value instanceof Byte) {
            return ((Number) value).longValue();
        }
        if (value instanceof Float f) {
            return f.doubleValue();
        }
        if (value instanceof List<?> list) {
            Class<?> kind = null;
            var out = new java.util.ArrayList<Object>(list.size());
            for (Object element : list) {
                Object e = normalise(key, element);
                if (e == null || e instanceof List) {
                    throw typeError(key, value);
                }
                if (kind != null && kind != e.getClass()) {
                    throw typeError(key, value);
                }
                kind = e.getClass();
                out.add(e);
            }
            return List.copyOf(out);
        }
        throw typeError(key, value);
    }

    private static GraphException typeError(String key, Object value) {
        return new GraphException("Neo.ClientError.Statement.TypeError",
                "Property values can only be of primitive types or arrays thereof; got " + value.getClass().getSimpleName()
                        + " for property '" + key + "'");
    }
}
