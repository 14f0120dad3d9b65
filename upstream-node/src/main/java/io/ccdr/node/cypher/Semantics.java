package io.ccdr.node.cypher;

import io.ccdr.node.cypher.Ast.*;
import io.ccdr.node.graph.Direction;
import io.ccdr.node.graph.GraphException;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Compile-time checks, reported like Neo4j does (status SyntaxError, which is how Neo4j classifies its
 * semantic analysis failures): undefined and redeclared variables, variable kind conflicts, misplaced
 * aggregates, unknown functions and wrong arities, CREATE/MERGE pattern rules and clause composition.
 */
final class Semantics {
    private enum Kind { NODE, REL, PATH, REL_LIST, VALUE, ANY }

    private final String src;
    private final ProcedureRegistry procedures;
    private final Set<String> implicitParameters = new LinkedHashSet<>();

    private Semantics(String src, ProcedureRegistry procedures) {
        this.src = src;
        this.procedures = procedures;
    }

    /** Checks the query; returns the names of parameters passed implicitly to procedures. */
    static Set<String> check(String src, Query q, ProcedureRegistry procedures) {
        Semantics s = new Semantics(src, procedures);
        List<String> columns = null;
        for (List<Clause> part : q.parts()) {
            List<String> cols = s.single(part);
            if (columns != null && !columns.equals(cols)) {
                throw Errors.syntax("All sub queries in an UNION must have the same return column names");
            }
            columns = cols;
        }
        if (q.unionAll().contains(true) && q.unionAll().contains(false)) {
            throw Errors.syntax("Invalid combination of UNION and UNION ALL");
        }
        return s.implicitParameters;
    }

    private GraphException error(String message, int offset) {
        return Errors.syntax(offset >= 0 ? message + " " + Errors.positionWithCaret(src, offset) : message);
    }

    private List<String> single(List<Clause> clauses) {
        return single(clauses, new HashMap<>(), false);
    }

    /** {@code scope} holds the variables visible from outside (a subquery's outer row). */
    private List<String> single(List<Clause> clauses, Map<String, Kind> scope, boolean subquery) {
        List<String> order = new ArrayList<>(scope.keySet());
        for (int i = 0; i < clauses.size(); i++) {
            Clause c = clauses.get(i);
            boolean last = i == clauses.size() - 1;
            if (c instanceof Return r) {
                return projection(r.projection(), null, scope, order, true);
            }
            if (c instanceof Call call) {
                procedureCall(call, clauses.size() == 1, scope);
            }
            if (subquery && (c instanceof Create || c instanceof Merge || c instanceof SetClause || c instanceof Remove
                    || c instanceof Delete || c instanceof Foreach)) {
                throw Errors.syntax("An EXISTS or COUNT subquery cannot contain a query that updates the graph");
            }
            clause(c, scope, order, clauses.size() == 1);
            if (last && !subquery && (c instanceof Match || c instanceof With || c instanceof Unwind
                    || (c instanceof Call call && call.yields() != null && clauses.size() > 1))) {
                String name = c instanceof Match m ? (m.optional() ? "OPTIONAL MATCH" : "MATCH")
                        : c instanceof With ? "WITH" : c instanceof Unwind ? "UNWIND" : "CALL";
                throw Errors.syntax("Query cannot conclude with " + name
                        + " (must be a RETURN clause, an update clause, a unit subquery call, or a procedure call with no YIELD)");
            }

        }
        return List.of();
    }

    private void clause(Clause c, Map<String, Kind> scope, List<String> order, boolean only) {
        if (c instanceof Match m) {
            Set<String> before = new HashSet<>(scope.keySet());
            for (PatternPart part : m.patterns()) {
                pattern(part, scope, order, false, before);
            }
            predicate(m.where(), scope);
        } else if (c instanceof Unwind u) {
            expr(u.list(), scope, false);
            declare(u.variable(), Kind.ANY, scope, order);
        } else if (c instanceof Create cr) {
            Set<String> before = new HashSet<>(scope.keySet());
            for (PatternPart part : cr.patterns()) {
                createPattern(part, scope, before, "CREATE");
                pattern(part, scope, order, true, before);
            }
        } else if (c instanceof Merge mg) {
            Set<String> before = new HashSet<>(scope.keySet());
            createPattern(mg.pattern(), scope, before, "MERGE");
            pattern(mg.pattern(), scope, order, true, before);
            setItems(mg.onCreate(), scope);
            setItems(mg.onMatch(), scope);
        } else if (c instanceof SetClause s) {
            setItems(s.items(), scope);
        } else if (c instanceof Remove rm) {
            for (RemoveItem item : rm.items()) {
                if (item instanceof RemoveProperty rp) {
                    expr(rp.target(), scope, false);
                } else if (item instanceof RemoveLabels rl) {
                    expr(rl.target(), scope, false);
                }
            }
        } else if (c instanceof Delete d) {
            for (Expr e : d.targets()) {
                expr(e, scope, false);
                if (e instanceof Literal || e instanceof Binary || e instanceof MapLiteral || e instanceof HasLabels) {
                    throw Errors.syntax("Type mismatch: expected Node, Path or Relationship but was "
                            + (e instanceof Literal l ? Values.typeName(l.value()) : "an expression"));
                }
            }
        } else if (c instanceof With w) {
            List<String> cols = projection(w.projection(), w.where(), scope, order, false);
            Map<String, Kind> next = new HashMap<>();
            for (String col : cols) {
                next.put(col, scope.getOrDefault(col, Kind.ANY));
            }
            // kinds survive only for pass-through variables
            for (ProjectionItem item : w.projection().items()) {
                next.put(item.name(), kindOf(item.expression(), scope));
            }
            boolean aggregating = w.projection().items().stream().anyMatch(i -> Exprs.containsAggregate(i.expression()));
            if (w.where() != null) {
                // WHERE after a plain WITH still sees the variables of the previous scope
                Map<String, Kind> whereScope = new HashMap<>(next);
                Expr where = w.where();
                if (!aggregating && !w.projection().distinct()) {
                    scope.forEach(whereScope::putIfAbsent);
                } else {
                    where = Executor.substituteItems(where, w.projection().items());
                }
                predicate(where, whereScope);
            }
            scope.clear();
            scope.putAll(next);
            order.clear();
            order.addAll(cols);
        } else if (c instanceof Call call) {
            if (call.args() != null) {
                for (Expr a : call.args()) {
                    expr(a, scope, false);
                }
            }
            if (call.yields() != null) {
                for (YieldItem y : call.yields()) {
                    if (!y.alias().equals("*")) {
                        declare(y.alias(), Kind.ANY, scope, order);
                    }
                }
                predicate(call.where(), scope);
            }
        } else if (c instanceof Foreach fe) {
            expr(fe.list(), scope, false);
            Map<String, Kind> inner = new HashMap<>(scope);
            List<String> innerOrder = new ArrayList<>(order);
            declare(fe.variable(), Kind.ANY, inner, innerOrder);
            for (Clause bc : fe.body()) {
                clause(bc, inner, innerOrder, false);
            }
        }
    }

    private void procedureCall(Call call, boolean standalone, Map<String, Kind> scope) {
        Procedure proc = procedures.lookup(call.procedure()).orElseThrow(() -> new GraphException(
                Errors.PROCEDURE_NOT_FOUND, "There is no procedure with the name `" + call.procedure()
                + "` registered for this database instance. Please ensure you've spelled the procedure name "
                + "correctly and that the procedure is properly deployed."));
        List<Procedure.Input> inputs = proc.inputs();
        long required = inputs.stream().filter(i -> !i.optional()).count();
        if (call.args() == null) {
            if (!standalone && !inputs.isEmpty()) {
                throw Errors.syntax("Procedure call inside a query does not support passing arguments implicitly "
                        + "(pass explicitly after procedure name instead)");
            }
            for (Procedure.Input in : inputs) {
                if (!in.optional()) {
                    implicitParameters.add(in.name());
                }
            }
        } else {
            if (call.args().size() < required || call.args().size() > inputs.size()) {
                throw error("Procedure call does not provide the required number of arguments: got "
                        + call.args().size() + " argument(s) but expected " + (required == inputs.size()
                        ? String.valueOf(required) : "between " + required + " and " + inputs.size())
                        + " for procedure " + call.procedure() + "(" + signature(inputs) + ")", call.offset());
            }
            for (int i = 0; i < call.args().size(); i++) {
                Expr arg = call.args().get(i);
                if (Exprs.containsAggregate(arg)) {
                    throw Errors.syntax("Procedure call cannot take an aggregating function as argument, "
                            + "please add a 'WITH' to your statement.");
                }
                String t = staticType(arg, scope);
                if (t != null && !Executor.accepts(inputs.get(i).type(), t)) {
                    throw Errors.syntax("Type mismatch: expected " + inputs.get(i).type() + " but was " + t
                            + " (argument `" + inputs.get(i).name() + "` of " + call.procedure() + ")");
                }
            }
        }
        if (call.yields() != null) {
            boolean star = call.yields().size() == 1 && call.yields().get(0).field().equals("*");
            if (star && !standalone) {
                throw Errors.syntax("Invalid input '*': YIELD * can only be used with a standalone procedure call");
            }
            Set<String> aliases = new HashSet<>();
            for (YieldItem y : call.yields()) {
                if (star) {
                    break;
                }
                if (!proc.outputColumns().contains(y.field())) {
                    throw Errors.syntax("Unknown procedure output: `" + y.field() + "`");
                }
                if (!aliases.add(y.alias()) || scope.containsKey(y.alias())) {
                    throw Errors.syntax("Variable `" + y.alias() + "` already declared");
                }
            }
        } else if (!standalone && !proc.outputColumns().isEmpty()) {
            // Neo4j requires YIELD for in-query calls of procedures with outputs; nothing is bound here,
            // so a later reference to an output fails as an undefined variable
        }
    }

    private static String signature(List<Procedure.Input> inputs) {
        List<String> parts = new ArrayList<>();
        for (Procedure.Input in : inputs) {
            parts.add(in.name() + " :: " + in.type() + (in.optional() ? " = null" : ""));
        }
        return String.join(", ", parts);
    }

    private void setItems(List<SetItem> items, Map<String, Kind> scope) {
        for (SetItem item : items) {
            if (item instanceof SetProperty sp) {
                expr(sp.target().target(), scope, false);
                expr(sp.value(), scope, false);
            } else if (item instanceof SetProperties sps) {
                expr(sps.target(), scope, false);
                expr(sps.value(), scope, false);
            } else if (item instanceof SetLabels sl) {
                expr(sl.target(), scope, false);
            }
        }
    }

    private void declare(String name, Kind kind, Map<String, Kind> scope, List<String> order) {
        if (scope.containsKey(name)) {
            throw Errors.syntax("Variable `" + name + "` already declared");
        }
        scope.put(name, kind);
        order.add(name);
    }

    private void bind(String name, Kind kind, Map<String, Kind> scope, List<String> order) {
        Kind existing = scope.get(name);
        if (existing == null) {
            scope.put(name, kind);
            order.add(name);
            return;
        }
        boolean listOfRelationships = (existing == Kind.VALUE && kind == Kind.REL_LIST)
                || (existing == Kind.REL_LIST && kind == Kind.VALUE);
        if (existing != Kind.ANY && kind != Kind.ANY && existing != kind && !listOfRelationships) {
            throw Errors.syntax("Type mismatch: `" + name + "` defined with conflicting type "
                    + kindName(existing) + " (expected " + kindName(kind) + ")");
        }
    }

    /** Static kind of an expression, where it is evident (variables keep theirs, literals are values). */
    private static Kind kindOf(Expr e, Map<String, Kind> scope) {
        if (e instanceof Variable v) {
            return scope.getOrDefault(v.name(), Kind.ANY);
        }
        if ((e instanceof Literal l && l.value() != null) || e instanceof ListLiteral || e instanceof MapLiteral
                || e instanceof ListComprehension || (e instanceof Binary b && b.op() != Op.ADD)) {
            return Kind.VALUE;
        }
        return Kind.ANY;
    }

    private static String kindName(Kind k) {
        return switch (k) {
            case NODE -> "Node";
            case REL -> "Relationship";
            case PATH -> "Path";
            case REL_LIST -> "List<Relationship>";
            case VALUE -> "a value";
            default -> "Any";
        };
    }

    private void pattern(PatternPart part, Map<String, Kind> scope, List<String> order, boolean creating,
                         Set<String> before) {
        Set<String> relsInPart = new HashSet<>();
        for (int i = 0; i < part.nodes().size(); i++) {
            NodePattern n = part.nodes().get(i);
            if (n.properties() != null) {
                expr(n.properties(), scope, false);
            }
            if (n.variable() != null) {
                bind(n.variable(), Kind.NODE, scope, order);
            }
            if (i < part.rels().size()) {
                RelPattern r = part.rels().get(i);
                if (r.properties() != null) {
                    expr(r.properties(), scope, false);
                }
                if (r.variable() != null) {
                    if (!relsInPart.add(r.variable()) || (!creating && before.contains(r.variable())
                            && r.variableLength())) {
                        if (!relsInPart.contains(r.variable()) || before.contains(r.variable())) {
                            // re-using a relationship list is allowed for a bound var-length relationship
                        } else {
                            throw Errors.syntax("Cannot use the same relationship variable '" + r.variable()
                                    + "' for multiple relationships");
                        }
                    }
                    bind(r.variable(), r.variableLength() ? Kind.REL_LIST : Kind.REL, scope, order);
                }
            }
        }
        if (part.pathVariable() != null) {
            if (scope.containsKey(part.pathVariable())) {
                throw Errors.syntax("Variable `" + part.pathVariable() + "` already declared");
            }
            bind(part.pathVariable(), Kind.PATH, scope, order);
        }
    }

    private void createPattern(PatternPart part, Map<String, Kind> scope, Set<String> before, String clause) {
        for (NodePattern n : part.nodes()) {
            if (n.variable() != null && scope.containsKey(n.variable())
                    && (!n.labels().isEmpty() || n.properties() != null)) {
                throw Errors.syntax("Can't create node `" + n.variable() + "` with labels or properties here. "
                        + "The variable is already declared in this context");
            }
        }
        if (part.rels().isEmpty() && part.nodes().size() == 1) {
            NodePattern n = part.nodes().get(0);
            if (n.variable() != null && scope.containsKey(n.variable())) {
                throw Errors.syntax("Variable `" + n.variable() + "` already declared");
            }
        }
        for (RelPattern r : part.rels()) {
            if (r.types().size() != 1) {
                throw Errors.syntax("Exactly one relationship type must be specified for " + clause
                        + ". Did you forget to prefix your relationship type with a ':'?");
            }
            if (r.variableLength()) {
                throw Errors.syntax("Variable length relationships cannot be used in " + clause);
            }
            if (clause.equals("CREATE") && r.direction() == Direction.BOTH) {
                throw Errors.syntax("Only directed relationships are supported in CREATE");
            }
            if (r.variable() != null && scope.containsKey(r.variable())) {
                throw Errors.syntax("Can't create relationship `" + r.variable() + "`: variable already declared");
            }
            if (r.properties() instanceof Parameter && clause.equals("MERGE")) {
                throw Errors.syntax("Parameter maps cannot be used in MERGE patterns (use a literal map instead, e.g. {id: $"
                        + ((Parameter) r.properties()).name() + ".id})");
            }
        }
        for (NodePattern n : part.nodes()) {
            if (n.properties() instanceof Parameter p && clause.equals("MERGE")) {
                throw Errors.syntax("Parameter maps cannot be used in MERGE patterns (use a literal map instead, e.g. {id: $"
                        + p.name() + ".id})");
            }
        }
    }

    private List<String> projection(Projection p, Expr where, Map<String, Kind> scope, List<String> order,
                                    boolean isReturn) {
        List<String> cols = new ArrayList<>();
        if (p.star()) {
            if (scope.isEmpty() && isReturn) {
                throw Errors.syntax((isReturn ? "RETURN" : "WITH") + " * is not allowed when there are no variables in scope");
            }
            cols.addAll(new java.util.TreeSet<>(scope.keySet()));
        }
        boolean aggregating = false;
        for (ProjectionItem item : p.items()) {
            expr(item.expression(), scope, true);
            if (!isReturn && !item.aliased() && !(item.expression() instanceof Variable)) {
                throw Errors.syntax("Expression in WITH must be aliased (use AS)");
            }
            if (cols.contains(item.name())) {
                throw Errors.syntax("Multiple result columns with the same name are not supported");
            }
            cols.add(item.name());
            aggregating |= Exprs.containsAggregate(item.expression());
        }
        if (aggregating) {
            List<Expr> keys = new ArrayList<>();
            for (ProjectionItem item : p.items()) {
                if (!Exprs.containsAggregate(item.expression())) {
                    keys.add(item.expression());
                }
            }
            for (ProjectionItem item : p.items()) {
                if (Exprs.containsAggregate(item.expression())) {
                    ambiguity(item.expression(), keys, List.of());
                }
            }
            for (SortItem sort : p.orderBy()) {
                if (Exprs.containsAggregate(sort.expression())) {
                    ambiguity(Executor.substituteItems(sort.expression(), p.items()), keys, cols);
                }
            }
        }
        Set<String> projectedScope = new LinkedHashSet<>(cols);
        for (SortItem s : p.orderBy()) {
            Map<String, Kind> sortScope = new HashMap<>();
            for (String c : projectedScope) {
                sortScope.put(c, Kind.ANY);
            }
            boolean matchesItem = p.items().stream().anyMatch(i -> i.expression().equals(s.expression()));
            if (!p.distinct() && !aggregating) {
                sortScope.putAll(scope);
                for (String c : projectedScope) {
                    sortScope.putIfAbsent(c, Kind.ANY);
                }
            } else if (!matchesItem) {
                // after DISTINCT or aggregation only projected columns (or projected expressions) are visible
                Set<String> free = freeVariablesOutsideItems(s.expression(), p.items());
                for (String v : free) {
                    if (!projectedScope.contains(v)) {
                        throw Errors.syntax("In a " + (isReturn ? "RETURN" : "WITH") + "/ORDER BY, "
                                + (p.distinct() ? "after DISTINCT " : "after an aggregation ")
                                + "it is not possible to access variables declared before the "
                                + (isReturn ? "RETURN" : "WITH") + ": " + v);
                    }
                }
                continue;
            }
            if (!matchesItem) {
                expr(s.expression(), sortScope, true);
            }
            if (Exprs.containsAggregate(s.expression()) && !aggregating && !matchesItem) {
                throw Errors.syntax("Cannot use aggregation in ORDER BY if there are no aggregate expressions in the preceding "
                        + (isReturn ? "RETURN" : "WITH"));
            }
        }
        noVariables(p.skip(), "SKIP");
        noVariables(p.limit(), "LIMIT");
        return cols;
    }

    /**
     * Outside its aggregates, an aggregating expression may only use grouping keys that are variables or
     * property lookups on variables (Neo4j's AmbiguousAggregationExpression rule).
     */
    private void ambiguity(Expr e, List<Expr> keys, List<String> projectedNames) {
        Expr replaced = Exprs.rewrite(e, x -> {
            if (Exprs.isAggregate(x)) {
                return new Literal(null);
            }
            for (Expr k : keys) {
                if (k.equals(x) && (k instanceof Variable || (k instanceof Property pr && pr.target() instanceof Variable))) {
                    return new Literal(null);
                }
            }
            return null;
        });
        Set<String> free = new LinkedHashSet<>(Exprs.freeVariables(replaced));
        free.removeAll(projectedNames);
        if (!free.isEmpty()) {
            throw Errors.syntax("Aggregation column contains implicit grouping expressions. For example, in 'RETURN n.a, "
                    + "n.a + n.b + count(*)' the aggregation expression 'n.a + n.b + count(*)' includes the implicit "
                    + "grouping key 'n.b'. It may be possible to rewrite the query by extracting these grouping/aggregation "
                    + "expressions into a preceding WITH clause. Illegal expression(s): " + String.join(", ", free));
        }
    }

    private static Set<String> freeVariablesOutsideItems(Expr e, List<ProjectionItem> items) {
        Expr replaced = Exprs.rewrite(e, x -> {
            if (Exprs.isAggregate(x)) {
                return new Literal(null);
            }
            for (ProjectionItem i : items) {
                if (!(x instanceof Variable) && i.expression().equals(x)) {
                    return new Literal(null);
                }
            }
            return null;
        });
        return Exprs.freeVariables(replaced);
    }

    private void noVariables(Expr e, String clause) {
        if (e == null) {
            return;
        }
        if (!Exprs.freeVariables(e).isEmpty()) {
            throw Errors.syntax("It is not allowed to refer to variables in " + clause);
        }
        if (e instanceof Literal l && !(l.value() instanceof Long)) {
            throw Errors.syntax("Invalid input. '" + Functions.toCypherString(l.value())
                    + "' is not a valid value. Must be a non-negative integer.");
        }
        if (e instanceof Literal l && (Long) l.value() < 0) {
            throw Errors.syntax("Invalid input. '" + l.value() + "' is not a valid value. Must be a non-negative integer.");
        }
    }

    /** Checks a WHERE predicate: like {@link #expr}, and pattern predicates are allowed at its boolean top. */
    private void predicate(Expr e, Map<String, Kind> scope) {
        if (e == null) {
            return;
        }
        expr(e, scope, false, true);
        String t = staticType(e, scope);
        if (t != null && !t.equals("Boolean")) {
            throw Errors.syntax("Type mismatch: expected Boolean but was " + t);
        }
    }

    /** Checks variables, functions and aggregate placement in one expression. */
    private void expr(Expr e, Map<String, Kind> scope, boolean aggregatesAllowed) {
        expr(e, scope, aggregatesAllowed, false);
    }

    private void expr(Expr e, Map<String, Kind> scope, boolean aggregatesAllowed, boolean booleanContext) {
        if (e == null) {
            return;
        }
        patternPlacement(e, booleanContext);
        subqueries(e, scope);
        Exprs.collectFree(e, Set.of(), v -> {
            if (!scope.containsKey(v.name())) {
                throw error("Variable `" + v.name() + "` not defined", v.offset());
            }
        });
        functions(e, aggregatesAllowed, false);
        kinds(e, scope);
    }

    /**
     * Neo4j 5 accepts a pattern predicate only where a boolean is expected (WHERE, NOT/AND/OR/XOR operands,
     * exists(), quantifier and comprehension filters); elsewhere it would be a list of paths.
     */
    private void patternPlacement(Expr e, boolean booleanContext) {
        if (e instanceof PatternExpr pe && pe.mode() == PatternMode.PREDICATE && !booleanContext) {
            throw Errors.syntax("A pattern expression should only be used in order to test the existence of a pattern. "
                    + "It can no longer be used inside the function size(), an alternative is to replace size() with "
                    + "COUNT {}. Otherwise use exists() or a WHERE clause.");
        }
        for (Expr c : Exprs.children(e)) {
            boolean childBoolean = (e instanceof Binary b && (b.op() == Op.AND || b.op() == Op.OR || b.op() == Op.XOR))
                    || (e instanceof Unary u && u.op() == Op.NOT)
                    || (e instanceof FunctionCall f && f.name().equals("exists"))
                    || (e instanceof ListComprehension lc && c == lc.where())
                    || (e instanceof Quantifier q && c == q.where())
                    || (e instanceof PatternExpr p && c == p.where())
                    || (e instanceof Case cs && cs.subject() == null && cs.whens().contains(c));
            patternPlacement(c, childBoolean);
        }
    }

    private void subqueries(Expr e, Map<String, Kind> scope) {
        if (e instanceof Subquery sq) {
            single(sq.clauses(), new HashMap<>(scope), true);
            return;
        }
        for (Expr c : Exprs.children(e)) {
            subqueries(c, scope);
        }
    }

    /** Type of an expression when it is evident without running the query, else null. */
    private static String staticType(Expr e, Map<String, Kind> scope) {
        if (e instanceof Literal l) {
            return l.value() == null ? null : Values.typeName(l.value());
        }
        if (e instanceof ListLiteral || e instanceof ListComprehension) {
            return "List<T>";
        }
        if (e instanceof MapLiteral || e instanceof MapProjection) {
            return "Map";
        }
        if (e instanceof Variable v) {
            Kind k = scope.get(v.name());
            return k == Kind.NODE ? "Node" : k == Kind.REL ? "Relationship" : k == Kind.PATH ? "Path" : null;
        }
        return null;
    }

    /** Compile-time type errors that Neo4j reports for evidently mistyped operands. */
    private void kinds(Expr e, Map<String, Kind> scope) {
        if (e instanceof Property p) {
            String t = staticType(p.target(), scope);
            if (t != null && !t.equals("Map") && !t.equals("Node") && !t.equals("Relationship")) {
                throw Errors.syntax("Type mismatch: expected Map, Node, Relationship, Point, Duration, Date, Time, "
                        + "LocalTime, LocalDateTime or DateTime but was " + t);
            }
        } else if (e instanceof Binary b && (b.op() == Op.AND || b.op() == Op.OR || b.op() == Op.XOR)) {
            expectType(b.left(), scope, "Boolean");
            expectType(b.right(), scope, "Boolean");
        } else if (e instanceof Unary u && u.op() == Op.NOT) {
            expectType(u.operand(), scope, "Boolean");
        } else if (e instanceof Quantifier q && q.where() != null) {
            expectType(q.where(), scope, "Boolean");
        } else if (e instanceof ListComprehension lc && lc.where() != null) {
            expectType(lc.where(), scope, "Boolean");
        } else if (e instanceof Binary b && b.op() == Op.IN) {
            expectType(b.right(), scope, "List<T>");
        } else if (e instanceof FunctionCall f && f.args().size() == 1) {
            String t = staticType(f.args().get(0), scope);
            if (t != null) {
                boolean bad = switch (f.name()) {
                    case "labels" -> !t.equals("Node");
                    case "type" -> !t.equals("Relationship");
                    case "length" -> t.equals("Node") || t.equals("Relationship");
                    case "size" -> t.equals("Path") || t.equals("Node") || t.equals("Relationship");
                    case "properties", "keys" -> !(t.equals("Node") || t.equals("Relationship") || t.equals("Map"));
                    default -> false;
                };
                if (bad) {
                    throw error("Type mismatch: " + t + " is not a valid argument for " + f.displayName() + "()", f.offset());
                }
            }
        }
        for (Expr c : Exprs.children(e)) {
            kinds(c, scope);
        }
    }

    private void expectType(Expr e, Map<String, Kind> scope, String expected) {
        String t = staticType(e, scope);
        if (t != null && !t.equals(expected)) {
            throw Errors.syntax("Type mismatch: expected " + expected + " but was " + t);
        }
    }

    private void functions(Expr e, boolean aggregatesAllowed, boolean insideAggregate) {
        if (e instanceof FunctionCall f && insideAggregate && f.name().equals("rand")) {
            throw error("Can't use non-deterministic (random) functions inside of aggregate functions.", f.offset());
        }
        if (e instanceof FunctionCall f) {
            boolean aggregate = Exprs.AGGREGATES.contains(f.name());
            int[] arity = Functions.ARITY.get(f.name());
            if (arity == null) {
                throw error("Unknown function '" + f.displayName() + "'", f.offset());
            }
            if (f.args().size() < arity[0]) {
                throw error("Insufficient parameters for function '" + f.displayName() + "'", f.offset());
            }
            if (f.args().size() > arity[1]) {
                throw error("Too many parameters for function '" + f.displayName() + "'", f.offset());
            }
            if (aggregate) {
                if (!aggregatesAllowed) {
                    throw error("Invalid use of aggregating function " + f.displayName() + "(...) in this context", f.offset());
                }
                if (insideAggregate) {
                    throw error("Can't use aggregate functions inside of aggregate functions.", f.offset());
                }
                for (Expr a : f.args()) {
                    functions(a, true, true);
                }
                return;
            }
            if (f.distinct()) {
                throw error("Invalid use of DISTINCT with function '" + f.displayName() + "'", f.offset());
            }
        }
        if (e instanceof CountStar) {
            if (!aggregatesAllowed) {
                throw Errors.syntax("Invalid use of aggregating function count(...) in this context");
            }
            if (insideAggregate) {
                throw Errors.syntax("Can't use aggregate functions inside of aggregate functions.");
            }
        }
        // aggregates may produce the list a comprehension iterates, but not appear in its per-element body
        Expr iterated = e instanceof ListComprehension lc ? lc.list() : e instanceof Quantifier q ? q.list()
                : e instanceof Reduce r ? r.list() : null;
        boolean scoped = iterated != null || e instanceof PatternExpr;
        for (Expr c : Exprs.children(e)) {
            boolean allowed = aggregatesAllowed && (!scoped || c == iterated || (e instanceof Reduce r && c == r.init()));
            functions(c, allowed, insideAggregate);
        }
    }
}
