package io.ccdr.node.cypher;

import io.ccdr.node.cypher.Ast.Expr;
import io.ccdr.node.cypher.Ast.Projection;
import io.ccdr.node.cypher.Ast.ProjectionItem;
import io.ccdr.node.cypher.Ast.SortItem;

import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The optional tail of a SHOW command: {@code YIELD cols [ORDER BY ..] [SKIP n] [LIMIT n] [WHERE ..] [RETURN ..]}
 * or a bare {@code WHERE ..}. The server produces the full rows of the command (every column it knows)
 * and calls {@link #apply}, which gives the same result shape as Neo4j.
 */
public final class ShowProjection {
    static final ShowProjection NONE = new ShowProjection(null, false, List.of(), null, null, null, null);

    private final List<ProjectionItem> yields;
    private final boolean yieldAll;
    private final List<SortItem> orderBy;
    private final Expr skip;
    private final Expr limit;
    private final Expr where;
    private final Projection returnClause;

    ShowProjection(List<ProjectionItem> yields, boolean yieldAll, List<SortItem> orderBy, Expr skip, Expr limit,
                   Expr where, Projection returnClause) {
        this.yields = yields == null ? null : List.copyOf(yields);
        this.yieldAll = yieldAll;
        this.orderBy = List.copyOf(orderBy);
        this.skip = skip;
        this.limit = limit;
        this.where = where;
        this.returnClause = returnClause;
    }

    /** True when the command had no YIELD/WHERE tail. */
    public boolean isEmpty() {
        return this == NONE || (yields == null && !yieldAll && where == null);
    }

    /** The YIELDed column names (after aliasing), or empty when there was no explicit column list. */
    public List<String> yieldedColumns() {
        return yields == null ? List.of() : yields.stream().map(ProjectionItem::name).toList();
    }

    /**
     * Applies the tail to the command's full rows.
     *
     * @param defaultColumns the columns shown without YIELD (Neo4j's default set)
     * @param allColumns     every column the rows carry (shown by {@code YIELD *})
     * @param rows           full rows, one map per row, keyed by column name
     * @param params         query parameters (for expressions in WHERE/SKIP/LIMIT)
     */
    public QueryResult apply(List<String> defaultColumns, List<String> allColumns, List<Map<String, Object>> rows,
                             Map<String, Object> params) {
        QueryContext ctx = new QueryContext(null, params == null ? Map.of() : normalise(params), ProcedureRegistry.EMPTY,
                Clock.systemUTC());
        Executor executor = new Executor(ctx);
        Eval ev = executor.eval();
        List<Map<String, Object>> input = new ArrayList<>();
        for (Map<String, Object> r : rows) {
            @SuppressWarnings("unchecked")
            Map<String, Object> converted = (Map<String, Object>) Values.fromExternal(r);
            input.add(converted);
        }
        List<String> scope = new ArrayList<>(allColumns);
        List<String> columns;
        List<Map<String, Object>> result;
        if (yields == null && !yieldAll) {
            // bare SHOW or SHOW ... WHERE: default columns, filter on all columns
            List<Map<String, Object>> filtered = new ArrayList<>();
            for (Map<String, Object> r : input) {
                if (where == null || Values.isTrue(Values.asBoolean(ev.eval(where, withAll(r, allColumns)), " (in WHERE)"))) {
                    filtered.add(r);
                }
            }
            columns = defaultColumns;
            result = select(defaultColumns, filtered);
        } else {
            List<ProjectionItem> items = new ArrayList<>();
            if (yieldAll) {
                for (String c : allColumns) {
                    items.add(new ProjectionItem(new Ast.Variable(c, -1), c, true));
                }
            } else {
                for (ProjectionItem y : yields) {
                    String field = ((Ast.Variable) y.expression()).name();
                    if (!allColumns.contains(field)) {
                        throw Errors.syntax("Variable `" + field + "` not defined");
                    }
                    items.add(y);
                }
            }
            List<Map<String, Object>> full = new ArrayList<>();
            for (Map<String, Object> r : input) {
                full.add(withAll(r, allColumns));
            }
            Executor.Result t = executor.project(new Projection(false, false, items, orderBy, skip, limit), where,
                    Rows.of(full), scope);
            if (returnClause != null) {
                t = executor.project(returnClause, null, t.rows(), new ArrayList<>(t.columns()));
            }
            columns = t.columns();
            result = new ArrayList<>();
            try (Rows rs = t.rows()) {
                for (Map<String, Object> r = rs.next(); r != null; r = rs.next()) {
                    result.add(r);
                }
            }
        }
        List<List<Object>> out = new ArrayList<>();
        for (Map<String, Object> r : result) {
            List<Object> row = new ArrayList<>();
            for (String c : columns) {
                row.add(ev.toOutput(r.get(c)));
            }
            out.add(row);
        }
        return new QueryResult(columns, out, QueryStatistics.EMPTY, "r");
    }

    private static Map<String, Object> withAll(Map<String, Object> r, List<String> allColumns) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (String c : allColumns) {
            out.put(c, r.get(c));
        }
        return out;
    }

    private static List<Map<String, Object>> select(List<String> columns, List<Map<String, Object>> rows) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Map<String, Object> r : rows) {
            Map<String, Object> m = new LinkedHashMap<>();
            for (String c : columns) {
                m.put(c, r.get(c));
            }
            out.add(m);
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> normalise(Map<String, Object> params) {
        return (Map<String, Object>) Values.fromExternal(params);
    }

    @Override
    public String toString() {
        return isEmpty() ? "ShowProjection[]" : "ShowProjection[yield=" + yieldedColumns() + (yieldAll ? " *" : "")
                + (where != null ? " where" : "") + "]";
    }
}
