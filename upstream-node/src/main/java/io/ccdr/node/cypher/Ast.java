package io.ccdr.node.cypher;

import io.ccdr.node.graph.Direction;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The parsed form of a query. Expressions are records so that structurally equal expressions are
 * equal (ORDER BY after aggregation matches its items against projection expressions that way);
 * source positions are kept only where an error must point at them and are excluded from equality.
 */
final class Ast {
    private Ast() {
    }

    // ---------------------------------------------------------------- expressions

    sealed interface Expr permits Literal, Parameter, Variable, Property, Subscript, Slice, ListLiteral, MapLiteral,
            MapProjection, Binary, Unary, IsNull, HasLabels, FunctionCall, CountStar, Case, ListComprehension,
            Quantifier, Reduce, PatternExpr, Subquery, AggregateRef {
    }

    record Literal(Object value) implements Expr {
    }

    record Parameter(String name) implements Expr {
    }

    record Variable(String name, int offset) implements Expr {
        @Override
        public boolean equals(Object o) {
            return o instanceof Variable v && v.name.equals(name);
        }

        @Override
        public int hashCode() {
            return name.hashCode();
        }
    }

    record Property(Expr target, String key) implements Expr {
    }

    record Subscript(Expr target, Expr index) implements Expr {
    }

    record Slice(Expr target, Expr from, Expr to) implements Expr {
    }

    record ListLiteral(List<Expr> items) implements Expr {
    }

    /** Keys in source order (a LinkedHashMap). */
    record MapLiteral(Map<String, Expr> entries) implements Expr {
    }

    /** {@code n {.a, b: expr, .*}}; entries with null value are {@code .key} lookups. */
    record MapProjection(Variable subject, List<String> keys, List<Expr> values, boolean allProperties) implements Expr {
    }

    enum Op {
        ADD("+"), SUB("-"), MUL("*"), DIV("/"), MOD("%"), POW("^"),
        EQ("="), NE("<>"), LT("<"), GT(">"), LE("<="), GE(">="),
        AND("AND"), OR("OR"), XOR("XOR"), IN("IN"), STARTS_WITH("STARTS WITH"), ENDS_WITH("ENDS WITH"),
        CONTAINS("CONTAINS"), REGEX("=~"), NOT("NOT"), NEG("-"), POS("+");

        final String symbol;

        Op(String symbol) {
            this.symbol = symbol;
        }
    }

    record Binary(Op op, Expr left, Expr right) implements Expr {
    }

    record Unary(Op op, Expr operand) implements Expr {
    }

    record IsNull(Expr operand, boolean negated) implements Expr {
    }

    record HasLabels(Expr target, List<String> labels) implements Expr {
    }

    /** {@code name} is lower-cased and namespace-qualified ({@code "tolower"}, {@code "apoc.x"}). */
    record FunctionCall(String name, String displayName, boolean distinct, List<Expr> args, int offset) implements Expr {
        @Override
        public boolean equals(Object o) {
            return o instanceof FunctionCall f && f.name.equals(name) && f.distinct == distinct && f.args.equals(args);
        }

        @Override
        public int hashCode() {
            return Objects.hash(name, distinct, args);
        }
    }

    record CountStar() implements Expr {
    }

    /** Simple form when {@code subject} is non-null. */
    record Case(Expr subject, List<Expr> whens, List<Expr> thens, Expr otherwise) implements Expr {
    }

    record ListComprehension(String variable, Expr list, Expr where, Expr map) implements Expr {
    }

    enum QuantifierKind { ALL, ANY, NONE, SINGLE }

    record Quantifier(QuantifierKind kind, String variable, Expr list, Expr where) implements Expr {
    }

    record Reduce(String accumulator, Expr init, String variable, Expr list, Expr expression) implements Expr {
    }

    enum PatternMode {
        /** {@code (a)-->(b)} in WHERE or {@code exists((a)-->(b))}: may not introduce variables. */
        PREDICATE,
        /** {@code EXISTS { (a)-->(b) WHERE ... }}: new variables are local to the braces. */
        EXISTS,
        /** {@code COUNT { (a)-->(b) WHERE ... }}. */
        COUNT,
        /** {@code [p = (a)-->(b) WHERE ... | expr]}. */
        COMPREHENSION
    }

    /** A pattern used as an expression; {@code where} and {@code projection} are null when absent. */
    record PatternExpr(PatternPart pattern, Expr where, Expr projection, PatternMode mode) implements Expr {
        boolean introducesVariables() {
            return mode != PatternMode.PREDICATE;
        }
    }

    /**
     * {@code EXISTS { MATCH ... [RETURN ...] }} or {@code COUNT { ... }} with clauses: a read-only query run
     * once per outer row, seeing the outer variables.
     */
    record Subquery(List<Clause> clauses, boolean count, int offset) implements Expr {
    }

    /** Placeholder for the i-th aggregate of a projection, substituted after grouping. */
    record AggregateRef(int index) implements Expr {
    }

    // ---------------------------------------------------------------- patterns

    record NodePattern(String variable, List<String> labels, Expr properties) {
    }

    /**
     * A relationship pattern; {@code direction} is OUTGOING for {@code -->}, INCOMING for {@code <--}.
     * {@code minHops}/{@code maxHops} are set only when {@code variableLength}; null max = unbounded.
     */
    record RelPattern(String variable, List<String> types, Expr properties, Direction direction,
                      boolean variableLength, Integer minHops, Integer maxHops) {
    }

    record PatternPart(String pathVariable, List<NodePattern> nodes, List<RelPattern> rels) {
    }

    // ---------------------------------------------------------------- clauses

    sealed interface Clause permits Match, Unwind, Create, Merge, SetClause, Remove, Delete, With, Return, Call, Foreach {
    }

    record Match(boolean optional, List<PatternPart> patterns, Expr where) implements Clause {
    }

    record Unwind(Expr list, String variable) implements Clause {
    }

    record Create(List<PatternPart> patterns) implements Clause {
    }

    record Merge(PatternPart pattern, List<SetItem> onCreate, List<SetItem> onMatch) implements Clause {
    }

    record SetClause(List<SetItem> items) implements Clause {
    }

    record Remove(List<RemoveItem> items) implements Clause {
    }

    record Delete(boolean detach, List<Expr> targets) implements Clause {
    }

    record With(Projection projection, Expr where) implements Clause {
    }

    record Return(Projection projection) implements Clause {
    }

    record Foreach(String variable, Expr list, List<Clause> body) implements Clause {
    }

    /**
     * {@code CALL proc(args) YIELD ...}. {@code args} is null for the implicit-argument form without
     * parentheses; {@code yields} is null when there is no YIELD (all outputs, standalone only).
     */
    record Call(String procedure, List<Expr> args, List<YieldItem> yields, Expr where, int offset) implements Clause {
    }

    record YieldItem(String field, String alias) {
    }

    sealed interface SetItem permits SetProperty, SetProperties, SetLabels {
    }

    record SetProperty(Property target, Expr value) implements SetItem {
    }

    /** {@code n = map} when {@code merge} is false, {@code n += map} when true. */
    record SetProperties(Variable target, Expr value, boolean merge) implements SetItem {
    }

    record SetLabels(Variable target, List<String> labels) implements SetItem {
    }

    sealed interface RemoveItem permits RemoveProperty, RemoveLabels {
    }

    record RemoveProperty(Property target) implements RemoveItem {
    }

    record RemoveLabels(Variable target, List<String> labels) implements RemoveItem {
    }

    record ProjectionItem(Expr expression, String name, boolean aliased) {
    }

    record SortItem(Expr expression, boolean descending) {
    }

    record Projection(boolean distinct, boolean star, List<ProjectionItem> items, List<SortItem> orderBy, Expr skip,
                      Expr limit) {
    }

    // ---------------------------------------------------------------- top level

    /** A query or a UNION of queries; {@code unionAll.get(i)} tells how part i+1 joins part i. */
    record Query(List<List<Clause>> parts, List<Boolean> unionAll) {
    }

    sealed interface SchemaCommand permits CreateIndex, CreateConstraint, DropIndex, DropConstraint {
    }

    record CreateIndex(String name, boolean ifNotExists, String label, String property) implements SchemaCommand {
    }

    record CreateConstraint(String name, boolean ifNotExists, String label, String property) implements SchemaCommand {
    }

    record DropIndex(String name, boolean ifExists) implements SchemaCommand {
    }

    record DropConstraint(String name, boolean ifExists) implements SchemaCommand {
    }

    /** {@code SHOW INDEXES} / {@code SHOW CONSTRAINTS}. */
    record ShowSchema(boolean constraints, ShowProjection projection) {
    }
}
