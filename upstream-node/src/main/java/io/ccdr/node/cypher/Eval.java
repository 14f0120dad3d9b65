package io.ccdr.node.cypher;

import io.ccdr.node.cypher.Ast.*;
import io.ccdr.node.cypher.Values.NodeRef;
import io.ccdr.node.cypher.Values.PathRef;
import io.ccdr.node.cypher.Values.RelRef;
import io.ccdr.node.graph.GraphException;
import io.ccdr.node.graph.NodeRecord;
import io.ccdr.node.graph.RelationshipRecord;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/** Evaluates expressions against a row (variable name → value) with Cypher's null and type rules. */
final class Eval {
    final QueryContext ctx;
    private Matcher matcher;
    private final Map<String, Pattern> regexCache = new HashMap<>();

    Eval(QueryContext ctx) {
        this.ctx = ctx;
    }

    void setMatcher(Matcher matcher) {
        this.matcher = matcher;
    }

    private Executor subqueries;

    void setSubqueries(Executor executor) {
        this.subqueries = executor;
    }

    static String aggKey(int i) {
        return "\u0000agg" + i;
    }

    Object eval(Expr e, Map<String, Object> row) {
        if (e instanceof Literal l) {
            return l.value();
        }
        if (e instanceof Variable v) {
            if (!row.containsKey(v.name())) {
                throw Errors.syntax("Variable `" + v.name() + "` not defined");
            }
            return row.get(v.name());
        }
        if (e instanceof Parameter p) {
            if (!ctx.params.containsKey(p.name())) {
                throw new GraphException(Errors.PARAMETER_MISSING, "Expected parameter(s): " + p.name());
            }
            return ctx.params.get(p.name());
        }
        if (e instanceof Property p) {
            return property(eval(p.target(), row), p.key());
        }
        if (e instanceof Binary b) {
            return binary(b, row);
        }
        if (e instanceof Unary u) {
            Object v = eval(u.operand(), row);
            switch (u.op()) {
                case NOT -> {
                    Boolean bv = Values.asBoolean(v, "");
                    return bv == null ? null : !bv;
                }
                case NEG -> {
                    if (v == null) {
                        return null;
                    }
                    if (v instanceof Long l) {
                        try {
                            return Math.negateExact(l);
                        } catch (ArithmeticException ex) {
                            throw Errors.arithmetic("long overflow");
                        }
                    }
                    if (v instanceof Double d) {
                        return -d;
                    }
                    if (v instanceof CypherDuration d) {
                        return d.negate();
                    }
                    throw Errors.type("Type mismatch: expected Float or Integer but was " + Values.typeName(v));
                }
                default -> {
                    if (v == null || Values.isNumber(v)) {
                        return v;
                    }
                    throw Errors.type("Type mismatch: expected Float or Integer but was " + Values.typeName(v));
                }
            }
        }
        if (e instanceof IsNull n) {
            Object v = eval(n.operand(), row);
            return n.negated() ? v != null : v == null;
        }
        if (e instanceof ListLiteral l) {
            List<Object> out = new ArrayList<>(l.items().size());
            for (Expr item : l.items()) {
                out.add(eval(item, row));
            }
            return out;
        }
        if (e instanceof MapLiteral m) {
            Map<String, Object> out = new LinkedHashMap<>();
            for (var entry : m.entries().entrySet()) {
                out.put(entry.getKey(), eval(entry.getValue(), row));
            }
            return out;
        }
        if (e instanceof FunctionCall f) {
            return Functions.call(this, f, row);
        }
        if (e instanceof AggregateRef a) {
            return row.get(aggKey(a.index()));
        }
        if (e instanceof CountStar) {
            throw Errors.syntax("Invalid use of aggregating function count(...) in this context");
        }
        if (e instanceof Subscript s) {
            return subscript(eval(s.target(), row), eval(s.index(), row));
        }
        if (e instanceof Slice s) {
            return slice(s, row);
        }
        if (e instanceof HasLabels h) {
            Object v = eval(h.target(), row);
            if (v == null) {
                return null;
            }
            if (v instanceof NodeRef n) {
                NodeRecord rec = node(n.id());
                return rec.labels().containsAll(h.labels());
            }
            if (v instanceof RelRef r) {
                RelationshipRecord rec = relationship(r.id());
                return h.labels().size() == 1 && h.labels().get(0).equals(rec.type());
            }
            throw Errors.type("Type mismatch: expected Node but was " + Values.typeName(v));
        }
        if (e instanceof Case c) {
            return caseExpr(c, row);
        }
        if (e instanceof ListComprehension lc) {
            Object listValue = eval(lc.list(), row);
            if (listValue == null) {
                return null;
            }
            List<?> list = asList(listValue, "list comprehension");
            Map<String, Object> inner = new HashMap<>(row);
            ValueBuilder out = new ValueBuilder(ctx.memory);
            try {
                for (Object item : list) {
                    inner.put(lc.variable(), item);
                    if (lc.where() != null && !Values.isTrue(Values.asBoolean(eval(lc.where(), inner), ""))) {
                        continue;
                    }
                    out.add(lc.map() == null ? item : eval(lc.map(), inner));
                }
            } catch (RuntimeException | Error failure) {
                out.release();
                throw failure;
            }
            return out.build();
        }
        if (e instanceof Quantifier q) {
            return quantifier(q, row);
        }
        if (e instanceof Reduce r) {
            Object listValue = eval(r.list(), row);
            if (listValue == null) {
                return null;
            }
            Map<String, Object> inner = new HashMap<>(row);
            Object acc = eval(r.init(), row);
            for (Object item : asList(listValue, "reduce")) {
                inner.put(r.accumulator(), acc);
                inner.put(r.variable(), item);
                acc = eval(r.expression(), inner);
            }
            return acc;
        }
        if (e instanceof MapProjection mp) {
            Object subject = eval(mp.subject(), row);
            if (subject == null) {
                return null;
            }
            Map<String, Object> out = new LinkedHashMap<>();
            if (mp.allProperties()) {
                out.putAll(new TreeMap<>(propertiesOf(subject)));
            }
            for (int i = 0; i < mp.keys().size(); i++) {
                Expr value = mp.values().get(i);
                out.put(mp.keys().get(i), value == null ? property(subject, mp.keys().get(i)) : eval(value, row));
            }
            return out;
        }
        if (e instanceof PatternExpr pe) {
            return matcher.patternExpression(pe, row);
        }
        if (e instanceof Subquery sq) {
            long n = subqueries.subqueryRows(sq, row);
            return sq.count() ? (Object) n : (Object) (n > 0);
        }
        throw new IllegalStateException("unhandled expression " + e);
    }

    // ------------------------------------------------------------------ entities

    NodeRecord node(long id) {
        return ctx.graph.node(id).orElseThrow(() -> Errors.entityNotFound(
                "Node with id " + id + " has been deleted in this transaction"));
    }

    RelationshipRecord relationship(long id) {
        return ctx.graph.relationship(id).orElseThrow(() -> Errors.entityNotFound(
                "Relationship with id " + id + " has been deleted in this transaction"));
    }

    Map<String, Object> propertiesOf(Object v) {
        if (v instanceof NodeRef n) {
            return node(n.id()).properties();
        }
        if (v instanceof RelRef r) {
            return relationship(r.id()).properties();
        }
        if (v instanceof Map<?, ?> m) {
            @SuppressWarnings("unchecked")
            Map<String, Object> map = (Map<String, Object>) m;
            return map;
        }
        throw Errors.type("Type mismatch: expected Map, Node or Relationship but was " + Values.typeName(v));
    }

    Object property(Object target, String key) {
        if (target == null) {
            return null;
        }
        if (target instanceof NodeRef n) {
            return node(n.id()).properties().get(key);
        }
        if (target instanceof RelRef r) {
            return relationship(r.id()).properties().get(key);
        }
        if (target instanceof Map<?, ?> m) {
            return m.get(key);
        }
        if (target instanceof java.time.temporal.Temporal t) {
            return Functions.temporalField(t, key);
        }
        if (target instanceof CypherDuration d) {
            return d.field(key);
        }
        throw Errors.type("Type mismatch: expected Map, Node, Relationship, Point, Duration, Date, Time, LocalTime, "
                + "LocalDateTime or DateTime but was " + Values.typeName(target));
    }

    static List<?> asList(Object v, String context) {
        if (v instanceof List<?> l) {
            return l;
        }
        throw Errors.type("Type mismatch: expected List<T> but was " + Values.typeName(v) + " (in " + context + ")");
    }

    // ------------------------------------------------------------------ operators

    private Object binary(Binary b, Map<String, Object> row) {
        switch (b.op()) {
            case AND: {
                Boolean l = Values.asBoolean(eval(b.left(), row), "");
                if (Boolean.FALSE.equals(l)) {
                    // still type-check the right side lazily? Cypher short-circuits false AND x
                    return false;
                }
                Boolean r = Values.asBoolean(eval(b.right(), row), "");
                if (Boolean.FALSE.equals(r)) {
                    return false;
                }
                return l == null || r == null ? null : true;
            }
            case OR: {
                Boolean l = Values.asBoolean(eval(b.left(), row), "");
                if (Boolean.TRUE.equals(l)) {
                    return true;
                }
                Boolean r = Values.asBoolean(eval(b.right(), row), "");
                if (Boolean.TRUE.equals(r)) {
                    return true;
                }
                return l == null || r == null ? null : false;
            }
            case XOR: {
                Boolean l = Values.asBoolean(eval(b.left(), row), "");
                Boolean r = Values.asBoolean(eval(b.right(), row), "");
                return l == null || r == null ? null : l ^ r;
            }
            default:
                break;
        }
        Object l = eval(b.left(), row);
        Object r = eval(b.right(), row);
        if ((b.op() == Op.LT || b.op() == Op.GT || b.op() == Op.LE || b.op() == Op.GE) && (isNaN(l) || isNaN(r))
                && Values.isNumber(l) && Values.isNumber(r)) {
            // NaN is unordered: every ordering comparison with it is false (not null)
            return false;
        }
        switch (b.op()) {
            case EQ:
                return Values.equal(l, r);
            case NE: {
                Boolean eq = Values.equal(l, r);
                return eq == null ? null : !eq;
            }
            case LT: {
                Integer c = Values.compare(l, r);
                return c == null ? null : c < 0;
            }
            case GT: {
                Integer c = Values.compare(l, r);
                return c == null ? null : c > 0;
            }
            case LE: {
                Integer c = Values.compare(l, r);
                return c == null ? null : c <= 0;
            }
            case GE: {
                Integer c = Values.compare(l, r);
                return c == null ? null : c >= 0;
            }
            case IN:
                return in(l, r);
            case STARTS_WITH:
                return l instanceof String x && r instanceof String y ? (Object) x.startsWith(y) : null;
            case ENDS_WITH:
                return l instanceof String x && r instanceof String y ? (Object) x.endsWith(y) : null;
            case CONTAINS:
                return l instanceof String x && r instanceof String y ? (Object) x.contains(y) : null;
            case REGEX:
                if (l instanceof String x && r instanceof String y) {
                    try {
                        return regexCache.computeIfAbsent(y, Pattern::compile).matcher(x).matches();
                    } catch (PatternSyntaxException ex) {
                        throw Errors.argument("Invalid Regex: " + ex.getDescription());
                    }
                }
                return null;
            default:
                return Arithmetic.apply(b.op(), l, r);
        }
    }

    private static boolean isNaN(Object o) {
        return o instanceof Double d && d.isNaN();
    }

    private static Object in(Object value, Object list) {
        if (list == null) {
            return null;
        }
        if (!(list instanceof List<?> l)) {
            throw Errors.type("Type mismatch: expected List<T> but was " + Values.typeName(list));
        }
        boolean unknown = false;
        for (Object item : l) {
            Boolean eq = Values.equal(value, item);
            if (eq == null) {
                unknown = true;
            } else if (eq) {
                return true;
            }
        }
        return unknown ? null : false;
    }

    private Object subscript(Object target, Object index) {
        if (target == null || index == null) {
            return null;
        }
        if (target instanceof List<?> list) {
            if (!(index instanceof Long i)) {
                throw Errors.type("Type mismatch: expected Integer but was " + Values.typeName(index));
            }
            long idx = i < 0 ? list.size() + i : i;
            if (idx < 0 || idx >= list.size()) {
                return null;
            }
            return list.get((int) idx);
        }
        if (target instanceof Map || target instanceof NodeRef || target instanceof RelRef) {
            if (!(index instanceof String key)) {
                throw Errors.type("Type mismatch: expected String but was " + Values.typeName(index));
            }
            return property(target, key);
        }
        throw Errors.type("Type mismatch: expected List<T>, Map, Node or Relationship but was " + Values.typeName(target));
    }

    private Object slice(Slice s, Map<String, Object> row) {
        Object target = eval(s.target(), row);
        Object from = s.from() == null ? 0L : eval(s.from(), row);
        Object to = s.to() == null ? null : eval(s.to(), row);
        if (target == null || from == null || (s.to() != null && to == null)) {
            return null;
        }
        List<?> list = asList(target, "slice");
        if (!(from instanceof Long) || (to != null && !(to instanceof Long))) {
            throw Errors.type("Type mismatch: expected Integer but was " + Values.typeName(from instanceof Long ? to : from));
        }
        int size = list.size();
        long f = (Long) from;
        long t = to == null ? size : (Long) to;
        if (f < 0) {
            f += size;
        }
        if (t < 0) {
            t += size;
        }
        f = Math.max(0, Math.min(f, size));
        t = Math.max(0, Math.min(t, size));
        if (t <= f) {
            return new ArrayList<>();
        }
        return new ArrayList<>(list.subList((int) f, (int) t));
    }

    private Object caseExpr(Case c, Map<String, Object> row) {
        if (c.subject() != null) {
            Object subject = eval(c.subject(), row);
            for (int i = 0; i < c.whens().size(); i++) {
                if (Values.isTrue(Values.equal(subject, eval(c.whens().get(i), row)))) {
                    return eval(c.thens().get(i), row);
                }
            }
        } else {
            for (int i = 0; i < c.whens().size(); i++) {
                Object cond = eval(c.whens().get(i), row);
                if (Values.isTrue(cond)) {
                    return eval(c.thens().get(i), row);
                }
            }
        }
        return c.otherwise() == null ? null : eval(c.otherwise(), row);
    }

    private Object quantifier(Quantifier q, Map<String, Object> row) {
        Object listValue = eval(q.list(), row);
        if (listValue == null) {
            return null;
        }
        List<?> list = asList(listValue, q.kind().name().toLowerCase());
        Map<String, Object> inner = new HashMap<>(row);
        int trues = 0;
        int nulls = 0;
        for (Object item : list) {
            inner.put(q.variable(), item);
            Boolean r = q.where() == null ? Boolean.TRUE : Values.asBoolean(eval(q.where(), inner), "");
            if (r == null) {
                nulls++;
            } else if (r) {
                trues++;
            }
        }
        int falses = list.size() - trues - nulls;
        switch (q.kind()) {
            case ALL:
                return falses > 0 ? Boolean.FALSE : nulls > 0 ? null : Boolean.TRUE;
            case ANY:
                return trues > 0 ? Boolean.TRUE : nulls > 0 ? null : Boolean.FALSE;
            case NONE:
                return trues > 0 ? Boolean.FALSE : nulls > 0 ? null : Boolean.TRUE;
            default:
                if (trues > 1) {
                    return false;
                }
                if (nulls > 0) {
                    return null;
                }
                return trues == 1;
        }
    }

    // ------------------------------------------------------------------ output conversion

    /** Converts an internal value to the public result value model. */
    Object toOutput(Object v) {
        if (v instanceof NodeRef n) {
            return ctx.graph.node(n.id()).orElseGet(() -> new NodeRecord(n.id(), java.util.Set.of(), Map.of()));
        }
        if (v instanceof RelRef r) {
            return ctx.graph.relationship(r.id()).orElseGet(() -> {
                RelationshipRecord deleted = ctx.deletedRelationshipRecords.get(r.id());
                return deleted != null ? new RelationshipRecord(r.id(), deleted.type(), deleted.startNode(),
                        deleted.endNode(), Map.of()) : new RelationshipRecord(r.id(), "", -1, -1, Map.of());
            });
        }
        if (v instanceof PathRef p) {
            List<NodeRecord> nodes = new ArrayList<>();
            for (Long id : p.nodes()) {
                nodes.add((NodeRecord) toOutput(new NodeRef(id)));
            }
            List<RelationshipRecord> rels = new ArrayList<>();
            for (Long id : p.rels()) {
                rels.add((RelationshipRecord) toOutput(new RelRef(id)));
            }
            return new io.ccdr.node.graph.PathValue(nodes, rels);
        }
        if (v instanceof List<?> l) {
            List<Object> out = new ArrayList<>(l.size());
            for (Object o : l) {
                out.add(toOutput(o));
            }
            return java.util.Collections.unmodifiableList(out);
        }
        if (v instanceof Map<?, ?> m) {
            Map<String, Object> out = new LinkedHashMap<>();
            for (var e : m.entrySet()) {
                out.put((String) e.getKey(), toOutput(e.getValue()));
            }
            return java.util.Collections.unmodifiableMap(out);
        }
        if (v instanceof CypherDuration d) {
            return new io.ccdr.node.graph.IsoDuration(d.months(), d.days(), d.seconds(), d.nanos());
        }
        return v;
    }
}
