package io.ccdr.node.cypher;

import io.ccdr.node.cypher.Ast.*;
import io.ccdr.node.cypher.Values.NodeRef;
import io.ccdr.node.cypher.Values.PathRef;
import io.ccdr.node.cypher.Values.RelRef;
import io.ccdr.node.graph.Direction;
import io.ccdr.node.graph.GraphException;
import io.ccdr.node.graph.GraphWriter;
import io.ccdr.node.graph.IndexDescriptor;
import io.ccdr.node.graph.NodeRecord;
import io.ccdr.node.graph.PropertyValues;
import io.ccdr.node.graph.RelationshipRecord;
import io.ccdr.node.memory.HeapEstimate;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Runs a parsed query as a pipeline of {@link Rows}: reading clauses (MATCH, UNWIND, WITH and
 * RETURN projections with WHERE, SKIP and LIMIT, read-only CALL) produce their rows only as the
 * consumer pulls them, so a result streams from the store in constant memory. Eager where the
 * semantics need all rows first: ORDER BY, aggregation, and every updating clause, which consumes
 * the complete row set of the clauses before it, so it sees every write of the clauses before it
 * and nothing after it sees a half-done write (Cypher's clause-at-a-time semantics); within MERGE
 * and CREATE each row sees the writes of the rows before it. Whatever is held in memory is
 * accounted against the transaction's {@link io.ccdr.node.memory.TransactionMemory}.
 */
final class Executor {
    private final QueryContext ctx;
    private final Eval ev;
    private final Matcher matcher;

    /**
     * The columns of a query (part) and its rows. {@code returns} is false for a part without
     * RETURN: its rows are the ones the last clause produced, which only a subquery counts.
     */
    record Result(List<String> columns, Rows rows, boolean returns) {
    }

    Executor(QueryContext ctx) {
        this.ctx = ctx;
        this.ev = new Eval(ctx);
        this.matcher = new Matcher(ev);
        ev.setMatcher(matcher);
        ev.setSubqueries(this);
    }

    Eval eval() {
        return ev;
    }

    // ------------------------------------------------------------------ queries

    /** Builds the pipeline of a query; updating clauses have run when this returns. */
    Result run(Query q) {
        List<List<Clause>> parts = q.parts();
        if (parts.size() == 1) {
            Result only = runSingle(parts.get(0), Map.of());
            if (only.returns()) {
                return only;
            }
            // no RETURN: run it through (its rows are not the result), as a write query ends
            try (Rows rows = only.rows()) {
                while (rows.next() != null) {
                    ctx.checkCancelled();
                }
            }
            return new Result(List.of(), () -> null, false);
        }
        boolean writes = parts.stream().anyMatch(this::updates);
        boolean distinct = q.unionAll().stream().anyMatch(all -> !all);
        Result first = runSingle(parts.get(0), Map.of());
        List<String> columns = first.columns();
        List<Rows> built = new ArrayList<>();
        try {
            // A part that writes runs now, in order, each after the previous one has been read in
            // full, so a later part's writes are not seen by an earlier part's rows.
            built.add(writes ? RowBuffer.drain(first.rows(), ctx.memory) : first.rows());
            if (writes) {
                for (int i = 1; i < parts.size(); i++) {
                    built.add(RowBuffer.drain(runSingle(parts.get(i), Map.of()).rows(), ctx.memory));
                }
            }
        } catch (RuntimeException | Error e) {
            built.forEach(Rows::close);
            throw e;
        }
        Rows all = new Rows() {
            private int part;
            private Rows current = built.get(0);

            @Override
            public Map<String, Object> next() {
                while (current != null) {
                    Map<String, Object> r = current.next();
                    if (r != null) {
                        return r;
                    }
                    current.close();
                    part++;
                    if (part >= parts.size()) {
                        current = null;
                    } else {
                        // a read-only part is built when the one before it is exhausted
                        current = part < built.size() ? built.get(part) : runSingle(parts.get(part), Map.of()).rows();
                    }
                }
                return null;
            }

            @Override
            public void close() {
                if (current != null) {
                    current.close();
                    current = null;
                }
                for (int i = part + 1; i < built.size(); i++) {
                    built.get(i).close();
                }
                part = parts.size();
            }
        };
        return new Result(columns, distinct ? distinctRows(all, columns) : all, true);
    }

    /** Rows whose values in {@code columns} were not seen before (UNION without ALL). */
    private Rows distinctRows(Rows input, List<String> columns) {
        return new Rows() {
            private final Set<Object> seen = new HashSet<>();
            private long bytes;

            @Override
            public Map<String, Object> next() {
                for (Map<String, Object> row = input.next(); row != null; row = input.next()) {
                    List<Object> key = new ArrayList<>(columns.size());
                    for (String c : columns) {
                        key.add(Values.canonical(row.get(c)));
                    }
                    if (seen.add(key)) {
                        long size = Values.heapSize(key) + HeapEstimate.MAP_ENTRY;
                        ctx.memory.allocate(size);
                        bytes += size;
                        return row;
                    }
                }
                return null;
            }

            @Override
            public void close() {
                input.close();
                seen.clear();
                ctx.memory.release(bytes);
                bytes = 0;
            }
        };
    }

    /** Number of rows an EXISTS/COUNT subquery produces for one outer row; EXISTS stops at the first. */
    long subqueryRows(Subquery sq, Map<String, Object> outer) {
        Result r = runSingle(sq.clauses(), outer);
        try (Rows rows = r.rows()) {
            long n = 0;
            while (rows.next() != null) {
                n++;
                if (!sq.count()) {
                    break;
                }
            }
            return n;
        }
    }

    private Result runSingle(List<Clause> clauses, Map<String, Object> initial) {
        Rows rows = Rows.single(new HashMap<>(initial));
        List<String> scope = new ArrayList<>(initial.keySet());
        try {
            for (Clause c : clauses) {
                if (Thread.currentThread().isInterrupted()) {
                    throw new GraphException("Neo.ClientError.Transaction.Terminated",
                            "The query was terminated (its thread was interrupted)");
                }
                if (c instanceof Return r) {
                    Result t = project(r.projection(), null, rows, scope);
                    return new Result(t.columns(), t.rows(), true);
                }
                if (c instanceof Call call && clauses.size() == 1) {
                    return standaloneCall(call, rows, scope);
                }
                rows = updates(c) ? write(c, RowBuffer.drain(rows, ctx.memory), scope) : read(c, rows, scope);
            }
            return new Result(List.of(), rows, false);
        } catch (RuntimeException | Error e) {
            rows.close();
            throw e;
        }
    }

    private boolean updates(List<Clause> clauses) {
        return clauses.stream().anyMatch(this::updates);
    }

    /** Whether a clause writes: it then needs its whole input first, and runs when the query is built. */
    private boolean updates(Clause c) {
        if (c instanceof Call call) {
            return ctx.procedures.lookup(call.procedure())
                    .map(p -> p.mode() == Procedure.Mode.WRITE || p.mode() == Procedure.Mode.SCHEMA).orElse(false);
        }
        return c instanceof Create || c instanceof Merge || c instanceof SetClause || c instanceof Remove
                || c instanceof Delete || c instanceof Foreach;
    }

    /** A reading clause as a stream over {@code input}. */
    private Rows read(Clause c, Rows input, List<String> scope) {
        if (c instanceof Match m) {
            return match(m, input, scope);
        }
        if (c instanceof Unwind u) {
            scope.add(u.variable());
            return unwind(u, input);
        }
        if (c instanceof With w) {
            Result t = project(w.projection(), w.where(), input, scope);
            scope.clear();
            scope.addAll(t.columns());
            return t.rows();
        }
        if (c instanceof Call call) {
            return inQueryCall(call, input, scope);
        }
        throw new IllegalStateException("unhandled clause " + c);
    }

    private Rows match(Match m, Rows input, List<String> scope) {
        List<String> introduced = new ArrayList<>();
        for (PatternPart part : m.patterns()) {
            for (String v : Exprs.patternVariables(part)) {
                if (!scope.contains(v) && !introduced.contains(v)) {
                    introduced.add(v);
                }
            }
        }
        scope.addAll(introduced);
        return new Rows() {
            private Map<String, Object> row;
            private Rows matches;
            private boolean matched;

            @Override
            public Map<String, Object> next() {
                while (true) {
                    if (matches != null) {
                        Map<String, Object> r = matches.next();
                        if (r != null) {
                            matched = true;
                            return r;
                        }
                        matches.close();
                        matches = null;
                        if (!matched && m.optional()) {
                            Map<String, Object> nulls = new HashMap<>(row);
                            for (String v : introduced) {
                                nulls.put(v, null);
                            }
                            return nulls;
                        }
                    }
                    row = input.next();
                    if (row == null) {
                        return null;
                    }
                    matched = false;
                    matches = matcher.stream(m.patterns(), m.where(), row);
                }
            }

            @Override
            public void close() {
                if (matches != null) {
                    matches.close();
                    matches = null;
                }
                input.close();
            }
        };
    }

    private Rows unwind(Unwind u, Rows input) {
        return new Rows() {
            private Map<String, Object> row;
            private Iterator<?> items;

            @Override
            public Map<String, Object> next() {
                while (true) {
                    if (items != null && items.hasNext()) {
                        Map<String, Object> r = new HashMap<>(row);
                        r.put(u.variable(), items.next());
                        return r;
                    }
                    items = null;
                    row = input.next();
                    if (row == null) {
                        return null;
                    }
                    Object v = ev.eval(u.list(), row);
                    if (v instanceof List<?> list) {
                        items = list.iterator();
                    } else if (v != null) {
                        items = List.of(v).iterator();
                    }
                }
            }

            @Override
            public void close() {
                input.close();
            }
        };
    }

    /**
     * An updating clause over all of its input (also a clause in the body of FOREACH). It takes over
     * {@code rows} and returns the rows it passes on: the same buffer, or a new one (accounted as it
     * grows) with the input closed.
     */
    private RowBuffer write(Clause c, RowBuffer rows, List<String> scope) {
        RowBuffer out = null;
        try {
            if (Thread.currentThread().isInterrupted()) {
                throw new GraphException("Neo.ClientError.Transaction.Terminated",
                        "The query was terminated (its thread was interrupted)");
            }
            if (c instanceof Create cr) {
                out = new RowBuffer(ctx.memory);
                for (Map<String, Object> row : rows.list()) {
                    Map<String, Object> r = new HashMap<>(row);
                    for (PatternPart part : cr.patterns()) {
                        r = createPart(part, r, false);
                    }
                    out.add(r);
                    ctx.syncTransactionState();
                }
                for (PatternPart part : cr.patterns()) {
                    addNew(scope, Exprs.patternVariables(part));
                }
            } else if (c instanceof Merge mg) {
                out = new RowBuffer(ctx.memory);
                for (Map<String, Object> row : rows.list()) {
                    List<Map<String, Object>> matches = matcher.match(List.of(mg.pattern()), null, row);
                    if (!matches.isEmpty()) {
                        for (Map<String, Object> m : matches) {
                            setItems(mg.onMatch(), m);
                            out.add(m);
                        }
                    } else {
                        checkMergeNulls(mg.pattern(), row);
                        Map<String, Object> created = createPart(mg.pattern(), new HashMap<>(row), true);
                        setItems(mg.onCreate(), created);
                        out.add(created);
                    }
                    ctx.syncTransactionState();
                }
                addNew(scope, Exprs.patternVariables(mg.pattern()));
            } else if (c instanceof SetClause s) {
                for (Map<String, Object> row : rows.list()) {
                    setItems(s.items(), row);
                    ctx.syncTransactionState();
                }
            } else if (c instanceof Remove rm) {
                for (Map<String, Object> row : rows.list()) {
                    remove(rm.items(), row);
                    ctx.syncTransactionState();
                }
            } else if (c instanceof Delete d) {
                delete(d, rows.list());
                ctx.syncTransactionState();
            } else if (c instanceof Call call) {
                out = RowBuffer.drain(inQueryCall(call, Rows.of(rows.list()), scope), ctx.memory);
                ctx.syncTransactionState();
            } else if (c instanceof Foreach fe) {
                foreach(fe, rows.list(), scope);
            } else {
                throw new IllegalStateException("unhandled clause " + c);
            }
        } catch (RuntimeException | Error e) {
            rows.close();
            if (out != null) {
                out.close();
            }
            throw e;
        }
        if (out == null) {
            return rows;
        }
        rows.close();
        return out;
    }

    private void foreach(Foreach fe, List<Map<String, Object>> rows, List<String> scope) {
        for (Map<String, Object> row : rows) {
            Object listValue = ev.eval(fe.list(), row);
            if (listValue == null) {
                continue;
            }
            for (Object item : Eval.asList(listValue, "FOREACH")) {
                Map<String, Object> r = new HashMap<>(row);
                r.put(fe.variable(), item);
                RowBuffer inner = new RowBuffer(ctx.memory);
                inner.add(r);
                List<String> innerScope = new ArrayList<>(scope);
                innerScope.add(fe.variable());
                for (Clause bc : fe.body()) {
                    inner = write(bc, inner, innerScope);
                }
                inner.close();
                ctx.syncTransactionState();
            }
        }
    }

    private static void addNew(List<String> scope, List<String> vars) {
        for (String v : vars) {
            if (!scope.contains(v)) {
                scope.add(v);
            }
        }
    }

    // ------------------------------------------------------------------ projection

    /**
     * WITH/RETURN over {@code input}. Without aggregation and ORDER BY the projection streams (DISTINCT
     * keeps the keys seen); otherwise it reads all of its input first, accounting for what it holds.
     */
    Result project(Projection p, Expr where, Rows input, List<String> scope) {
        List<ProjectionItem> items = new ArrayList<>();
        if (p.star()) {
            for (String v : new TreeSet<>(scope)) {
                if (!v.startsWith("\u0000")) {
                    items.add(new ProjectionItem(new Variable(v, -1), v, true));
                }
            }
        }
        items.addAll(p.items());
        List<String> columns = new ArrayList<>();
        for (ProjectionItem item : items) {
            columns.add(item.name());
        }
        boolean aggregating = items.stream().anyMatch(i -> Exprs.containsAggregate(i.expression()));
        if ((aggregating || p.distinct()) && where != null) {
            where = substituteItems(where, items);
        }
        if (!aggregating && p.orderBy().isEmpty()) {
            return new Result(columns, streamingProjection(p, items, columns, where, input), true);
        }
        Held held = new Held();
        try (input) {
            return new Result(columns, eagerProjection(p, items, columns, where, aggregating, input, held), true);
        } catch (RuntimeException | Error e) {
            held.releaseAll();
            throw e;
        } finally {
            held.releaseScratch();
        }
    }

    /** Heap an eager projection holds: its result rows, and scratch (sort keys, groups) dropped once done. */
    private final class Held {
        long rows;
        long scratch;

        void row(long bytes) {
            ctx.memory.allocate(bytes);
            rows += bytes;
        }

        void scratch(long bytes) {
            ctx.memory.allocate(bytes);
            scratch += bytes;
        }

        void releaseScratch() {
            ctx.memory.release(scratch);
            scratch = 0;
        }

        void releaseAll() {
            ctx.memory.release(rows);
            rows = 0;
            releaseScratch();
        }
    }

    private Rows streamingProjection(Projection p, List<ProjectionItem> items, List<String> columns, Expr where, Rows input) {
        long skip = p.skip() == null ? 0 : nonNegative(p.skip(), "SKIP");
        long limit = p.limit() == null ? -1 : nonNegative(p.limit(), "LIMIT");
        Expr filter = where;
        return new Rows() {
            private final Set<Object> seen = p.distinct() ? new HashSet<>() : null;
            private long seenBytes;
            private long skipped;
            private long passed;
            private boolean done;

            @Override
            public Map<String, Object> next() {
                while (!done) {
                    if (limit >= 0 && passed >= limit) {
                        // LIMIT reached: stop reading the store now, not at the end of the result
                        close();
                        return null;
                    }
                    Map<String, Object> row = input.next();
                    if (row == null) {
                        done = true;
                        return null;
                    }
                    Map<String, Object> out = new LinkedHashMap<>();
                    for (int i = 0; i < items.size(); i++) {
                        out.put(columns.get(i), ev.eval(items.get(i).expression(), row));
                    }
                    if (seen != null) {
                        List<Object> key = new ArrayList<>(out.size());
                        for (Object v : out.values()) {
                            key.add(Values.canonical(v));
                        }
                        if (!seen.add(key)) {
                            continue;
                        }
                        long size = Values.heapSize(key) + HeapEstimate.MAP_ENTRY;
                        ctx.memory.allocate(size);
                        seenBytes += size;
                    }
                    if (skipped < skip) {
                        skipped++;
                        continue;
                    }
                    passed++;
                    if (filter != null) {
                        // after a plain WITH, WHERE also sees the previous scope; after DISTINCT only the columns
                        Map<String, Object> env = out;
                        if (seen == null) {
                            env = new HashMap<>(row);
                            env.putAll(out);
                        }
                        if (!Values.isTrue(Values.asBoolean(ev.eval(filter, env), " (in WHERE)"))) {
                            continue;
                        }
                    }
                    return out;
                }
                return null;
            }

            @Override
            public void close() {
                done = true;
                input.close();
                if (seen != null) {
                    seen.clear();
                }
                ctx.memory.release(seenBytes);
                seenBytes = 0;
            }
        };
    }

    private Rows eagerProjection(Projection p, List<ProjectionItem> items, List<String> columns, Expr where,
                                 boolean aggregating, Rows input, Held held) {
        List<Map<String, Object>> projected;
        List<Map<String, Object>> sortEnvs;
        List<SortItem> order = p.orderBy();
        if (aggregating || p.distinct()) {
            // ORDER BY may repeat a projected expression: refer to its column instead
            List<SortItem> rewritten = new ArrayList<>();
            for (SortItem s : order) {
                rewritten.add(new SortItem(substituteItems(s.expression(), items), s.descending()));
            }
            order = rewritten;
        }
        // top-k: with ORDER BY ... LIMIT only skip + limit rows need to be kept while reading
        long keep = -1;
        if (aggregating) {
            List<Expr> aggregates = new ArrayList<>();
            List<Expr> itemExprs = new ArrayList<>();
            for (ProjectionItem item : items) {
                itemExprs.add(extractAggregates(item.expression(), aggregates));
            }
            List<SortItem> sortItems = new ArrayList<>();
            for (SortItem s : order) {
                sortItems.add(new SortItem(extractAggregates(s.expression(), aggregates), s.descending()));
            }
            order = sortItems;
            List<Integer> keyItems = new ArrayList<>();
            for (int i = 0; i < items.size(); i++) {
                if (!Exprs.containsAggregate(items.get(i).expression())) {
                    keyItems.add(i);
                }
            }
            Map<Object, Object[]> groups = new LinkedHashMap<>();
            for (Map<String, Object> row = input.next(); row != null; row = input.next()) {
                List<Object> keyValues = new ArrayList<>();
                List<Object> canonical = new ArrayList<>();
                for (int i : keyItems) {
                    Object v = ev.eval(itemExprs.get(i), row);
                    keyValues.add(v);
                    canonical.add(Values.canonical(v));
                }
                Object[] group = groups.get(canonical);
                if (group == null) {
                    // the group keeps its first row (for expressions over grouping keys), its key and aggregates
                    held.scratch(Values.heapSize(row) + Values.heapSize(keyValues) + Values.heapSize(canonical)
                            + HeapEstimate.MAP_ENTRY + HeapEstimate.OBJECT * (2 + aggregates.size()));
                    group = newGroup(row, keyValues, aggregates);
                    groups.put(canonical, group);
                }
                Aggregation[] aggs = (Aggregation[]) group[2];
                for (Aggregation a : aggs) {
                    held.scratch(a.add(ev, row));
                }
            }
            if (groups.isEmpty() && keyItems.isEmpty()) {
                groups.put(List.of(), newGroup(new HashMap<>(), List.of(), aggregates));
            }
            // the result rows hold what the aggregates collected (the same values, not copies): count them
            // once, as result rows, from here on
            held.releaseScratch();
            projected = new ArrayList<>();
            sortEnvs = new ArrayList<>();
            for (Object[] group : groups.values()) {
                @SuppressWarnings("unchecked")
                Map<String, Object> env = new HashMap<>((Map<String, Object>) group[0]);
                Aggregation[] aggs = (Aggregation[]) group[2];
                for (int i = 0; i < aggs.length; i++) {
                    env.put(Eval.aggKey(i), aggs[i].result());
                }
                @SuppressWarnings("unchecked")
                List<Object> keyValues = (List<Object>) group[1];
                Map<String, Object> out = new LinkedHashMap<>();
                int k = 0;
                for (int i = 0; i < items.size(); i++) {
                    if (keyItems.contains(i)) {
                        out.put(columns.get(i), keyValues.get(k++));
                    } else {
                        out.put(columns.get(i), ev.eval(itemExprs.get(i), env));
                    }
                }
                held.row(Values.heapSize(out) + HeapEstimate.REFERENCE);
                projected.add(out);
                Map<String, Object> sortEnv = new HashMap<>(out);
                for (int i = 0; i < aggs.length; i++) {
                    sortEnv.put(Eval.aggKey(i), env.get(Eval.aggKey(i)));
                }
                if (!order.isEmpty()) {
                    held.scratch(HeapEstimate.MAP + HeapEstimate.MAP_ENTRY * sortEnv.size());
                }
                sortEnvs.add(sortEnv);
            }
        } else {
            if (p.limit() != null) {
                long skip = p.skip() == null ? 0 : nonNegative(p.skip(), "SKIP");
                keep = skip + Math.min(nonNegative(p.limit(), "LIMIT"), Long.MAX_VALUE - skip);
            }
            projected = new ArrayList<>();
            sortEnvs = new ArrayList<>();
            Set<Object> seen = p.distinct() ? new HashSet<>() : null;
            TopK top = keep >= 0 ? new TopK(order, keep, held) : null;
            for (Map<String, Object> row = input.next(); row != null; row = input.next()) {
                Map<String, Object> out = new LinkedHashMap<>();
                for (int i = 0; i < items.size(); i++) {
                    out.put(columns.get(i), ev.eval(items.get(i).expression(), row));
                }
                Map<String, Object> env;
                if (seen != null) {
                    List<Object> key = new ArrayList<>();
                    for (Object v : out.values()) {
                        key.add(Values.canonical(v));
                    }
                    if (!seen.add(key)) {
                        continue;
                    }
                    held.scratch(Values.heapSize(key) + HeapEstimate.MAP_ENTRY);
                    env = out;
                } else {
                    env = new HashMap<>(row);
                    env.putAll(out);
                }
                if (top != null) {
                    top.offer(out, env);
                    continue;
                }
                held.row(Values.heapSize(out) + HeapEstimate.REFERENCE);
                if (env != out) {
                    held.scratch(HeapEstimate.MAP + HeapEstimate.MAP_ENTRY * env.size());
                }
                sortEnvs.add(env);
                projected.add(out);
            }
            if (top != null) {
                top.drainInto(projected, sortEnvs);
                order = List.of(); // already in order
            }
        }
        if (!order.isEmpty()) {
            List<SortItem> sortBy = order;
            List<Object[]> keyed = new ArrayList<>(projected.size());
            for (int i = 0; i < projected.size(); i++) {
                Object[] keys = sortKeys(sortBy, sortEnvs.get(i));
                held.scratch(keysSize(sortBy, keys));
                keys[sortBy.size()] = new Object[] {projected.get(i), sortEnvs.get(i)};
                keyed.add(keys);
            }
            keyed.sort(sortComparator(sortBy));
            List<Map<String, Object>> sorted = new ArrayList<>(keyed.size());
            List<Map<String, Object>> sortedEnvs = new ArrayList<>(keyed.size());
            for (Object[] k : keyed) {
                Object[] pair = (Object[]) k[sortBy.size()];
                @SuppressWarnings("unchecked")
                Map<String, Object> row = (Map<String, Object>) pair[0];
                @SuppressWarnings("unchecked")
                Map<String, Object> env = (Map<String, Object>) pair[1];
                sorted.add(row);
                sortedEnvs.add(env);
            }
            projected = sorted;
            sortEnvs = sortedEnvs;
        }
        int produced = projected.size();
        int from = 0;
        int to = projected.size();
        if (p.skip() != null) {
            from = (int) Math.min(nonNegative(p.skip(), "SKIP"), to);
        }
        if (p.limit() != null) {
            to = (int) Math.min(to, from + Math.min(nonNegative(p.limit(), "LIMIT"), Integer.MAX_VALUE));
        }
        if (from > 0 || to < projected.size()) {
            projected = projected.subList(from, to);
            sortEnvs = sortEnvs.subList(from, to);
        }
        if (where != null) {
            // after a plain WITH, WHERE also sees the previous scope (the sort environment holds both)
            boolean widened = !aggregating && !p.distinct();
            List<Map<String, Object>> filtered = new ArrayList<>();
            for (int i = 0; i < projected.size(); i++) {
                Map<String, Object> env = widened ? sortEnvs.get(i) : projected.get(i);
                if (Values.isTrue(Values.asBoolean(ev.eval(where, env), " (in WHERE)"))) {
                    filtered.add(projected.get(i));
                }
            }
            projected = filtered;
        }
        // the rows dropped by SKIP, LIMIT and WHERE are garbage now; the buffer owns the share of the rest
        long kept = produced == 0 ? 0 : (long) (held.rows * ((double) projected.size() / produced));
        ctx.memory.release(held.rows - kept);
        held.rows = 0;
        return RowBuffer.adopt(new ArrayList<>(projected), ctx.memory, kept);
    }

    private Object[] sortKeys(List<SortItem> sortBy, Map<String, Object> env) {
        Object[] keys = new Object[sortBy.size() + 1];
        for (int k = 0; k < sortBy.size(); k++) {
            keys[k] = ev.eval(sortBy.get(k).expression(), env);
        }
        return keys;
    }

    /** Heap of a row's sort keys: a key that is a variable's value is the row's own, not a copy. */
    private static long keysSize(List<SortItem> sortBy, Object[] keys) {
        long size = HeapEstimate.LIST + HeapEstimate.REFERENCE * keys.length;
        for (int k = 0; k < sortBy.size(); k++) {
            if (!(sortBy.get(k).expression() instanceof Variable)) {
                size += Values.heapSize(keys[k]);
            }
        }
        return size;
    }

    private static Comparator<Object[]> sortComparator(List<SortItem> sortBy) {
        return (a, b) -> {
            for (int k = 0; k < sortBy.size(); k++) {
                int c = Values.orderCompare(a[k], b[k]);
                if (c != 0) {
                    return sortBy.get(k).descending() ? -c : c;
                }
            }
            return 0;
        };
    }

    /**
     * The first {@code keep} rows in ORDER BY order, kept while reading: a heap of the best rows seen,
     * ties broken by arrival so the result equals a stable sort's first rows.
     */
    private final class TopK {
        private final List<SortItem> sortBy;
        private final long keep;
        private final Held held;
        private final java.util.PriorityQueue<Object[]> worstFirst;
        private long arrived;

        TopK(List<SortItem> sortBy, long keep, Held held) {
            this.sortBy = sortBy;
            this.keep = keep;
            this.held = held;
            Comparator<Object[]> order = sortComparator(sortBy)
                    .thenComparingLong(k -> (Long) ((Object[]) k[sortBy.size()])[2]);
            this.worstFirst = new java.util.PriorityQueue<>(order.reversed());
        }

        void offer(Map<String, Object> out, Map<String, Object> env) {
            if (keep == 0) {
                return;
            }
            Object[] keys = sortKeys(sortBy, env);
            long size = keysSize(sortBy, keys) + Values.heapSize(out) + HeapEstimate.MAP + HeapEstimate.MAP_ENTRY * env.size();
            keys[sortBy.size()] = new Object[] {out, env, arrived++};
            if (worstFirst.size() < keep) {
                held.row(size);
                worstFirst.add(keys);
            } else if (worstFirst.comparator().compare(keys, worstFirst.peek()) > 0) {
                // better than the worst kept: it takes that one's place (and its share of memory)
                worstFirst.poll();
                worstFirst.add(keys);
            }
        }

        @SuppressWarnings("unchecked")
        void drainInto(List<Map<String, Object>> projected, List<Map<String, Object>> sortEnvs) {
            List<Object[]> best = new ArrayList<>(worstFirst);
            best.sort(worstFirst.comparator().reversed());
            for (Object[] k : best) {
                Object[] entry = (Object[]) k[sortBy.size()];
                projected.add((Map<String, Object>) entry[0]);
                sortEnvs.add((Map<String, Object>) entry[1]);
            }
        }
    }

    private static Object[] newGroup(Map<String, Object> row, List<Object> keyValues, List<Expr> aggregates) {
        Aggregation[] aggs = new Aggregation[aggregates.size()];
        for (int i = 0; i < aggs.length; i++) {
            aggs[i] = new Aggregation(aggregates.get(i));
        }
        return new Object[] {row, keyValues, aggs};
    }

    static Expr substituteItems(Expr e, List<ProjectionItem> items) {
        return Exprs.rewrite(e, x -> {
            if (x instanceof Variable) {
                return null;
            }
            for (ProjectionItem item : items) {
                if (item.expression().equals(x)) {
                    return new Variable(item.name(), -1);
                }
            }
            return null;
        });
    }

    private static Expr extractAggregates(Expr e, List<Expr> aggregates) {
        return Exprs.rewrite(e, x -> {
            if (Exprs.isAggregate(x)) {
                int idx = aggregates.indexOf(x);
                if (idx < 0) {
                    aggregates.add(x);
                    idx = aggregates.size() - 1;
                }
                return new AggregateRef(idx);
            }
            return null;
        });
    }

    private long nonNegative(Expr e, String clause) {
        Object v = ev.eval(e, Map.of());
        if (v instanceof Long l && l >= 0) {
            return l;
        }
        String message = "Invalid input. '" + Functions.toCypherString(v) + "' is not a valid value. Must be a non-negative integer.";
        throw Errors.syntax(message);
    }

    // ------------------------------------------------------------------ writes

    private Map<String, Object> createPart(PatternPart part, Map<String, Object> row, boolean merge) {
        GraphWriter w = ctx.writer();
        List<Long> nodeIds = new ArrayList<>();
        for (NodePattern np : part.nodes()) {
            if (np.variable() != null && row.containsKey(np.variable())) {
                Object b = row.get(np.variable());
                if (!(b instanceof NodeRef n)) {
                    if (b == null) {
                        throw Errors.semantic("Failed to create relationship, node `" + np.variable() + "` is missing. "
                                + "If you prefer to simply ignore rows where a relationship node is missing, use OPTIONAL MATCH or filter nulls first.");
                    }
                    throw Errors.type("Type mismatch: expected Node but was " + Values.typeName(b));
                }
                nodeIds.add(n.id());
                continue;
            }
            Map<String, Object> props = propertyMap(np.properties(), row);
            Set<String> labels = new LinkedHashSet<>(np.labels());
            long id = w.createNode(labels, props);
            ctx.stats.nodesCreated++;
            ctx.stats.labelsAdded += labels.size();
            ctx.stats.propertiesSet += props.size();
            nodeIds.add(id);
            if (np.variable() != null) {
                row.put(np.variable(), new NodeRef(id));
            }
        }
        List<Long> relIds = new ArrayList<>();
        for (int i = 0; i < part.rels().size(); i++) {
            RelPattern rp = part.rels().get(i);
            if (rp.variable() != null && row.containsKey(rp.variable()) && merge) {
                throw Errors.semantic("Variable `" + rp.variable() + "` already declared");
            }
            Map<String, Object> props = propertyMap(rp.properties(), row);
            long a = nodeIds.get(i);
            long b = nodeIds.get(i + 1);
            boolean reverse = rp.direction() == Direction.INCOMING;
            long id = w.createRelationship(reverse ? b : a, reverse ? a : b, rp.types().get(0), props);
            ctx.stats.relationshipsCreated++;
            ctx.stats.propertiesSet += props.size();
            relIds.add(id);
            if (rp.variable() != null) {
                row.put(rp.variable(), new RelRef(id));
            }
        }
        if (part.pathVariable() != null) {
            row.put(part.pathVariable(), new PathRef(List.copyOf(nodeIds), List.copyOf(relIds)));
        }
        return row;
    }

    private Map<String, Object> propertyMap(Expr props, Map<String, Object> row) {
        if (props == null) {
            return Map.of();
        }
        Object v = ev.eval(props, row);
        if (v == null) {
            return Map.of();
        }
        if (!(v instanceof Map<?, ?> m)) {
            throw Errors.type("Type mismatch: expected Map but was " + Values.typeName(v));
        }
        Map<String, Object> out = new LinkedHashMap<>();
        for (var e : m.entrySet()) {
            if (e.getValue() != null) {
                out.put((String) e.getKey(), propertyValue((String) e.getKey(), e.getValue()));
            }
        }
        return out;
    }

    private static Object propertyValue(String key, Object value) {
        if (value instanceof NodeRef || value instanceof RelRef || value instanceof PathRef || value instanceof Map) {
            throw Errors.type("Property values can only be of primitive types or arrays thereof; got "
                    + Values.typeName(value) + " for property '" + key + "'");
        }
        if (value instanceof List<?> l) {
            for (Object o : l) {
                if (o instanceof NodeRef || o instanceof RelRef || o instanceof Map || o instanceof List) {
                    throw Errors.type("Property values can only be of primitive types or arrays thereof; got a list of "
                            + Values.typeName(o) + " for property '" + key + "'");
                }
            }
        }
        if (value instanceof java.time.temporal.Temporal || value instanceof CypherDuration) {
            // The graph contract stores primitives only; temporal values are stored as ISO-8601 strings.
            return value.toString();
        }
        return PropertyValues.normalise(key, value);
    }

    private void checkMergeNulls(PatternPart part, Map<String, Object> row) {
        for (NodePattern np : part.nodes()) {
            if (np.properties() != null && !(np.variable() != null && row.containsKey(np.variable()))) {
                Object v = ev.eval(np.properties(), row);
                if (v instanceof Map<?, ?> m) {
                    for (var e : m.entrySet()) {
                        if (e.getValue() == null) {
                            throw Errors.semantic("Cannot merge the following node because of null property value for '"
                                    + e.getKey() + "': (" + (np.variable() == null ? "" : np.variable())
                                    + labelsText(np.labels()) + " {" + e.getKey() + ": null})");
                        }
                    }
                }
            }
        }
        for (RelPattern rp : part.rels()) {
            if (rp.properties() != null) {
                Object v = ev.eval(rp.properties(), row);
                if (v instanceof Map<?, ?> m) {
                    for (var e : m.entrySet()) {
                        if (e.getValue() == null) {
                            throw Errors.semantic("Cannot merge the following relationship because of null property value for '"
                                    + e.getKey() + "': [" + (rp.variable() == null ? "" : rp.variable()) + ":"
                                    + rp.types().get(0) + " {" + e.getKey() + ": null}]");
                        }
                    }
                }
            }
        }
    }

    private static String labelsText(List<String> labels) {
        StringBuilder sb = new StringBuilder();
        for (String l : labels) {
            sb.append(':').append(l);
        }
        return sb.toString();
    }

    private void setItems(List<SetItem> items, Map<String, Object> row) {
        for (SetItem item : items) {
            if (item instanceof SetProperty sp) {
                Object target = ev.eval(sp.target().target(), row);
                Object value = ev.eval(sp.value(), row);
                setProperty(target, sp.target().key(), value);
            } else if (item instanceof SetProperties sps) {
                Object target = ev.eval(sps.target(), row);
                if (target == null) {
                    continue;
                }
                Object value = ev.eval(sps.value(), row);
                Map<String, Object> map;
                if (value == null) {
                    map = Map.of();
                } else if (value instanceof Map || value instanceof NodeRef || value instanceof RelRef) {
                    map = new LinkedHashMap<>(ev.propertiesOf(value));
                } else {
                    throw Errors.type("Type mismatch: expected Map, Node or Relationship but was " + Values.typeName(value));
                }
                Map<String, Object> existing = existingProperties(target);
                if (!sps.merge()) {
                    for (String key : existing.keySet()) {
                        if (!map.containsKey(key) || map.get(key) == null) {
                            setProperty(target, key, null);
                        }
                    }
                }
                for (var e : map.entrySet()) {
                    setProperty(target, e.getKey(), e.getValue());
                }
            } else if (item instanceof SetLabels sl) {
                Object target = ev.eval(sl.target(), row);
                if (target == null) {
                    continue;
                }
                if (!(target instanceof NodeRef n)) {
                    throw Errors.type("Type mismatch: expected Node but was " + Values.typeName(target));
                }
                NodeRecord rec = ev.node(n.id());
                for (String label : sl.labels()) {
                    if (!rec.labels().contains(label)) {
                        ctx.writer().addLabel(n.id(), label);
                        ctx.stats.labelsAdded++;
                        rec = ev.node(n.id());
                    }
                }
            }
        }
    }

    private Map<String, Object> existingProperties(Object target) {
        if (target instanceof NodeRef || target instanceof RelRef) {
            return ev.propertiesOf(target);
        }
        throw Errors.type("Type mismatch: expected Node or Relationship but was " + Values.typeName(target));
    }

    private void setProperty(Object target, String key, Object value) {
        if (target == null) {
            return;
        }
        Object normalised = value == null ? null : propertyValue(key, value);
        if (target instanceof NodeRef n) {
            Object old = ev.node(n.id()).properties().get(key);
            if (normalised == null && old == null) {
                return;
            }
            ctx.writer().setNodeProperty(n.id(), key, normalised);
            ctx.stats.propertiesSet++;
        } else if (target instanceof RelRef r) {
            Object old = ev.relationship(r.id()).properties().get(key);
            if (normalised == null && old == null) {
                return;
            }
            ctx.writer().setRelationshipProperty(r.id(), key, normalised);
            ctx.stats.propertiesSet++;
        } else {
            throw Errors.type("Type mismatch: expected Node or Relationship but was " + Values.typeName(target));
        }
    }

    private void remove(List<RemoveItem> items, Map<String, Object> row) {
        for (RemoveItem item : items) {
            if (item instanceof RemoveProperty rp) {
                Object target = ev.eval(rp.target().target(), row);
                setProperty(target, rp.target().key(), null);
            } else if (item instanceof RemoveLabels rl) {
                Object target = ev.eval(rl.target(), row);
                if (target == null) {
                    continue;
                }
                if (!(target instanceof NodeRef n)) {
                    throw Errors.type("Type mismatch: expected Node but was " + Values.typeName(target));
                }
                for (String label : rl.labels()) {
                    if (ev.node(n.id()).labels().contains(label)) {
                        ctx.writer().removeLabel(n.id(), label);
                        ctx.stats.labelsRemoved++;
                    }
                }
            }
        }
    }

    private void delete(Delete d, List<Map<String, Object>> rows) {
        Set<Long> rels = new LinkedHashSet<>();
        Set<Long> nodes = new LinkedHashSet<>();
        for (Map<String, Object> row : rows) {
            for (Expr e : d.targets()) {
                collectDeletable(ev.eval(e, row), rels, nodes);
            }
        }
        GraphWriter w = ctx.writer();
        for (long r : rels) {
            deleteRelationship(w, r);
        }
        for (long n : nodes) {
            if (ctx.deletedNodes.contains(n) || ctx.graph.node(n).isEmpty()) {
                continue;
            }
            if (d.detach()) {
                List<Long> attached;
                try (Stream<RelationshipRecord> s = ctx.graph.relationships(n, Direction.BOTH, null)) {
                    attached = s.map(RelationshipRecord::id).toList();
                }
                for (long r : attached) {
                    deleteRelationship(w, r);
                }
            } else if (ctx.graph.degree(n) > 0) {
                throw new GraphException(Errors.CONSTRAINT_VALIDATION, "Cannot delete node<" + n
                        + ">, because it still has relationships. To delete this node, you must first delete its relationships.");
            }
            w.deleteNode(n);
            ctx.deletedNodes.add(n);
            ctx.stats.nodesDeleted++;
        }
    }

    private void deleteRelationship(GraphWriter w, long r) {
        if (ctx.deletedRelationships.contains(r) || ctx.graph.relationship(r).isEmpty()) {
            return;
        }
        ctx.deletedRelationshipRecords.put(r, ctx.graph.relationship(r).orElseThrow());
        w.deleteRelationship(r);
        ctx.deletedRelationships.add(r);
        ctx.stats.relationshipsDeleted++;
    }

    private void collectDeletable(Object v, Set<Long> rels, Set<Long> nodes) {
        if (v == null) {
            return;
        }
        if (v instanceof NodeRef n) {
            nodes.add(n.id());
        } else if (v instanceof RelRef r) {
            rels.add(r.id());
        } else if (v instanceof PathRef p) {
            rels.addAll(p.rels());
            nodes.addAll(p.nodes());
        } else if (v instanceof List<?> l) {
            for (Object o : l) {
                collectDeletable(o, rels, nodes);
            }
        } else {
            throw Errors.type("Type mismatch: expected Node, Relationship or Path but was " + Values.typeName(v));
        }
    }

    // ------------------------------------------------------------------ procedures

    private Procedure procedure(Call call) {
        return ctx.procedures.lookup(call.procedure()).orElseThrow(() -> new GraphException(Errors.PROCEDURE_NOT_FOUND,
                "There is no procedure with the name `" + call.procedure() + "` registered for this database instance. "
                        + "Please ensure you've spelled the procedure name correctly and that the procedure is properly deployed."));
    }

    /** Whether a value of (Cypher) type name {@code t} may be passed to an input of type {@code type}. */
    static boolean accepts(Procedure.Type type, String t) {
        return switch (type) {
            case ANY -> true;
            case BOOLEAN -> t.equals("Boolean");
            case INTEGER -> t.equals("Integer");
            case FLOAT, NUMBER -> t.equals("Integer") || t.equals("Float");
            case STRING -> t.equals("String");
            case LIST -> t.startsWith("List");
            case MAP -> t.equals("Map") || t.equals("Node") || t.equals("Relationship");
            case NODE -> t.equals("Node");
            case RELATIONSHIP -> t.equals("Relationship");
            case PATH -> t.equals("Path");
        };
    }

    private List<Map<String, Object>> invoke(Call call, Procedure proc, Map<String, Object> row) {
        List<Object> args = new ArrayList<>();
        List<Procedure.Input> inputs = proc.inputs();
        if (call.args() != null) {
            for (Expr a : call.args()) {
                args.add(ev.eval(a, row));
            }
        } else {
            for (Procedure.Input in : inputs) {
                if (ctx.params.containsKey(in.name())) {
                    args.add(ctx.params.get(in.name()));
                } else if (!in.optional()) {
                    throw new GraphException(Errors.PARAMETER_MISSING, "Expected parameter(s): " + in.name());
                } else {
                    break;
                }
            }
        }
        for (int i = 0; i < args.size() && i < inputs.size(); i++) {
            Object v = args.get(i);
            Procedure.Type type = inputs.get(i).type();
            if (v == null) {
                continue;
            }
            if (!accepts(type, Values.typeName(v))) {
                throw Errors.type("Type mismatch for argument `" + inputs.get(i).name() + "` of " + call.procedure()
                        + ": expected " + type + " but was " + Values.typeName(v));
            }
            if (type == Procedure.Type.FLOAT && v instanceof Long l) {
                args.set(i, l.doubleValue());
            }
        }
        for (int i = 0; i < args.size(); i++) {
            args.set(i, ev.toOutput(args.get(i)));
        }
        if (proc.mode() == Procedure.Mode.WRITE) {
            ctx.writer();
        }
        List<Map<String, Object>> result = proc.call(args, new CallContext(ctx.graph, ctx.params));
        List<Map<String, Object>> out = new ArrayList<>(result.size());
        for (Map<String, Object> r : result) {
            @SuppressWarnings("unchecked")
            Map<String, Object> converted = (Map<String, Object>) Values.fromExternal(r);
            out.add(converted);
        }
        return out;
    }

    private Result standaloneCall(Call call, Rows rows, List<String> scope) {
        Procedure proc = procedure(call);
        if (call.yields() != null) {
            Rows out = inQueryCall(call, rows, scope);
            List<String> columns = new ArrayList<>();
            boolean star = call.yields().size() == 1 && call.yields().get(0).field().equals("*");
            if (star) {
                columns.addAll(proc.outputColumns());
            } else {
                call.yields().forEach(y -> columns.add(y.alias()));
            }
            return new Result(columns, out, true);
        }
        List<String> columns = proc.outputColumns();
        Rows projected = new Rows() {
            private Iterator<Map<String, Object>> results;

            @Override
            public Map<String, Object> next() {
                while (results == null || !results.hasNext()) {
                    Map<String, Object> row = rows.next();
                    if (row == null) {
                        return null;
                    }
                    results = invoke(call, proc, row).iterator();
                }
                Map<String, Object> r = results.next();
                Map<String, Object> out = new LinkedHashMap<>();
                for (String c : columns) {
                    out.put(c, r.get(c));
                }
                return out;
            }

            @Override
            public void close() {
                rows.close();
            }
        };
        return new Result(columns, projected, true);
    }

    /** CALL ... YIELD inside a query: the procedure runs once per input row, as its rows are pulled. */
    private Rows inQueryCall(Call call, Rows rows, List<String> scope) {
        Procedure proc = procedure(call);
        List<YieldItem> yields = call.yields();
        if (yields == null) {
            // in-query call without YIELD: rows pass through (one per procedure row), nothing is bound
            yields = List.of();
        } else if (yields.size() == 1 && yields.get(0).field().equals("*")) {
            yields = proc.outputColumns().stream().map(c -> new YieldItem(c, c)).toList();
        }
        for (YieldItem y : yields) {
            if (!proc.outputColumns().contains(y.field())) {
                rows.close();
                throw Errors.syntax("Unknown procedure output: `" + y.field() + "`");
            }
        }
        for (YieldItem y : yields) {
            if (!scope.contains(y.alias())) {
                scope.add(y.alias());
            }
        }
        List<YieldItem> bound = yields;
        return new Rows() {
            private Map<String, Object> row;
            private Iterator<Map<String, Object>> results;

            @Override
            public Map<String, Object> next() {
                while (true) {
                    while (results != null && results.hasNext()) {
                        Map<String, Object> r = results.next();
                        Map<String, Object> extended = new HashMap<>(row);
                        for (YieldItem y : bound) {
                            extended.put(y.alias(), r.get(y.field()));
                        }
                        if (call.where() == null || Values.isTrue(ev.eval(call.where(), extended))) {
                            return extended;
                        }
                    }
                    row = rows.next();
                    if (row == null) {
                        return null;
                    }
                    List<Map<String, Object>> called = invoke(call, proc, row);
                    if (proc.outputColumns().isEmpty()) {
                        // a void procedure leaves the row stream unchanged
                        results = null;
                        return row;
                    }
                    results = called.iterator();
                }
            }

            @Override
            public void close() {
                rows.close();
            }
        };
    }

    // ------------------------------------------------------------------ schema

    void schemaCommand(SchemaCommand command) {
        GraphWriter w = ctx.writer();
        List<IndexDescriptor> schema = ctx.graph.schema();
        if (command instanceof CreateIndex ci) {
            String name = ci.name() != null ? ci.name() : generatedName("index", ci.label(), ci.property());
            if (ci.ifNotExists() && schema.stream().anyMatch(d -> d.name().equals(name)
                    || (d.label().equals(ci.label()) && d.property().equals(ci.property())))) {
                return;
            }
            w.createSchemaRule(new IndexDescriptor(name, IndexDescriptor.Kind.RANGE, ci.label(), ci.property()));
            ctx.stats.indexesAdded++;
        } else if (command instanceof CreateConstraint cc) {
            String name = cc.name() != null ? cc.name() : generatedName("constraint", cc.label(), cc.property());
            if (cc.ifNotExists() && schema.stream().anyMatch(d -> d.name().equals(name)
                    || (d.kind() == IndexDescriptor.Kind.UNIQUENESS && d.label().equals(cc.label())
                    && d.property().equals(cc.property())))) {
                return;
            }
            w.createSchemaRule(new IndexDescriptor(name, IndexDescriptor.Kind.UNIQUENESS, cc.label(), cc.property()));
            ctx.stats.constraintsAdded++;
        } else if (command instanceof DropIndex di) {
            IndexDescriptor found = schema.stream().filter(d -> d.name().equals(di.name())).findFirst().orElse(null);
            if (found == null || found.kind() != IndexDescriptor.Kind.RANGE) {
                if (found == null && di.ifExists()) {
                    return;
                }
                throw new GraphException("Neo.ClientError.Schema.IndexDropFailed", found == null
                        ? "Unable to drop index called `" + di.name() + "`. There is no such index."
                        : "Unable to drop index: Index belongs to constraint: `" + di.name() + "`");
            }
            w.dropSchemaRule(di.name());
            ctx.stats.indexesRemoved++;
        } else if (command instanceof DropConstraint dc) {
            IndexDescriptor found = schema.stream().filter(d -> d.name().equals(dc.name())).findFirst().orElse(null);
            if (found == null || found.kind() != IndexDescriptor.Kind.UNIQUENESS) {
                if (found == null && dc.ifExists()) {
                    return;
                }
                throw new GraphException("Neo.ClientError.Schema.ConstraintDropFailed",
                        "Unable to drop constraint `" + dc.name() + "`: No such constraint " + dc.name() + ".");
            }
            w.dropSchemaRule(dc.name());
            ctx.stats.constraintsRemoved++;
        }
    }

    /** Neo4j-style generated names ({@code index_1a2b3c4d}), deterministic in the schema they describe. */
    static String generatedName(String prefix, String label, String property) {
        try {
            byte[] digest = java.security.MessageDigest.getInstance("SHA-256").digest(
                    (prefix + ":NODE:" + label + ":" + property).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return prefix + "_" + java.util.HexFormat.of().formatHex(digest, 0, 4);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Neo4j 5's default SHOW INDEXES columns; {@code YIELD *} adds {@link #INDEX_COLUMNS}' extra ones. */
    static final List<String> INDEX_DEFAULT_COLUMNS = List.of("id", "name", "state", "populationPercent", "type",
            "entityType", "labelsOrTypes", "properties", "indexProvider", "owningConstraint", "lastRead", "readCount");
    static final List<String> INDEX_COLUMNS = List.of("id", "name", "state", "populationPercent", "type", "entityType",
            "labelsOrTypes", "properties", "indexProvider", "owningConstraint", "lastRead", "readCount",
            "createStatement");
    static final List<String> CONSTRAINT_DEFAULT_COLUMNS = List.of("id", "name", "type", "entityType",
            "labelsOrTypes", "properties", "ownedIndex", "propertyType");
    static final List<String> CONSTRAINT_COLUMNS = List.of("id", "name", "type", "entityType", "labelsOrTypes",
            "properties", "ownedIndex", "propertyType", "createStatement");

    static List<Map<String, Object>> schemaRows(List<IndexDescriptor> schema, boolean constraints) {
        List<IndexDescriptor> sorted = new ArrayList<>(schema);
        sorted.sort(Comparator.comparing(IndexDescriptor::name));
        List<Map<String, Object>> rows = new ArrayList<>();
        long id = 0;
        for (IndexDescriptor d : sorted) {
            id++;
            boolean unique = d.kind() == IndexDescriptor.Kind.UNIQUENESS;
            if (constraints && !unique) {
                continue;
            }
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("id", id);
            row.put("name", d.name());
            if (constraints) {
                row.put("type", "UNIQUENESS");
                row.put("entityType", "NODE");
                row.put("labelsOrTypes", List.of(d.label()));
                row.put("properties", List.of(d.property()));
                row.put("ownedIndex", d.name());
                row.put("propertyType", null);
                row.put("createStatement", "CREATE CONSTRAINT `" + d.name() + "` FOR (n:`" + d.label()
                        + "`) REQUIRE (n.`" + d.property() + "`) IS UNIQUE");
            } else {
                row.put("state", "ONLINE");
                row.put("populationPercent", 100.0);
                row.put("type", "RANGE");
                row.put("entityType", "NODE");
                row.put("labelsOrTypes", List.of(d.label()));
                row.put("properties", List.of(d.property()));
                row.put("indexProvider", "range-1.0");
                row.put("owningConstraint", unique ? d.name() : null);
                // ccdr does not track index usage
                row.put("lastRead", null);
                row.put("readCount", null);
                row.put("createStatement", unique ? "CREATE CONSTRAINT `" + d.name() + "` FOR (n:`" + d.label()
                        + "`) REQUIRE (n.`" + d.property() + "`) IS UNIQUE"
                        : "CREATE RANGE INDEX `" + d.name() + "` FOR (n:`" + d.label() + "`) ON (n.`" + d.property() + "`)");
            }
            rows.add(row);
        }
        return rows;
    }
}
