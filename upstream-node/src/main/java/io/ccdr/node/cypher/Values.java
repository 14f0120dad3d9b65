package io.ccdr.node.cypher;

import io.ccdr.node.graph.NodeRecord;
import io.ccdr.node.memory.HeapEstimate;
import io.ccdr.node.graph.PathValue;
import io.ccdr.node.graph.RelationshipRecord;

import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetTime;
import java.time.ZonedDateTime;
import java.time.temporal.Temporal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Cypher value semantics: three-valued equality and comparison, the global sort order, grouping
 * equivalence and type names. While a query runs, entities are held as references (ids) so that
 * property reads always see the transaction's latest writes.
 */
final class Values {
    private Values() {
    }

    record NodeRef(long id) {
    }

    record RelRef(long id) {
    }

    /** nodes.size() == rels.size() + 1. */
    record PathRef(List<Long> nodes, List<Long> rels) {
    }

    /**
     * Approximate heap a value held by an eager operator retains (see {@link HeapEstimate}): entity
     * references are ids, records carry their properties.
     */
    static long heapSize(Object o) {
        if (o instanceof NodeRef || o instanceof RelRef) {
            return HeapEstimate.OBJECT + 8;
        }
        if (o instanceof PathRef p) {
            return HeapEstimate.OBJECT + 2 * HeapEstimate.LIST + (HeapEstimate.REFERENCE + HeapEstimate.OBJECT + 8)
                    * (p.nodes().size() + p.rels().size());
        }
        if (o instanceof NodeRecord n) {
            return HeapEstimate.OBJECT * 2 + HeapEstimate.of(n.labels()) + HeapEstimate.of(n.properties());
        }
        if (o instanceof RelationshipRecord r) {
            return HeapEstimate.OBJECT * 3 + HeapEstimate.of(r.properties());
        }
        if (o instanceof Temporal || o instanceof CypherDuration) {
            return HeapEstimate.OBJECT * 4;
        }
        if (o instanceof Functions.Range) {
            return HeapEstimate.OBJECT * 2; // its elements are computed when read
        }
        if (o instanceof List<?> l) {
            long size = HeapEstimate.LIST + HeapEstimate.REFERENCE * l.size();
            for (Object e : l) {
                size += heapSize(e);
            }
            return size;
        }
        if (o instanceof Map<?, ?> m) {
            long size = HeapEstimate.MAP;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                size += HeapEstimate.MAP_ENTRY + heapSize(e.getValue());
            }
            return size;
        }
        return HeapEstimate.of(o);
    }

    static boolean isNumber(Object o) {
        return o instanceof Long || o instanceof Double;
    }

    static String typeName(Object o) {
        if (o == null) {
            return "NULL";
        }
        if (o instanceof Long) {
            return "Integer";
        }
        if (o instanceof Double) {
            return "Float";
        }
        if (o instanceof String) {
            return "String";
        }
        if (o instanceof Boolean) {
            return "Boolean";
        }
        if (o instanceof List) {
            return "List<T>";
        }
        if (o instanceof Map) {
            return "Map";
        }
        if (o instanceof NodeRef || o instanceof NodeRecord) {
            return "Node";
        }
        if (o instanceof RelRef || o instanceof RelationshipRecord) {
            return "Relationship";
        }
        if (o instanceof PathRef || o instanceof PathValue) {
            return "Path";
        }
        if (o instanceof ZonedDateTime) {
            return "DateTime";
        }
        if (o instanceof LocalDateTime) {
            return "LocalDateTime";
        }
        if (o instanceof LocalDate) {
            return "Date";
        }
        if (o instanceof LocalTime) {
            return "LocalTime";
        }
        if (o instanceof OffsetTime) {
            return "Time";
        }
        if (o instanceof CypherDuration) {
            return "Duration";
        }
        return o.getClass().getSimpleName();
    }

    // ------------------------------------------------------------------ equality

    /** Cypher {@code =}: TRUE, FALSE or null (unknown). */
    static Boolean equal(Object a, Object b) {
        if (a == null || b == null) {
            return null;
        }
        if (isNumber(a) && isNumber(b)) {
            if (a instanceof Long x && b instanceof Long y) {
                return x.longValue() == y.longValue();
            }
            double x = ((Number) a).doubleValue();
            double y = ((Number) b).doubleValue();
            if (a instanceof Long l && !(b instanceof Long)) {
                return (double) l == y && (long) y == l;
            }
            if (b instanceof Long l) {
                return (double) l == x && (long) x == l;
            }
            return x == y;
        }
        if (a instanceof List<?> la && b instanceof List<?> lb) {
            if (la.size() != lb.size()) {
                return false;
            }
            boolean unknown = false;
            for (int i = 0; i < la.size(); i++) {
                Boolean e = equal(la.get(i), lb.get(i));
                if (e == null) {
                    unknown = true;
                } else if (!e) {
                    return false;
                }
            }
            return unknown ? null : true;
        }
        if (a instanceof Map<?, ?> ma && b instanceof Map<?, ?> mb) {
            if (!ma.keySet().equals(mb.keySet())) {
                return false;
            }
            boolean unknown = false;
            for (var e : ma.entrySet()) {
                Boolean eq = equal(e.getValue(), mb.get(e.getKey()));
                if (eq == null) {
                    unknown = true;
                } else if (!eq) {
                    return false;
                }
            }
            return unknown ? null : true;
        }
        if (a.getClass() != b.getClass()) {
            return false;
        }
        return a.equals(b);
    }

    // ------------------------------------------------------------------ comparison

    /** Cypher {@code <}-family comparison: sign, or null when the values are not comparable. */
    static Integer compare(Object a, Object b) {
        if (a == null || b == null) {
            return null;
        }
        if (isNumber(a) && isNumber(b)) {
            if (a instanceof Double d && d.isNaN() || b instanceof Double e && e.isNaN()) {
                return null;
            }
            return compareNumbers(a, b);
        }
        if (a instanceof String x && b instanceof String y) {
            return Integer.signum(x.compareTo(y));
        }
        if (a instanceof Boolean x && b instanceof Boolean y) {
            return Boolean.compare(x, y);
        }
        if (a instanceof List<?> la && b instanceof List<?> lb) {
            int n = Math.min(la.size(), lb.size());
            for (int i = 0; i < n; i++) {
                Integer c = compare(la.get(i), lb.get(i));
                if (c == null) {
                    // lists containing null compare as unknown unless an earlier element decided
                    return null;
                }
                if (c != 0) {
                    return c;
                }
            }
            return Integer.compare(la.size(), lb.size());
        }
        if (a instanceof Temporal && a.getClass() == b.getClass()) {
            return Integer.signum(compareTemporal(a, b));
        }
        return null;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static int compareTemporal(Object a, Object b) {
        if (a instanceof ZonedDateTime x) {
            return x.toInstant().compareTo(((ZonedDateTime) b).toInstant());
        }
        if (a instanceof OffsetTime x) {
            return x.compareTo((OffsetTime) b);
        }
        return ((Comparable) a).compareTo(b);
    }

    static int compareNumbers(Object a, Object b) {
        if (a instanceof Long x && b instanceof Long y) {
            return Long.compare(x, y);
        }
        if (a instanceof Long x) {
            return -compareDoubleLong((Double) b, x);
        }
        if (b instanceof Long y) {
            return compareDoubleLong((Double) a, y);
        }
        return Double.compare((Double) a, (Double) b);
    }

    private static int compareDoubleLong(double d, long l) {
        if (Double.isNaN(d)) {
            return 1;
        }
        int c = Double.compare(d, (double) l);
        if (c != 0) {
            return c;
        }
        // equal as doubles: compare exactly
        return new java.math.BigDecimal(d).compareTo(java.math.BigDecimal.valueOf(l));
    }

    // ------------------------------------------------------------------ global sort order

    private static int orderRank(Object o) {
        if (o instanceof Map) {
            return 0;
        }
        if (o instanceof NodeRef) {
            return 1;
        }
        if (o instanceof RelRef) {
            return 2;
        }
        if (o instanceof List) {
            return 3;
        }
        if (o instanceof PathRef) {
            return 4;
        }
        if (o instanceof ZonedDateTime) {
            return 5;
        }
        if (o instanceof LocalDateTime) {
            return 6;
        }
        if (o instanceof LocalDate) {
            return 7;
        }
        if (o instanceof OffsetTime) {
            return 8;
        }
        if (o instanceof LocalTime) {
            return 9;
        }
        if (o instanceof CypherDuration) {
            return 10;
        }
        if (o instanceof String) {
            return 11;
        }
        if (o instanceof Boolean) {
            return 12;
        }
        if (o instanceof Long || o instanceof Double) {
            return 13;
        }
        if (o == null) {
            return 15;
        }
        return 10;
    }

    /** Total order used by ORDER BY (ascending), with null last, NaN after all numbers. */
    static int orderCompare(Object a, Object b) {
        int ra = orderRank(a);
        int rb = orderRank(b);
        if (ra != rb) {
            return Integer.compare(ra, rb);
        }
        if (a == null) {
            return 0;
        }
        if (isNumber(a)) {
            boolean na = a instanceof Double d && d.isNaN();
            boolean nb = b instanceof Double e && e.isNaN();
            if (na || nb) {
                return Boolean.compare(na, nb);
            }
            return compareNumbers(a, b);
        }
        if (a instanceof String x) {
            return x.compareTo((String) b);
        }
        if (a instanceof Boolean x) {
            return Boolean.compare(x, (Boolean) b);
        }
        if (a instanceof NodeRef x) {
            return Long.compare(x.id(), ((NodeRef) b).id());
        }
        if (a instanceof RelRef x) {
            return Long.compare(x.id(), ((RelRef) b).id());
        }
        if (a instanceof List<?> la) {
            List<?> lb = (List<?>) b;
            int n = Math.min(la.size(), lb.size());
            for (int i = 0; i < n; i++) {
                int c = orderCompare(la.get(i), lb.get(i));
                if (c != 0) {
                    return c;
                }
            }
            return Integer.compare(la.size(), lb.size());
        }
        if (a instanceof PathRef x) {
            PathRef y = (PathRef) b;
            int c = orderCompare(new ArrayList<Object>(x.nodes()), new ArrayList<Object>(y.nodes()));
            return c != 0 ? c : orderCompare(new ArrayList<Object>(x.rels()), new ArrayList<Object>(y.rels()));
        }
        if (a instanceof Map<?, ?> ma) {
            Map<?, ?> mb = (Map<?, ?>) b;
            TreeSet<String> keys = new TreeSet<>();
            ma.keySet().forEach(k -> keys.add((String) k));
            TreeSet<String> keysB = new TreeSet<>();
            mb.keySet().forEach(k -> keysB.add((String) k));
            int c = orderCompare(new ArrayList<Object>(keys), new ArrayList<Object>(keysB));
            if (c != 0) {
                return c;
            }
            for (String k : keys) {
                c = orderCompare(ma.get(k), mb.get(k));
                if (c != 0) {
                    return c;
                }
            }
            return 0;
        }
        if (a instanceof Temporal) {
            return compareTemporal(a, b);
        }
        if (a instanceof CypherDuration x && b instanceof CypherDuration y) {
            // durations are not comparable; ORDER BY still needs a stable total order
            int c = Long.compare(x.months(), y.months());
            c = c != 0 ? c : Long.compare(x.days(), y.days());
            c = c != 0 ? c : Long.compare(x.seconds(), y.seconds());
            return c != 0 ? c : Integer.compare(x.nanos(), y.nanos());
        }
        return 0;
    }

    // ------------------------------------------------------------------ equivalence (DISTINCT, grouping)

    private enum NaNKey { NAN }

    /** A value whose Java equals/hashCode is Cypher equivalence (1 ≡ 1.0, null ≡ null, NaN ≡ NaN). */
    static Object canonical(Object o) {
        if (o instanceof Double d) {
            if (d.isNaN()) {
                return NaNKey.NAN;
            }
            if (d == Math.rint(d) && Math.abs(d) < 9.0e15) {
                return (long) d.doubleValue();
            }
            return d;
        }
        if (o instanceof List<?> l) {
            List<Object> out = new ArrayList<>(l.size());
            for (Object e : l) {
                out.add(canonical(e));
            }
            return out;
        }
        if (o instanceof Map<?, ?> m) {
            Map<Object, Object> out = new LinkedHashMap<>();
            for (var e : m.entrySet()) {
                out.put(e.getKey(), canonical(e.getValue()));
            }
            return new java.util.HashMap<>(out);
        }
        return o;
    }

    // ------------------------------------------------------------------ truthiness

    /** Interprets a predicate result: only TRUE passes a WHERE. */
    static boolean isTrue(Object o) {
        return Boolean.TRUE.equals(o);
    }

    static Boolean asBoolean(Object o, String context) {
        if (o == null || o instanceof Boolean) {
            return (Boolean) o;
        }
        throw Errors.type("Type mismatch: expected Boolean but was " + typeName(o) + context);
    }

    /** Normalises a value coming from a caller (parameters, procedure output) into the engine's value model. */
    static Object fromExternal(Object o) {
        if (o == null || o instanceof Long || o instanceof Double || o instanceof String || o instanceof Boolean) {
            return o;
        }
        if (o instanceof Integer || o instanceof Short || o instanceof Byte) {
            return ((Number) o).longValue();
        }
        if (o instanceof Float f) {
            return f.doubleValue();
        }
        if (o instanceof Character c) {
            return c.toString();
        }
        if (o instanceof NodeRecord n) {
            return new NodeRef(n.id());
        }
        if (o instanceof RelationshipRecord r) {
            return new RelRef(r.id());
        }
        if (o instanceof PathValue pv) {
            return new PathRef(pv.nodes().stream().map(NodeRecord::id).toList(),
                    pv.relationships().stream().map(RelationshipRecord::id).toList());
        }
        if (o instanceof List<?> l) {
            List<Object> out = new ArrayList<>(l.size());
            for (Object e : l) {
                out.add(fromExternal(e));
            }
            return out;
        }
        if (o instanceof Object[] arr) {
            return fromExternal(List.of(arr));
        }
        if (o instanceof long[] arr) {
            List<Object> out = new ArrayList<>();
            for (long v : arr) {
                out.add(v);
            }
            return out;
        }
        if (o instanceof Map<?, ?> m) {
            Map<String, Object> out = new LinkedHashMap<>();
            for (var e : m.entrySet()) {
                out.put(String.valueOf(e.getKey()), fromExternal(e.getValue()));
            }
            return out;
        }
        if (o instanceof Temporal || o instanceof CypherDuration) {
            return o;
        }
        if (o instanceof io.ccdr.node.graph.IsoDuration d) {
            return new CypherDuration(d.months(), d.days(), d.seconds(), d.nanoseconds());
        }
        if (o instanceof java.time.Duration d) {
            return new CypherDuration(0, 0, d.getSeconds(), d.getNano());
        }
        if (o instanceof java.time.Period p) {
            return new CypherDuration(p.toTotalMonths(), p.getDays(), 0, 0);
        }
        throw Errors.type("Unsupported value of type " + o.getClass().getName());
    }
}
