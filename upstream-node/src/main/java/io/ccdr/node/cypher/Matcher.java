package io.ccdr.node.cypher;

import io.ccdr.node.cypher.Ast.*;
import io.ccdr.node.cypher.Values.NodeRef;
import io.ccdr.node.cypher.Values.PathRef;
import io.ccdr.node.cypher.Values.RelRef;
import io.ccdr.node.graph.Direction;
import io.ccdr.node.graph.ElementIds;
import io.ccdr.node.graph.NodeRecord;
import io.ccdr.node.graph.RelationshipRecord;
import io.ccdr.node.memory.HeapEstimate;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Pattern matching with Cypher's relationship isomorphism (a relationship is used at most once per
 * MATCH). Each chain starts from its most selective end: a bound node or an id seek ({@code id(n)} or
 * {@code elementId(n)} {@code = x} / {@code IN list}), then an equality on label + property (served by
 * {@code nodeIdsWithProperty}, i.e. an index when one exists), then a label scan; a chain whose first
 * relationship is sought by id starts at that relationship's end.
 */
final class Matcher {
    private final Eval ev;
    private final QueryContext ctx;

    Matcher(Eval ev) {
        this.ev = ev;
        this.ctx = ev.ctx;
    }

    /** All extensions of {@code row} matching every part (and {@code where}), in a list (MERGE's few). */
    List<Map<String, Object>> match(List<PatternPart> parts, Expr where, Map<String, Object> row) {
        List<Map<String, Object>> out = new ArrayList<>();
        try (Rows matches = stream(parts, where, row)) {
            for (Map<String, Object> r = matches.next(); r != null; r = matches.next()) {
                out.add(r);
            }
        }
        return out;
    }

    /**
     * The extensions of {@code row} matching every part (and {@code where}), produced as they are
     * pulled: the first chain's start nodes are read from the store one at a time (a label scan is
     * an open index iterator, not a list), and what one start node leads to is held until it has been
     * read, accounted beyond a few rows, before the next start node is read.
     */
    Rows stream(List<PatternPart> parts, Expr where, Map<String, Object> row) {
        List<Expr> conjuncts = new ArrayList<>();
        splitAnd(where, conjuncts);
        return new PartMatches(parts, 0, row, new HashSet<>(), conjuncts, where);
    }

    /** Rows buffered from one start node without accounting: small, and the common case (one row each). */
    private static final int UNACCOUNTED = 16;

    /** The matches of {@code parts[index..]} extending {@code row}, with {@code used} the relationships bound so far. */
    private final class PartMatches implements Rows {
        private final List<PatternPart> parts;
        private final int index;
        private final Map<String, Object> row;
        private final Set<Long> used;
        private final List<Expr> conjuncts;
        private final Expr where;
        private final boolean last;
        private final Chain chain;
        private final Ids starts;
        /** {row, used relationships (for the next part), accounted bytes or null}. */
        private final java.util.ArrayDeque<Object[]> pending = new java.util.ArrayDeque<>();
        private long pendingBytes;
        private PartMatches child;
        private boolean closed;

        PartMatches(List<PatternPart> parts, int index, Map<String, Object> row, Set<Long> used, List<Expr> conjuncts,
                    Expr where) {
            this.parts = parts;
            this.index = index;
            this.row = row;
            this.used = used;
            this.conjuncts = conjuncts;
            this.where = where;
            this.last = index == parts.size() - 1;
            this.chain = orient(parts.get(index), row, conjuncts);
            this.starts = starts(chain, row, conjuncts);
        }

        @Override
        public Map<String, Object> next() {
            while (!closed) {
                if (child != null) {
                    Map<String, Object> r = child.next();
                    if (r != null) {
                        return r;
                    }
                    child.close();
                    child = null;
                }
                Object[] entry = pending.poll();
                if (entry != null) {
                    if (entry[2] != null) {
                        long bytes = (Long) entry[2];
                        pendingBytes -= bytes;
                        ctx.memory.release(bytes);
                    }
                    @SuppressWarnings("unchecked")
                    Map<String, Object> r = (Map<String, Object>) entry[0];
                    if (last) {
                        if (where == null || Values.isTrue(Values.asBoolean(ev.eval(where, r), " (in WHERE)"))) {
                            return r;
                        }
                        continue;
                    }
                    @SuppressWarnings("unchecked")
                    Set<Long> usedSoFar = (Set<Long>) entry[1];
                    child = new PartMatches(parts, index + 1, r, usedSoFar, conjuncts, where);
                    continue;
                }
                if (!starts.hasNext()) {
                    return null;
                }
                expandFrom(chain, starts.next(), row, used, found -> {
                    Long bytes = null;
                    if (pending.size() >= UNACCOUNTED) {
                        long b = Values.heapSize(found) + HeapEstimate.OBJECT * 2;
                        ctx.memory.allocate(b);
                        pendingBytes += b;
                        bytes = b;
                    }
                    // the next part must not reuse this part's relationships (isomorphism within a MATCH)
                    pending.add(new Object[] {found, last ? null : new HashSet<>(used), bytes});
                });
            }
            return null;
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                if (child != null) {
                    child.close();
                    child = null;
                }
                starts.close();
                pending.clear();
                ctx.memory.release(pendingBytes);
                pendingBytes = 0;
            }
        }
    }

    private static void splitAnd(Expr e, List<Expr> out) {
        if (e == null) {
            return;
        }
        if (e instanceof Binary b && b.op() == Op.AND) {
            splitAnd(b.left(), out);
            splitAnd(b.right(), out);
        } else {
            out.add(e);
        }
    }

    Object patternExpression(PatternExpr pe, Map<String, Object> row) {
        if (pe.mode() == PatternMode.PREDICATE || pe.mode() == PatternMode.EXISTS) {
            boolean[] found = {false};
            try {
                matchChain(pe.pattern(), row, new HashSet<>(), List.of(), r -> {
                    if (pe.where() == null || Values.isTrue(Values.asBoolean(ev.eval(pe.where(), r), " (in WHERE)"))) {
                        found[0] = true;
                        throw FOUND;
                    }
                });
            } catch (Found f) {
                // early exit: one match suffices for a predicate
            }
            return found[0];
        }
        if (pe.mode() == PatternMode.COUNT) {
            long[] count = {0};
            matchChain(pe.pattern(), row, new HashSet<>(), List.of(), r -> {
                if (pe.where() == null || Values.isTrue(Values.asBoolean(ev.eval(pe.where(), r), " (in WHERE)"))) {
                    count[0]++;
                }
            });
            return count[0];
        }
        ValueBuilder out = new ValueBuilder(ctx.memory);
        try {
            matchChain(pe.pattern(), row, new HashSet<>(), List.of(), r -> {
                if (pe.where() == null || Values.isTrue(ev.eval(pe.where(), r))) {
                    out.add(ev.eval(pe.projection(), r));
                }
            });
        } catch (RuntimeException | Error failure) {
            out.release();
            throw failure;
        }
        return out.build();
    }

    /** Stackless signal that ends a pattern search at its first match. */
    private static final class Found extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Found() {
            super(null, null, false, false);
        }
    }

    private static final Found FOUND = new Found();

    // ------------------------------------------------------------------ chains

    /** A chain oriented to start from its more selective end. */
    private record Chain(PatternPart part, List<NodePattern> nodes, List<RelPattern> rels, boolean reversed) {
    }

    private Chain orient(PatternPart part, Map<String, Object> row, List<Expr> conjuncts) {
        List<NodePattern> nodes = part.nodes();
        List<RelPattern> rels = part.rels();
        if (!rels.isEmpty()) {
            int first = selectivity(nodes.get(0), row, conjuncts);
            int last = selectivity(nodes.get(nodes.size() - 1), row, conjuncts);
            if (last < first && propertiesEvaluableUpFront(part, row)) {
                nodes = new ArrayList<>(nodes);
                java.util.Collections.reverse(nodes);
                List<RelPattern> rev = new ArrayList<>();
                for (int i = rels.size() - 1; i >= 0; i--) {
                    RelPattern r = rels.get(i);
                    Direction d = r.direction() == Direction.OUTGOING ? Direction.INCOMING
                            : r.direction() == Direction.INCOMING ? Direction.OUTGOING : Direction.BOTH;
                    rev.add(new RelPattern(r.variable(), r.types(), r.properties(), d, r.variableLength(), r.minHops(),
                            r.maxHops()));
                }
                return new Chain(part, nodes, rev, true);
            }
        }
        return new Chain(part, nodes, rels, false);
    }

    private Ids starts(Chain chain, Map<String, Object> row, List<Expr> conjuncts) {
        List<Long> sought = relationshipSeekStarts(chain.nodes().get(0), chain.rels().isEmpty() ? null : chain.rels().get(0),
                row, conjuncts);
        return sought != null ? Ids.of(sought) : candidates(chain.nodes().get(0), row, conjuncts);
    }

    void matchChain(PatternPart part, Map<String, Object> row, Set<Long> used, List<Expr> conjuncts,
                    Consumer<Map<String, Object>> out) {
        Chain chain = orient(part, row, conjuncts);
        try (Ids starts = starts(chain, row, conjuncts)) {
            while (starts.hasNext()) {
                expandFrom(chain, starts.next(), row, used, out);
            }
        }
    }

    /** Every match of the chain that starts at node {@code start}. */
    private void expandFrom(Chain chain, long start, Map<String, Object> row, Set<Long> used,
                            Consumer<Map<String, Object>> out) {
        PatternPart part = chain.part();
        Map<String, Object> r0 = bindNode(chain.nodes().get(0), start, row);
        if (r0 == null) {
            return;
        }
        List<Long> pathNodes = new ArrayList<>();
        pathNodes.add(start);
        boolean rev = chain.reversed();
        expand(chain.nodes(), chain.rels(), 0, start, r0, used, pathNodes, new ArrayList<>(), found -> {
            Map<String, Object> r = rev ? unreverseLists(part, row, found) : found;
            if (part.pathVariable() != null) {
                List<Long> pn = new ArrayList<>(pathNodesOf(r));
                List<Long> pr = new ArrayList<>(pathRelsOf(r));
                if (rev) {
                    java.util.Collections.reverse(pn);
                    java.util.Collections.reverse(pr);
                }
                Map<String, Object> withPath = new HashMap<>(r);
                withPath.remove(PATH_NODES);
                withPath.remove(PATH_RELS);
                withPath.put(part.pathVariable(), new PathRef(List.copyOf(pn), List.copyOf(pr)));
                out.accept(withPath);
            } else {
                Map<String, Object> clean = r;
                if (r.containsKey(PATH_NODES)) {
                    clean = new HashMap<>(r);
                    clean.remove(PATH_NODES);
                    clean.remove(PATH_RELS);
                }
                out.accept(clean);
            }
        });
    }

    /** A chain matched right-to-left collected variable-length relationship lists backwards. */
    private static Map<String, Object> unreverseLists(PatternPart part, Map<String, Object> input, Map<String, Object> r) {
        Map<String, Object> out = r;
        for (RelPattern rp : part.rels()) {
            if (rp.variableLength() && rp.variable() != null && !input.containsKey(rp.variable())
                    && r.get(rp.variable()) instanceof List<?> list) {
                if (out == r) {
                    out = new HashMap<>(r);
                }
                List<Object> reversed = new ArrayList<>(list);
                java.util.Collections.reverse(reversed);
                out.put(rp.variable(), reversed);
            }
        }
        return out;
    }

    private static final String PATH_NODES = "\u0000pathNodes";
    private static final String PATH_RELS = "\u0000pathRels";

    @SuppressWarnings("unchecked")
    private static List<Long> pathNodesOf(Map<String, Object> r) {
        return (List<Long>) r.get(PATH_NODES);
    }

    @SuppressWarnings("unchecked")
    private static List<Long> pathRelsOf(Map<String, Object> r) {
        return (List<Long>) r.get(PATH_RELS);
    }

    private void expand(List<NodePattern> nodes, List<RelPattern> rels, int idx, long current, Map<String, Object> row,
                        Set<Long> used, List<Long> pathNodes, List<Long> pathRels, Consumer<Map<String, Object>> out) {
        ctx.checkCancelled();
        if (idx == rels.size()) {
            Map<String, Object> r = new HashMap<>(row);
            r.put(PATH_NODES, List.copyOf(pathNodes));
            r.put(PATH_RELS, List.copyOf(pathRels));
            out.accept(r);
            return;
        }
        RelPattern rp = rels.get(idx);
        NodePattern next = nodes.get(idx + 1);
        if (!rp.variableLength()) {
            Object bound = rp.variable() == null ? null : row.get(rp.variable());
            if (rp.variable() != null && row.containsKey(rp.variable()) && !(bound instanceof RelRef)) {
                if (bound == null) {
                    return;
                }
                throw Errors.type("Type mismatch: expected Relationship but was " + Values.typeName(bound));
            }
            eachRelationship(current, rp, rel -> {
                if (used.contains(rel.id()) || (bound != null && ((RelRef) bound).id() != rel.id())) {
                    return;
                }
                if (!relMatches(rp, rel, row)) {
                    return;
                }
                long other = rel.startNode() == rel.endNode() ? current : rel.otherNode(current);
                Map<String, Object> r1 = bindNode(next, other, row);
                if (r1 == null) {
                    return;
                }
                if (rp.variable() != null && bound == null) {
                    r1.put(rp.variable(), new RelRef(rel.id()));
                }
                used.add(rel.id());
                pathNodes.add(other);
                pathRels.add(rel.id());
                expand(nodes, rels, idx + 1, other, r1, used, pathNodes, pathRels, out);
                pathNodes.remove(pathNodes.size() - 1);
                pathRels.remove(pathRels.size() - 1);
                used.remove(rel.id());
            });
            return;
        }
        // variable length: depth-first over simple relationship paths
        List<Long> boundList = null;
        if (rp.variable() != null && row.containsKey(rp.variable())) {
            Object b = row.get(rp.variable());
            if (b == null) {
                return;
            }
            boundList = new ArrayList<>();
            for (Object o : Eval.asList(b, "variable length relationship")) {
                if (!(o instanceof RelRef rr)) {
                    throw Errors.type("Type mismatch: expected List<Relationship> but was " + Values.typeName(b));
                }
                boundList.add(rr.id());
            }
        }
        int min = rp.minHops() == null ? 1 : rp.minHops();
        int max = rp.maxHops() == null ? Integer.MAX_VALUE : rp.maxHops();
        varLength(nodes, rels, idx, rp, next, current, 0, min, max, boundList, new ArrayList<>(), row, used, pathNodes,
                pathRels, out);
    }

    private void varLength(List<NodePattern> nodes, List<RelPattern> rels, int idx, RelPattern rp, NodePattern next,
                           long current, int depth, int min, int max, List<Long> boundList, List<Long> hops,
                           Map<String, Object> row, Set<Long> used, List<Long> pathNodes, List<Long> pathRels,
                           Consumer<Map<String, Object>> out) {
        ctx.checkCancelled();
        if (depth >= min && (boundList == null || boundList.equals(hops))) {
            Map<String, Object> r1 = bindNode(next, current, row);
            if (r1 != null) {
                if (rp.variable() != null && boundList == null) {
                    List<Object> list = new ArrayList<>();
                    for (Long id : hops) {
                        list.add(new RelRef(id));
                    }
                    r1.put(rp.variable(), list);
                }
                expand(nodes, rels, idx + 1, current, r1, used, pathNodes, pathRels, out);
            }
        }
        if (depth >= max || (boundList != null && depth >= boundList.size())) {
            return;
        }
        eachRelationship(current, rp, rel -> {
            if (used.contains(rel.id()) || !relMatches(rp, rel, row)) {
                return;
            }
            if (boundList != null && boundList.get(depth) != rel.id()) {
                return;
            }
            long other = rel.startNode() == rel.endNode() ? current : rel.otherNode(current);
            used.add(rel.id());
            hops.add(rel.id());
            pathNodes.add(other);
            pathRels.add(rel.id());
            varLength(nodes, rels, idx, rp, next, other, depth + 1, min, max, boundList, hops, row, used, pathNodes,
                    pathRels, out);
            pathRels.remove(pathRels.size() - 1);
            pathNodes.remove(pathNodes.size() - 1);
            hops.remove(hops.size() - 1);
            used.remove(rel.id());
        });
    }

    /**
     * Calls {@code action} for each relationship of the pattern's types at {@code node}, read from the
     * adjacency index as the search goes (a node with a million relationships is not loaded at once).
     */
    private void eachRelationship(long node, RelPattern rp, Consumer<RelationshipRecord> action) {
        String type = rp.types().size() == 1 ? rp.types().get(0) : null;
        try (Stream<RelationshipRecord> s = ctx.graph.relationships(node, rp.direction(), type)) {
            Iterator<RelationshipRecord> it = s.iterator();
            while (it.hasNext()) {
                RelationshipRecord r = it.next();
                if (rp.types().size() <= 1 || rp.types().contains(r.type())) {
                    action.accept(r);
                }
            }
        }
    }

    private boolean relMatches(RelPattern rp, RelationshipRecord rel, Map<String, Object> row) {
        if (!rp.types().isEmpty() && !rp.types().contains(rel.type())) {
            return false;
        }
        return propertiesMatch(rp.properties(), rel.properties(), row);
    }

    private boolean propertiesMatch(Expr props, Map<String, Object> actual, Map<String, Object> row) {
        if (props == null) {
            return true;
        }
        Object expected = ev.eval(props, row);
        if (expected == null) {
            return false;
        }
        if (!(expected instanceof Map<?, ?> m)) {
            throw Errors.type("Type mismatch: expected Map but was " + Values.typeName(expected));
        }
        for (var e : m.entrySet()) {
            if (!Values.isTrue(Values.equal(actual.get(e.getKey()), e.getValue()))) {
                return false;
            }
        }
        return true;
    }

    /** Row extended with the node bound, or null when the node does not fit the pattern / binding. */
    private Map<String, Object> bindNode(NodePattern np, long id, Map<String, Object> row) {
        String var = np.variable();
        boolean isBound = var != null && row.containsKey(var);
        if (isBound) {
            Object b = row.get(var);
            if (!(b instanceof NodeRef n) || n.id() != id) {
                if (b != null && !(b instanceof NodeRef)) {
                    throw Errors.type("Type mismatch: expected Node but was " + Values.typeName(b));
                }
                return null;
            }
        }
        if (!np.labels().isEmpty() || np.properties() != null) {
            Optional<NodeRecord> rec = ctx.graph.node(id);
            if (rec.isEmpty() || !rec.get().labels().containsAll(np.labels())
                    || !propertiesMatch(np.properties(), rec.get().properties(), row)) {
                return null;
            }
        }
        Map<String, Object> r = new HashMap<>(row);
        if (var != null && !isBound) {
            r.put(var, new NodeRef(id));
        }
        return r;
    }

    // ------------------------------------------------------------------ anchors

    private int selectivity(NodePattern np, Map<String, Object> row, List<Expr> conjuncts) {
        if (np.variable() != null && row.containsKey(np.variable())) {
            return 0;
        }
        if (idLookup(np.variable(), row, conjuncts) != null) {
            return 0;
        }
        if (!np.labels().isEmpty()) {
            return propertyLookup(np, row, conjuncts) != null ? 1 : 2;
        }
        return 3;
    }

    private boolean propertiesEvaluableUpFront(PatternPart part, Map<String, Object> row) {
        for (NodePattern n : part.nodes()) {
            if (n.properties() != null && !row.keySet().containsAll(Exprs.freeVariables(n.properties()))) {
                return false;
            }
        }
        for (RelPattern r : part.rels()) {
            if (r.properties() != null && !row.keySet().containsAll(Exprs.freeVariables(r.properties()))) {
                return false;
            }
        }
        return true;
    }

    /**
     * A seek on an entity's id, as tools use to come back to an element they read: {@code id(x) = expr},
     * {@code elementId(x) = expr} or the same with {@code IN list}. {@code value} is evaluable from the row.
     */
    private record IdSeek(Expr value, boolean elementId, boolean list) {
    }

    /** The id seek a WHERE conjunct offers for {@code var}, or null. */
    private static IdSeek idLookup(String var, Map<String, Object> row, List<Expr> conjuncts) {
        if (var == null) {
            return null;
        }
        for (Expr c : conjuncts) {
            if (c instanceof Binary b && b.op() == Op.EQ) {
                IdSeek seek = idOf(var, b.left(), b.right(), row, false);
                if (seek == null) {
                    seek = idOf(var, b.right(), b.left(), row, false);
                }
                if (seek != null) {
                    return seek;
                }
            }
            if (c instanceof Binary b && b.op() == Op.IN) {
                IdSeek seek = idOf(var, b.left(), b.right(), row, true);
                if (seek != null) {
                    return seek;
                }
            }
        }
        return null;
    }

    private static IdSeek idOf(String var, Expr call, Expr value, Map<String, Object> row, boolean list) {
        if (call instanceof FunctionCall f && (f.name().equals("id") || f.name().equals("elementid"))
                && f.args().size() == 1 && f.args().get(0) instanceof Variable v && v.name().equals(var)
                && row.keySet().containsAll(Exprs.freeVariables(value)) && !Exprs.containsAggregate(value)
                && !(value instanceof PatternExpr) && !(value instanceof Subquery)) {
            return new IdSeek(value, f.name().equals("elementid"), list);
        }
        return null;
    }

    /**
     * The ids a seek names, ascending and without duplicates (existence is not checked), or null when
     * the seek cannot decide: an {@code IN} whose right side is not a list is left to the WHERE clause,
     * which reports the type error.
     */
    private List<Long> seekIds(IdSeek seek, Map<String, Object> row, boolean relationship) {
        Object value = ev.eval(seek.value(), row);
        if (!seek.list()) {
            long id = idFrom(value, seek.elementId(), relationship);
            return id < 0 ? List.of() : List.of(id);
        }
        if (value == null) {
            return List.of();
        }
        if (!(value instanceof List<?> values)) {
            return null;
        }
        java.util.TreeSet<Long> ids = new java.util.TreeSet<>();
        for (Object v : values) {
            long id = idFrom(v, seek.elementId(), relationship);
            if (id >= 0) {
                ids.add(id);
            }
        }
        return new ArrayList<>(ids);
    }

    /**
     * The entity id a value equals under {@code id(x) = value} / {@code elementId(x) = value}, or -1 for
     * none: ids are integers (an integral float equals one in Cypher), element ids the strings
     * {@code elementId()} returns for this database; anything else compares unequal.
     */
    private long idFrom(Object value, boolean elementId, boolean relationship) {
        if (elementId) {
            return value instanceof String s ? ElementIds.parse(s, relationship, ctx.databaseId) : -1;
        }
        if (value instanceof Long l) {
            return l >= 0 ? l : -1;
        }
        if (value instanceof Double d && d >= 0 && d == Math.rint(d) && d < 0x1p63) {
            return d.longValue();
        }
        return -1;
    }

    /**
     * Start nodes for a chain whose first relationship is sought by id ({@code elementId(r) = $id}, how
     * object mappers come back to a relationship): the relationship's end on the start node's side,
     * or null when the start node has a better anchor or there is no such seek.
     */
    private List<Long> relationshipSeekStarts(NodePattern start, RelPattern first, Map<String, Object> row,
                                              List<Expr> conjuncts) {
        if (first == null || first.variableLength() || first.variable() == null || row.containsKey(first.variable())
                || selectivity(start, row, conjuncts) == 0) {
            return null;
        }
        IdSeek seek = idLookup(first.variable(), row, conjuncts);
        if (seek == null) {
            return null;
        }
        List<Long> ids = seekIds(seek, row, true);
        if (ids == null) {
            return null;
        }
        java.util.TreeSet<Long> starts = new java.util.TreeSet<>();
        for (long id : ids) {
            ctx.graph.relationship(id).ifPresent(rel -> {
                if (first.direction() != Direction.INCOMING) {
                    starts.add(rel.startNode());
                }
                if (first.direction() != Direction.OUTGOING) {
                    starts.add(rel.endNode());
                }
            });
        }
        return new ArrayList<>(starts);
    }

    /** {key, valueExpr} of an equality usable for an index lookup, or null. */
    private Object[] propertyLookup(NodePattern np, Map<String, Object> row, List<Expr> conjuncts) {
        if (np.properties() instanceof MapLiteral m) {
            for (var e : m.entries().entrySet()) {
                if (row.keySet().containsAll(Exprs.freeVariables(e.getValue()))) {
                    return new Object[] {e.getKey(), e.getValue()};
                }
            }
        }
        if (np.variable() == null) {
            return null;
        }
        for (Expr c : conjuncts) {
            if (c instanceof Binary b && b.op() == Op.IN && b.left() instanceof Property p
                    && p.target() instanceof Variable v && v.name().equals(np.variable())
                    && row.keySet().containsAll(Exprs.freeVariables(b.right())) && !Exprs.containsAggregate(b.right())) {
                return new Object[] {p.key(), b.right(), "IN"};
            }
            if (c instanceof Binary b && b.op() == Op.EQ) {
                Object[] hit = equalityOn(np.variable(), b.left(), b.right(), row);
                if (hit == null) {
                    hit = equalityOn(np.variable(), b.right(), b.left(), row);
                }
                if (hit != null) {
                    return hit;
                }
            }
        }
        return null;
    }

    private static Object[] equalityOn(String var, Expr prop, Expr value, Map<String, Object> row) {
        if (prop instanceof Property p && p.target() instanceof Variable v && v.name().equals(var)
                && row.keySet().containsAll(Exprs.freeVariables(value)) && !Exprs.containsAggregate(value)
                && !(value instanceof PatternExpr)) {
            return new Object[] {p.key(), value};
        }
        return null;
    }

    /**
     * Node ids a chain may start from: ascending, read lazily from the store where they come from an
     * index or a scan, so a start over millions of nodes holds one at a time.
     */
    private static final class Ids implements AutoCloseable {
        private final Iterator<Long> it;
        private final Stream<Long> stream;

        private Ids(Iterator<Long> it, Stream<Long> stream) {
            this.it = it;
            this.stream = stream;
        }

        static Ids of(List<Long> ids) {
            return new Ids(ids.iterator(), null);
        }

        /** Takes ownership of {@code ids}: it is closed with this. */
        static Ids of(Stream<Long> ids) {
            return new Ids(ids.iterator(), ids);
        }

        boolean hasNext() {
            return it.hasNext();
        }

        long next() {
            return it.next();
        }

        @Override
        public void close() {
            if (stream != null) {
                stream.close();
            }
        }
    }

    private Ids candidates(NodePattern np, Map<String, Object> row, List<Expr> conjuncts) {
        if (np.variable() != null && row.containsKey(np.variable())) {
            Object b = row.get(np.variable());
            if (b instanceof NodeRef n) {
                return Ids.of(List.of(n.id()));
            }
            if (b == null) {
                return Ids.of(List.of());
            }
            throw Errors.type("Type mismatch: expected Node but was " + Values.typeName(b));
        }
        IdSeek byId = idLookup(np.variable(), row, conjuncts);
        List<Long> sought = byId == null ? null : seekIds(byId, row, false);
        if (sought != null) {
            List<Long> present = new ArrayList<>(sought.size());
            for (long id : sought) {
                if (ctx.graph.node(id).isPresent()) {
                    present.add(id);
                }
            }
            return Ids.of(present);
        }
        if (!np.labels().isEmpty()) {
            Object[] lookup = propertyLookup(np, row, conjuncts);
            if (lookup != null) {
                String label = np.labels().get(0);
                String key = (String) lookup[0];
                Object value = ev.eval((Expr) lookup[1], row);
                if (lookup.length > 2) {
                    // n.key IN list: one lookup per distinct element
                    if (!(value instanceof List<?> list)) {
                        return value == null ? Ids.of(List.of()) : labelScan(label);
                    }
                    java.util.TreeSet<Long> ids = new java.util.TreeSet<>();
                    for (Object element : new java.util.LinkedHashSet<>(list)) {
                        if (element == null) {
                            continue; // n.key = null is never true
                        }
                        if (!lookupable(element)) {
                            return labelScan(label);
                        }
                        try (Stream<Long> found = ctx.graph.nodeIdsWithProperty(label, key, element)) {
                            found.forEach(ids::add);
                        }
                    }
                    return Ids.of(new ArrayList<>(ids));
                }
                if (value == null) {
                    return Ids.of(List.of());
                }
                return lookupable(value) ? Ids.of(ctx.graph.nodeIdsWithProperty(label, key, value)) : labelScan(label);
            }
            return labelScan(np.labels().get(0));
        }
        return Ids.of(ctx.graph.allNodeIds());
    }

    /**
     * Whether the store's lookup answers {@code label.key = value} exactly: not for maps and entities, nor
     * for integral floats, which equal integers in Cypher (a label scan with the WHERE clause decides those).
     */
    private static boolean lookupable(Object value) {
        return value == null || !(value instanceof Map || value instanceof NodeRef || value instanceof RelRef
                || value instanceof PathRef || (value instanceof Double d && d == Math.rint(d)) || value instanceof List);
    }

    private Ids labelScan(String label) {
        return Ids.of(ctx.graph.nodeIdsWithLabel(label));
    }
}
