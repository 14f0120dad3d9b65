package io.ccdr.node.cypher;

import io.ccdr.node.cypher.Ast.*;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;

/** Generic walks over expression trees: children, rewriting, free variables, aggregate detection. */
final class Exprs {
    static final Set<String> AGGREGATES = Set.of("count", "collect", "sum", "avg", "min", "max", "stdev", "stdevp",
            "percentilecont", "percentiledisc");

    private Exprs() {
    }

    static boolean isAggregate(Expr e) {
        return e instanceof CountStar || (e instanceof FunctionCall f && AGGREGATES.contains(f.name()));
    }

    static boolean containsAggregate(Expr e) {
        if (e == null) {
            return false;
        }
        if (isAggregate(e)) {
            return true;
        }
        // aggregates inside list comprehensions etc. still make the projection aggregating
        for (Expr c : children(e)) {
            if (containsAggregate(c)) {
                return true;
            }
        }
        return false;
    }

    static List<Expr> children(Expr e) {
        List<Expr> out = new ArrayList<>();
        if (e instanceof Property pr) {
            out.add(pr.target());
        } else if (e instanceof Subscript s) {
            out.add(s.target());
            out.add(s.index());
        } else if (e instanceof Slice s) {
            out.add(s.target());
            addIfPresent(out, s.from());
            addIfPresent(out, s.to());
        } else if (e instanceof ListLiteral l) {
            out.addAll(l.items());
        } else if (e instanceof MapLiteral m) {
            out.addAll(m.entries().values());
        } else if (e instanceof MapProjection mp) {
            out.add(mp.subject());
            for (Expr v : mp.values()) {
                addIfPresent(out, v);
            }
        } else if (e instanceof Binary b) {
            out.add(b.left());
            out.add(b.right());
        } else if (e instanceof Unary u) {
            out.add(u.operand());
        } else if (e instanceof IsNull n) {
            out.add(n.operand());
        } else if (e instanceof HasLabels h) {
            out.add(h.target());
        } else if (e instanceof FunctionCall f) {
            out.addAll(f.args());
        } else if (e instanceof Case c) {
            addIfPresent(out, c.subject());
            out.addAll(c.whens());
            out.addAll(c.thens());
            addIfPresent(out, c.otherwise());
        } else if (e instanceof ListComprehension lc) {
            out.add(lc.list());
            addIfPresent(out, lc.where());
            addIfPresent(out, lc.map());
        } else if (e instanceof Quantifier q) {
            out.add(q.list());
            addIfPresent(out, q.where());
        } else if (e instanceof Reduce r) {
            out.add(r.init());
            out.add(r.list());
            out.add(r.expression());
        } else if (e instanceof PatternExpr pe) {
            for (NodePattern n : pe.pattern().nodes()) {
                addIfPresent(out, n.properties());
            }
            for (RelPattern r : pe.pattern().rels()) {
                addIfPresent(out, r.properties());
            }
            addIfPresent(out, pe.where());
            addIfPresent(out, pe.projection());
        }
        return out;
    }

    private static void addIfPresent(List<Expr> out, Expr e) {
        if (e != null) {
            out.add(e);
        }
    }

    /**
     * Rewrites top-down: where {@code f} returns non-null, that replaces the node (not descended into);
     * otherwise children are rewritten.
     */
    static Expr rewrite(Expr e, Function<Expr, Expr> f) {
        if (e == null) {
            return null;
        }
        Expr r = f.apply(e);
        if (r != null) {
            return r;
        }
        if (e instanceof Property pr) {
            return new Property(rewrite(pr.target(), f), pr.key());
        } else if (e instanceof Subscript s) {
            return new Subscript(rewrite(s.target(), f), rewrite(s.index(), f));
        } else if (e instanceof Slice s) {
            return new Slice(rewrite(s.target(), f), rewrite(s.from(), f), rewrite(s.to(), f));
        } else if (e instanceof ListLiteral l) {
            return new ListLiteral(l.items().stream().map(x -> rewrite(x, f)).toList());
        } else if (e instanceof MapLiteral m) {
            Map<String, Expr> entries = new LinkedHashMap<>();
            m.entries().forEach((k, v) -> entries.put(k, rewrite(v, f)));
            return new MapLiteral(entries);
        } else if (e instanceof MapProjection mp) {
            List<Expr> values = new ArrayList<>();
            for (Expr x : mp.values()) {
                values.add(x == null ? null : rewrite(x, f));
            }
            return new MapProjection(mp.subject(), mp.keys(), values, mp.allProperties());
        } else if (e instanceof Binary b) {
            return new Binary(b.op(), rewrite(b.left(), f), rewrite(b.right(), f));
        } else if (e instanceof Unary u) {
            return new Unary(u.op(), rewrite(u.operand(), f));
        } else if (e instanceof IsNull n) {
            return new IsNull(rewrite(n.operand(), f), n.negated());
        } else if (e instanceof HasLabels h) {
            return new HasLabels(rewrite(h.target(), f), h.labels());
        } else if (e instanceof FunctionCall fc) {
            return new FunctionCall(fc.name(), fc.displayName(), fc.distinct(),
                    fc.args().stream().map(x -> rewrite(x, f)).toList(), fc.offset());
        } else if (e instanceof Case c) {
            return new Case(rewrite(c.subject(), f), c.whens().stream().map(x -> rewrite(x, f)).toList(),
                    c.thens().stream().map(x -> rewrite(x, f)).toList(), rewrite(c.otherwise(), f));
        } else if (e instanceof ListComprehension lc) {
            return new ListComprehension(lc.variable(), rewrite(lc.list(), f), rewrite(lc.where(), f), rewrite(lc.map(), f));
        } else if (e instanceof Quantifier q) {
            return new Quantifier(q.kind(), q.variable(), rewrite(q.list(), f), rewrite(q.where(), f));
        } else if (e instanceof Reduce rd) {
            return new Reduce(rd.accumulator(), rewrite(rd.init(), f), rd.variable(), rewrite(rd.list(), f),
                    rewrite(rd.expression(), f));
        }
        return e;
    }

    /** Variables referenced but not bound inside {@code e}, in order of first appearance. */
    static Set<String> freeVariables(Expr e) {
        Set<String> out = new LinkedHashSet<>();
        collectFree(e, Set.of(), v -> out.add(v.name()));
        return out;
    }

    /** Calls {@code sink} for every free variable occurrence (with its source offset). */
    static void collectFree(Expr e, Set<String> bound, Consumer<Variable> sink) {
        if (e == null) {
            return;
        }
        if (e instanceof Variable v) {
            if (!bound.contains(v.name())) {
                sink.accept(v);
            }
        } else if (e instanceof ListComprehension lc) {
            collectFree(lc.list(), bound, sink);
            Set<String> inner = with(bound, lc.variable());
            collectFree(lc.where(), inner, sink);
            collectFree(lc.map(), inner, sink);
        } else if (e instanceof Quantifier q) {
            collectFree(q.list(), bound, sink);
            collectFree(q.where(), with(bound, q.variable()), sink);
        } else if (e instanceof Reduce r) {
            collectFree(r.init(), bound, sink);
            collectFree(r.list(), bound, sink);
            collectFree(r.expression(), with(with(bound, r.accumulator()), r.variable()), sink);
        } else if (e instanceof PatternExpr pe) {
            Set<String> inner = bound;
            if (pe.introducesVariables()) {
                // comprehensions and EXISTS/COUNT {} introduce their unbound pattern variables locally
                for (String v : patternVariables(pe.pattern())) {
                    inner = with(inner, v);
                }
            } else {
                // pattern predicates may not introduce new variables
                for (NodePattern n : pe.pattern().nodes()) {
                    if (n.variable() != null && !bound.contains(n.variable())) {
                        sink.accept(new Variable(n.variable(), -1));
                    }
                }
                for (RelPattern r : pe.pattern().rels()) {
                    if (r.variable() != null && !bound.contains(r.variable())) {
                        sink.accept(new Variable(r.variable(), -1));
                    }
                }
            }
            for (Expr c : children(e)) {
                collectFree(c, inner, sink);
            }
        } else {
            for (Expr c : children(e)) {
                collectFree(c, bound, sink);
            }
        }
    }

    private static Set<String> with(Set<String> s, String v) {
        Set<String> out = new LinkedHashSet<>(s);
        out.add(v);
        return out;
    }

    static List<String> patternVariables(PatternPart part) {
        List<String> out = new ArrayList<>();
        if (part.pathVariable() != null) {
            out.add(part.pathVariable());
        }
        for (int i = 0; i < part.nodes().size(); i++) {
            NodePattern n = part.nodes().get(i);
            if (n.variable() != null && !out.contains(n.variable())) {
                out.add(n.variable());
            }
            if (i < part.rels().size()) {
                RelPattern r = part.rels().get(i);
                if (r.variable() != null && !out.contains(r.variable())) {
                    out.add(r.variable());
                }
            }
        }
        return out;
    }

    /** All parameter names used anywhere in the expression. */
    static void collectParameters(Expr e, Set<String> out) {
        if (e == null) {
            return;
        }
        if (e instanceof Parameter p) {
            out.add(p.name());
        }
        for (Expr c : children(e)) {
            collectParameters(c, out);
        }
    }
}
