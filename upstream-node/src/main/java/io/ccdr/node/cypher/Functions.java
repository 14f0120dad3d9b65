package io.ccdr.node.cypher;

import io.ccdr.node.cypher.Ast.Expr;
import io.ccdr.node.cypher.Ast.FunctionCall;
import io.ccdr.node.cypher.Ast.Property;
import io.ccdr.node.cypher.Values.NodeRef;
import io.ccdr.node.cypher.Values.PathRef;
import io.ccdr.node.cypher.Values.RelRef;
import io.ccdr.node.graph.ElementIds;
import io.ccdr.node.graph.RelationshipRecord;

import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoField;
import java.time.temporal.Temporal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.UUID;

/** The scalar functions of the subset, and their arities (checked when a query is compiled). */
final class Functions {
    private Functions() {
    }

    /** name → {min, max} argument count. */
    static final Map<String, int[]> ARITY = new HashMap<>();

    static {
        for (String f : List.of("id", "elementid", "labels", "type", "keys", "properties", "size", "length", "tostring",
                "tointeger", "tofloat", "toboolean", "head", "last", "tail", "abs", "startnode", "endnode", "nodes",
                "relationships", "exists", "toupper", "tolower", "upper", "lower", "trim", "ltrim", "rtrim", "reverse",
                "sign", "ceil", "floor", "sqrt", "exp", "log", "log10", "isempty", "tostringornull", "tointegerornull",
                "tofloatornull", "tobooleanornull", "char_length", "character_length", "sin", "cos", "tan", "asin",
                "acos", "atan", "degrees", "radians", "valuetype", "isnan")) {
            ARITY.put(f, new int[] {1, 1});
        }
        for (String f : List.of("count", "collect", "sum", "avg", "min", "max", "stdev", "stdevp")) {
            ARITY.put(f, new int[] {1, 1});
        }
        ARITY.put("percentilecont", new int[] {2, 2});
        ARITY.put("percentiledisc", new int[] {2, 2});
        ARITY.put("coalesce", new int[] {1, Integer.MAX_VALUE});
        ARITY.put("timestamp", new int[] {0, 0});
        ARITY.put("randomuuid", new int[] {0, 0});
        ARITY.put("rand", new int[] {0, 0});
        ARITY.put("pi", new int[] {0, 0});
        ARITY.put("e", new int[] {0, 0});
        for (String f : List.of("datetime", "date", "localdatetime", "localtime", "time")) {
            ARITY.put(f, new int[] {0, 1});
        }
        ARITY.put("duration", new int[] {1, 1});
        for (String f : List.of("duration.between", "duration.inmonths", "duration.indays", "duration.inseconds")) {
            ARITY.put(f, new int[] {2, 2});
        }
        ARITY.put("range", new int[] {2, 3});
        ARITY.put("round", new int[] {1, 3});
        ARITY.put("replace", new int[] {3, 3});
        ARITY.put("substring", new int[] {2, 3});
        ARITY.put("left", new int[] {2, 2});
        ARITY.put("right", new int[] {2, 2});
        ARITY.put("split", new int[] {2, 2});
        ARITY.put("atan2", new int[] {2, 2});
    }

    static Object call(Eval ev, FunctionCall f, Map<String, Object> row) {
        String name = f.name();
        if (name.equals("exists") && f.args().size() == 1 && f.args().get(0) instanceof Property p) {
            return ev.eval(p, row) != null;
        }
        if (name.equals("coalesce")) {
            for (Expr arg : f.args()) {
                Object v = ev.eval(arg, row);
                if (v != null) {
                    return v;
                }
            }
            return null;
        }
        if (Exprs.AGGREGATES.contains(name)) {
            throw Errors.syntax("Invalid use of aggregating function " + f.displayName() + "(...) in this context");
        }
        List<Object> args = new ArrayList<>(f.args().size());
        for (Expr arg : f.args()) {
            args.add(ev.eval(arg, row));
        }
        Object a = args.isEmpty() ? null : args.get(0);
        switch (name) {
            case "timestamp":
                return ev.ctx.timestamp;
            case "randomuuid":
                return UUID.randomUUID().toString();
            case "rand":
                return Math.random();
            case "pi":
                return Math.PI;
            case "e":
                return Math.E;
            case "datetime":
            case "date":
            case "localdatetime":
            case "localtime":
            case "time":
                return temporal(ev, name, args.isEmpty() ? NO_ARG : a);
            case "range":
                return range(args);
            case "duration":
                if (a == null) {
                    return null;
                }
                if (a instanceof String str) {
                    return CypherDuration.parse(str);
                }
                if (a instanceof Map<?, ?> m) {
                    return CypherDuration.fromMap(m);
                }
                throw wrongType(f, a, "a String or a Map");
            case "duration.between":
            case "duration.inmonths":
            case "duration.indays":
            case "duration.inseconds": {
                Object b = args.get(1);
                if (a == null || b == null) {
                    return null;
                }
                if (!(a instanceof Temporal ta) || !(b instanceof Temporal tb)) {
                    throw wrongType(f, a instanceof Temporal ? b : a, "a temporal value");
                }
                java.time.temporal.ChronoUnit only = switch (name) {
                    case "duration.inmonths" -> java.time.temporal.ChronoUnit.MONTHS;
                    case "duration.indays" -> java.time.temporal.ChronoUnit.DAYS;
                    case "duration.inseconds" -> java.time.temporal.ChronoUnit.SECONDS;
                    default -> null;
                };
                return CypherDuration.between(ta, tb, only);
            }
            default:
                break;
        }
        if (a == null && !name.equals("exists")) {
            return null;
        }
        switch (name) {
            case "id":
                if (a instanceof NodeRef n) {
                    return n.id();
                }
                if (a instanceof RelRef r) {
                    return r.id();
                }
                throw wrongType(f, a, "Node or Relationship");
            case "elementid":
                if (a instanceof NodeRef n) {
                    return ElementIds.node(ev.ctx.databaseId, n.id());
                }
                if (a instanceof RelRef r) {
                    return ElementIds.relationship(ev.ctx.databaseId, r.id());
                }
                throw wrongType(f, a, "Node or Relationship");
            case "labels":
                if (a instanceof NodeRef n) {
                    return new ArrayList<Object>(new TreeSet<>(ev.node(n.id()).labels()));
                }
                throw wrongType(f, a, "Node");
            case "type":
                if (a instanceof RelRef r) {
                    RelationshipRecord deleted = ev.ctx.deletedRelationshipRecords.get(r.id());
                    return deleted != null ? deleted.type() : ev.relationship(r.id()).type();
                }
                throw wrongType(f, a, "Relationship");
            case "keys":
                if (a instanceof Map<?, ?> m) {
                    return new ArrayList<Object>(m.keySet());
                }
                if (a instanceof NodeRef || a instanceof RelRef) {
                    return new ArrayList<Object>(new TreeSet<>(ev.propertiesOf(a).keySet()));
                }
                throw wrongType(f, a, "Map, Node or Relationship");
            case "properties":
                if (a instanceof Map || a instanceof NodeRef || a instanceof RelRef) {
                    return new java.util.LinkedHashMap<>(new java.util.TreeMap<>(ev.propertiesOf(a)));
                }
                throw wrongType(f, a, "Map, Node or Relationship");
            case "size":
                if (a instanceof List<?> l) {
                    return (long) l.size();
                }
                if (a instanceof String s) {
                    return (long) s.codePointCount(0, s.length());
                }
                throw wrongType(f, a, "String or List<T>");
            case "char_length":
            case "character_length":
                if (a instanceof String s) {
                    return (long) s.codePointCount(0, s.length());
                }
                throw wrongType(f, a, "String");
            case "length":
                if (a instanceof PathRef p) {
                    return (long) p.rels().size();
                }
                if (a instanceof String s) {
                    return (long) s.codePointCount(0, s.length());
                }
                if (a instanceof List<?> l) {
                    return (long) l.size();
                }
                throw wrongType(f, a, "Path");
            case "exists":
                return a != null;
            case "isempty":
                if (a instanceof List<?> l) {
                    return l.isEmpty();
                }
                if (a instanceof Map<?, ?> m) {
                    return m.isEmpty();
                }
                if (a instanceof String s) {
                    return s.isEmpty();
                }
                throw wrongType(f, a, "String, List<T> or Map");
            case "tostring":
                if (a instanceof String || Values.isNumber(a) || a instanceof Boolean || a instanceof Temporal
                        || a instanceof CypherDuration) {
                    return toCypherString(a);
                }
                throw wrongType(f, a, "String, Integer, Float, Boolean or a temporal value");
            case "tostringornull":
                return a instanceof String || Values.isNumber(a) || a instanceof Boolean || a instanceof Temporal
                        ? toCypherString(a) : null;
            case "tointeger":
                return toInteger(f, a, true);
            case "tointegerornull":
                return toInteger(f, a, false);
            case "tofloat":
                return toFloat(f, a, true);
            case "tofloatornull":
                return toFloat(f, a, false);
            case "toboolean":
                return toBoolean(f, a, true);
            case "tobooleanornull":
                return toBoolean(f, a, false);
            case "head": {
                List<?> l = listArg(f, a);
                return l.isEmpty() ? null : l.get(0);
            }
            case "last": {
                List<?> l = listArg(f, a);
                return l.isEmpty() ? null : l.get(l.size() - 1);
            }
            case "tail": {
                List<?> l = listArg(f, a);
                return l.isEmpty() ? new ArrayList<>() : new ArrayList<>(l.subList(1, l.size()));
            }
            case "reverse":
                if (a instanceof String s) {
                    return new StringBuilder(s).reverse().toString();
                }
                if (a instanceof List<?> l) {
                    List<Object> out = new ArrayList<>(l);
                    java.util.Collections.reverse(out);
                    return out;
                }
                throw wrongType(f, a, "String or List<T>");
            case "abs":
                if (a instanceof Long l) {
                    if (l == Long.MIN_VALUE) {
                        throw Errors.arithmetic("long overflow");
                    }
                    return Math.abs(l);
                }
                return Math.abs(number(f, a));
            case "sign":
                if (a instanceof Long l) {
                    return (long) Long.signum(l);
                }
                return (long) Math.signum(number(f, a));
            case "ceil":
                return Math.ceil(number(f, a));
            case "floor":
                return Math.floor(number(f, a));
            case "round":
                return round(f, args);
            case "sqrt":
                return Math.sqrt(number(f, a));
            case "exp":
                return Math.exp(number(f, a));
            case "log":
                return Math.log(number(f, a));
            case "log10":
                return Math.log10(number(f, a));
            case "sin":
                return Math.sin(number(f, a));
            case "cos":
                return Math.cos(number(f, a));
            case "tan":
                return Math.tan(number(f, a));
            case "asin":
                return Math.asin(number(f, a));
            case "acos":
                return Math.acos(number(f, a));
            case "atan":
                return Math.atan(number(f, a));
            case "atan2":
                return args.get(1) == null ? null : Math.atan2(number(f, a), number(f, args.get(1)));
            case "degrees":
                return Math.toDegrees(number(f, a));
            case "radians":
                return Math.toRadians(number(f, a));
            case "isnan":
                return a instanceof Double d ? d.isNaN() : Boolean.valueOf(number(f, a) != number(f, a));
            case "startnode":
                if (a instanceof RelRef r) {
                    return new NodeRef(ev.relationship(r.id()).startNode());
                }
                throw wrongType(f, a, "Relationship");
            case "endnode":
                if (a instanceof RelRef r) {
                    return new NodeRef(ev.relationship(r.id()).endNode());
                }
                throw wrongType(f, a, "Relationship");
            case "nodes":
                if (a instanceof PathRef p) {
                    return new ArrayList<Object>(p.nodes().stream().map(NodeRef::new).toList());
                }
                throw wrongType(f, a, "Path");
            case "relationships":
                if (a instanceof PathRef p) {
                    return new ArrayList<Object>(p.rels().stream().map(RelRef::new).toList());
                }
                throw wrongType(f, a, "Path");
            case "toupper":
            case "upper":
                return string(f, a).toUpperCase(Locale.ROOT);
            case "tolower":
            case "lower":
                return string(f, a).toLowerCase(Locale.ROOT);
            case "trim":
                return string(f, a).strip();
            case "ltrim":
                return string(f, a).stripLeading();
            case "rtrim":
                return string(f, a).stripTrailing();
            case "replace": {
                if (args.get(1) == null || args.get(2) == null) {
                    return null;
                }
                return string(f, a).replace(string(f, args.get(1)), string(f, args.get(2)));
            }
            case "substring": {
                String s = string(f, a);
                long start = integer(f, args.get(1));
                Long len = args.size() > 2 ? integer(f, args.get(2)) : null;
                if (start < 0 || (len != null && len < 0)) {
                    throw Errors.argument("Invalid input for function 'substring()': negative start or length");
                }
                if (start >= s.length()) {
                    return "";
                }
                long end = len == null ? s.length() : Math.min(s.length(), start + len);
                return s.substring((int) start, (int) end);
            }
            case "left": {
                String s = string(f, a);
                long n = integer(f, args.get(1));
                if (n < 0) {
                    throw Errors.argument("Invalid input for function 'left()': negative length");
                }
                return s.substring(0, (int) Math.min(n, s.length()));
            }
            case "right": {
                String s = string(f, a);
                long n = integer(f, args.get(1));
                if (n < 0) {
                    throw Errors.argument("Invalid input for function 'right()': negative length");
                }
                return s.substring(s.length() - (int) Math.min(n, s.length()));
            }
            case "split": {
                if (args.get(1) == null) {
                    return null;
                }
                String s = string(f, a);
                String sep = string(f, args.get(1));
                List<Object> out = new ArrayList<>();
                if (sep.isEmpty()) {
                    s.codePoints().forEach(cp -> out.add(new String(Character.toChars(cp))));
                    return out;
                }
                int from = 0;
                while (true) {
                    int idx = s.indexOf(sep, from);
                    if (idx < 0) {
                        out.add(s.substring(from));
                        return out;
                    }
                    out.add(s.substring(from, idx));
                    from = idx + sep.length();
                }
            }
            case "valuetype":
                return Values.typeName(a).toUpperCase(Locale.ROOT) + " NOT NULL";
            default:
                throw Errors.syntax("Unknown function '" + f.displayName() + "'");
        }
    }

    private static final Object NO_ARG = new Object();

    private static RuntimeException wrongType(FunctionCall f, Object a, String expected) {
        return Errors.type("Invalid input for function '" + f.displayName() + "()': Expected " + expected + ", got: "
                + Values.typeName(a));
    }

    private static List<?> listArg(FunctionCall f, Object a) {
        if (a instanceof List<?> l) {
            return l;
        }
        throw wrongType(f, a, "a List");
    }

    private static double number(FunctionCall f, Object a) {
        if (a instanceof Number n) {
            return n.doubleValue();
        }
        throw wrongType(f, a, "a numeric value");
    }

    private static long integer(FunctionCall f, Object a) {
        if (a instanceof Long l) {
            return l;
        }
        throw wrongType(f, a, "an Integer");
    }

    private static String string(FunctionCall f, Object a) {
        if (a instanceof String s) {
            return s;
        }
        throw wrongType(f, a, "a String");
    }

    private static Object round(FunctionCall f, List<Object> args) {
        double v = number(f, args.get(0));
        if (args.size() == 1) {
            return (double) Math.round(v);
        }
        if (args.get(1) == null) {
            return null;
        }
        long precision = integer(f, args.get(1));
        java.math.RoundingMode mode = java.math.RoundingMode.HALF_UP;
        if (args.size() > 2 && args.get(2) != null) {
            try {
                mode = java.math.RoundingMode.valueOf(string(f, args.get(2)).toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw Errors.argument("Unknown rounding mode: " + args.get(2));
            }
        }
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            return v;
        }
        return java.math.BigDecimal.valueOf(v).setScale((int) precision, mode).doubleValue();
    }

    static String toCypherString(Object a) {
        if (a instanceof Double d) {
            if (d.isNaN()) {
                return "NaN";
            }
            if (d.isInfinite()) {
                return d > 0 ? "Infinity" : "-Infinity";
            }
            if (d == Math.rint(d) && Math.abs(d) < 1e16) {
                return String.valueOf(d);
            }
            String s = Double.toString(d);
            return s;
        }
        return String.valueOf(a);
    }

    private static Object toInteger(FunctionCall f, Object a, boolean strict) {
        if (a instanceof Long) {
            return a;
        }
        if (a instanceof Double d) {
            if (d.isNaN() || d.isInfinite() || d >= 9.223372036854775807E18 || d < -9.223372036854775808E18) {
                if (!strict) {
                    return null;
                }
                throw Errors.arithmetic("integer, " + toCypherString(d) + ", is too large");
            }
            return (long) d.doubleValue();
        }
        if (a instanceof Boolean b) {
            return b ? 1L : 0L;
        }
        if (a instanceof String s) {
            try {
                return Long.parseLong(s.strip());
            } catch (NumberFormatException e) {
                try {
                    double d = Double.parseDouble(s.strip());
                    if (Double.isNaN(d) || Double.isInfinite(d)) {
                        return null;
                    }
                    return (long) d;
                } catch (NumberFormatException e2) {
                    return null;
                }
            }
        }
        if (!strict) {
            return null;
        }
        throw wrongType(f, a, "a String, Float, Integer or Boolean");
    }

    private static Object toFloat(FunctionCall f, Object a, boolean strict) {
        if (a instanceof Double) {
            return a;
        }
        if (a instanceof Long l) {
            return l.doubleValue();
        }
        if (a instanceof String s) {
            try {
                return Double.parseDouble(s.strip());
            } catch (NumberFormatException e) {
                return null;
            }
        }
        if (!strict) {
            return null;
        }
        throw wrongType(f, a, "a String, Float or Integer");
    }

    private static Object toBoolean(FunctionCall f, Object a, boolean strict) {
        if (a instanceof Boolean) {
            return a;
        }
        if (a instanceof String s) {
            String t = s.strip().toLowerCase(Locale.ROOT);
            return t.equals("true") ? Boolean.TRUE : t.equals("false") ? Boolean.FALSE : null;
        }
        if (a instanceof Long l) {
            return l != 0;
        }
        if (!strict) {
            return null;
        }
        throw wrongType(f, a, "a String, Integer or Boolean");
    }

    private static Object range(List<Object> args) {
        for (Object o : args) {
            if (o == null) {
                return null;
            }
            if (!(o instanceof Long)) {
                throw Errors.argument("Invalid input for function 'range()': Expected an Integer, got: " + Values.typeName(o));
            }
        }
        long start = (Long) args.get(0);
        long end = (Long) args.get(1);
        long step = args.size() > 2 ? (Long) args.get(2) : 1L;
        if (step == 0) {
            throw Errors.argument("Invalid input for function 'range()': step argument to range() can't be 0");
        }
        // computed, not stored: UNWIND range(1, $n) streams in constant memory
        long count;
        try {
            count = step > 0 ? (end < start ? 0 : Math.subtractExact(end, start) / step + 1)
                    : (end > start ? 0 : Math.subtractExact(start, end) / Math.negateExact(step) + 1);
        } catch (ArithmeticException e) {
            count = Long.MAX_VALUE; // further apart than a long holds: certainly too many
        }
        if (count > 10_000_000) {
            throw Errors.argument("range() would produce more than 10000000 elements");
        }
        return new Range(start, step, (int) count);
    }

    /** The integers of range(): an immutable list whose elements are computed when read. */
    static final class Range extends java.util.AbstractList<Object> implements java.util.RandomAccess {
        private final long start;
        private final long step;
        private final int size;

        Range(long start, long step, int size) {
            this.start = start;
            this.step = step;
            this.size = size;
        }

        @Override
        public Object get(int index) {
            java.util.Objects.checkIndex(index, size);
            return start + step * index;
        }

        @Override
        public int size() {
            return size;
        }
    }

    // ------------------------------------------------------------------ temporal

    private static Object temporal(Eval ev, String kind, Object arg) {
        ZonedDateTime now = ev.ctx.now;
        if (arg == null) {
            return null;
        }
        if (arg == NO_ARG) {
            return switch (kind) {
                case "datetime" -> now;
                case "date" -> now.toLocalDate();
                case "localdatetime" -> now.toLocalDateTime();
                case "localtime" -> now.toLocalTime();
                default -> now.toOffsetDateTime().toOffsetTime();
            };
        }
        try {
            if (arg instanceof String raw) {
                String s = normaliseOffset(raw.strip());
                return switch (kind) {
                    case "datetime" -> parseDateTime(s);
                    case "date" -> LocalDate.parse(s);
                    case "localdatetime" -> LocalDateTime.parse(s);
                    case "localtime" -> LocalTime.parse(s);
                    default -> OffsetTime.parse(s.endsWith("Z") || s.contains("+") || s.lastIndexOf('-') > 0 ? s : s + "Z");
                };
            }
            if (arg instanceof Map<?, ?> m) {
                return fromMap(kind, m, now);
            }
        } catch (DateTimeParseException e) {
            throw Errors.argument("Text cannot be parsed to a " + kind + ": " + arg);
        } catch (java.time.DateTimeException e) {
            throw Errors.argument("Invalid value for " + kind + ": " + e.getMessage());
        }
        throw Errors.type("Invalid input for function '" + kind + "()': Expected a String or Map, got: "
                + Values.typeName(arg));
    }

    /** Accepts the offset spellings Cypher allows ({@code +0100}, {@code +01}) in java.time's form ({@code +01:00}). */
    static String normaliseOffset(String s) {
        if (!s.contains(":")) {
            return s;
        }
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("^(.*\\d)([+-])(\\d{2})(\\d{2})(\\[.*])?$").matcher(s);
        if (m.matches()) {
            return m.group(1) + m.group(2) + m.group(3) + ":" + m.group(4) + (m.group(5) == null ? "" : m.group(5));
        }
        m = java.util.regex.Pattern.compile("^(.*:\\d{2}(?:\\.\\d+)?)([+-])(\\d{2})(\\[.*])?$").matcher(s);
        if (m.matches()) {
            return m.group(1) + m.group(2) + m.group(3) + ":00" + (m.group(4) == null ? "" : m.group(4));
        }
        return s;
    }

    /** {@code datetime('…')} of a string; also what an OPTIONS map's {@code datetime('…')} value means. */
    static ZonedDateTime parseDateTime(String s) {
        try {
            return ZonedDateTime.parse(s);
        } catch (DateTimeParseException e) {
            try {
                return LocalDateTime.parse(s).atZone(ZoneOffset.UTC);
            } catch (DateTimeParseException e2) {
                return LocalDate.parse(s).atStartOfDay(ZoneOffset.UTC);
            }
        }
    }

    private static Object fromMap(String kind, Map<?, ?> m, ZonedDateTime now) {
        if (m.containsKey("epochMillis") && kind.equals("datetime")) {
            return ZonedDateTime.ofInstant(java.time.Instant.ofEpochMilli(((Number) m.get("epochMillis")).longValue()),
                    ZoneOffset.UTC);
        }
        if (m.containsKey("epochSeconds") && kind.equals("datetime")) {
            return ZonedDateTime.ofInstant(java.time.Instant.ofEpochSecond(((Number) m.get("epochSeconds")).longValue()),
                    ZoneOffset.UTC);
        }
        int year = intField(m, "year", now.getYear());
        int month = intField(m, "month", 1);
        int day = intField(m, "day", 1);
        int hour = intField(m, "hour", 0);
        int minute = intField(m, "minute", 0);
        int second = intField(m, "second", 0);
        int nanos = intField(m, "millisecond", 0) * 1_000_000 + intField(m, "microsecond", 0) * 1000
                + intField(m, "nanosecond", 0);
        ZoneId zone = m.get("timezone") instanceof String tz ? ZoneId.of(tz) : ZoneOffset.UTC;
        return switch (kind) {
            case "date" -> LocalDate.of(year, month, day);
            case "localdatetime" -> LocalDateTime.of(year, month, day, hour, minute, second, nanos);
            case "localtime" -> LocalTime.of(hour, minute, second, nanos);
            case "time" -> OffsetTime.of(hour, minute, second, nanos,
                    zone instanceof ZoneOffset o ? o : zone.getRules().getOffset(now.toInstant()));
            default -> ZonedDateTime.of(year, month, day, hour, minute, second, nanos, zone);
        };
    }

    private static int intField(Map<?, ?> m, String key, int dflt) {
        Object v = m.get(key);
        if (v == null) {
            return dflt;
        }
        if (v instanceof Long l) {
            return Math.toIntExact(l);
        }
        throw Errors.type("Type mismatch: expected Integer for '" + key + "' but was " + Values.typeName(v));
    }

    static Object temporalField(Temporal t, String key) {
        ChronoField field = switch (key) {
            case "year" -> ChronoField.YEAR;
            case "month" -> ChronoField.MONTH_OF_YEAR;
            case "day" -> ChronoField.DAY_OF_MONTH;
            case "hour" -> ChronoField.HOUR_OF_DAY;
            case "minute" -> ChronoField.MINUTE_OF_HOUR;
            case "second" -> ChronoField.SECOND_OF_MINUTE;
            case "millisecond" -> ChronoField.MILLI_OF_SECOND;
            case "microsecond" -> ChronoField.MICRO_OF_SECOND;
            case "nanosecond" -> ChronoField.NANO_OF_SECOND;
            case "dayOfWeek", "weekday" -> ChronoField.DAY_OF_WEEK;
            case "ordinalDay" -> ChronoField.DAY_OF_YEAR;
            default -> null;
        };
        if (field != null && t.isSupported(field)) {
            return (long) t.get(field);
        }
        if (key.equals("epochMillis") && t instanceof ZonedDateTime z) {
            return z.toInstant().toEpochMilli();
        }
        if (key.equals("epochSeconds") && t instanceof ZonedDateTime z) {
            return z.toEpochSecond();
        }
        if (key.equals("timezone") && t instanceof ZonedDateTime z) {
            return z.getZone().getId();
        }
        return null;
    }

    static boolean isKnown(String name) {
        return ARITY.containsKey(name);
    }

}
