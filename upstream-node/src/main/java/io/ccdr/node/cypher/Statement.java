package io.ccdr.node.cypher;

import io.ccdr.node.cypher.Ast.*;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A parsed, checked statement: immutable and safe to share between threads and executions. The
 * caller inspects it to route (system database for {@link Kind#ADMIN}, leader for writes) before executing.
 */
public final class Statement {

    public enum Kind {
        /** A read and/or write query (MATCH, CREATE, ..., CALL procedures). */
        QUERY,
        /** Index and constraint commands, including SHOW INDEXES / SHOW CONSTRAINTS. */
        SCHEMA,
        /** Administration commands executed by the server against its system database. */
        ADMIN
    }

    private final String text;
    private final Kind kind;
    private final Object ast;
    private final String queryType;
    private final Set<String> parameterNames;
    private final List<String> procedureNames;

    Statement(String text, Object ast) {
        this(text, ast, Set.of());
    }

    Statement(String text, Object ast, Set<String> implicitParameters) {
        this.text = text;
        this.ast = ast;
        if (ast instanceof AdminCommand a) {
            kind = Kind.ADMIN;
            queryType = a.isWrite() ? "s" : "r";
        } else if (ast instanceof SchemaCommand) {
            kind = Kind.SCHEMA;
            queryType = "s";
        } else if (ast instanceof ShowSchema) {
            kind = Kind.SCHEMA;
            queryType = "r";
        } else {
            kind = Kind.QUERY;
            queryType = queryType((Query) ast);
        }
        Set<String> params = new LinkedHashSet<>();
        List<String> procs = new ArrayList<>();
        if (ast instanceof Query q) {
            for (List<Clause> part : q.parts()) {
                collect(part, params, procs);
            }
        }
        params.addAll(implicitParameters);
        this.parameterNames = Set.copyOf(params);
        this.procedureNames = List.copyOf(procs);
    }

    public String text() {
        return text;
    }

    public Kind kind() {
        return kind;
    }

    /** The admin command, for {@link Kind#ADMIN} statements. */
    public Optional<AdminCommand> adminCommand() {
        return ast instanceof AdminCommand a ? Optional.of(a) : Optional.empty();
    }

    /**
     * Neo4j's query type: "r" (read only), "w" (write only), "rw" (read and write) or "s" (schema/system
     * write). A CALL is counted as a read here; {@link CypherEngine#isWrite} also knows procedure modes.
     */
    public String queryType() {
        return queryType;
    }

    /** Names of all parameters the statement refers to. */
    public Set<String> parameterNames() {
        return parameterNames;
    }

    /** Qualified names of the procedures the statement calls, in order of appearance. */
    public List<String> procedureNames() {
        return procedureNames;
    }

    Object ast() {
        return ast;
    }

    private static String queryType(Query q) {
        boolean reads = false;
        boolean writes = false;
        for (List<Clause> part : q.parts()) {
            for (Clause c : part) {
                if (c instanceof Create || c instanceof Merge || c instanceof SetClause || c instanceof Remove
                        || c instanceof Delete || c instanceof Foreach) {
                    writes = true;
                }
                if (c instanceof Match || c instanceof Return || c instanceof Call || c instanceof Merge) {
                    reads = true;
                }
            }
        }
        if (!writes) {
            return "r";
        }
        return reads ? "rw" : "w";
    }

    private static void collect(List<Clause> clauses, Set<String> params, List<String> procs) {
        for (Clause c : clauses) {
            List<Expr> exprs = new ArrayList<>();
            if (c instanceof Match m) {
                patterns(m.patterns(), exprs);
                exprs.add(m.where());
            } else if (c instanceof Unwind u) {
                exprs.add(u.list());
            } else if (c instanceof Create cr) {
                patterns(cr.patterns(), exprs);
            } else if (c instanceof Merge mg) {
                patterns(List.of(mg.pattern()), exprs);
                setItems(mg.onCreate(), exprs);
                setItems(mg.onMatch(), exprs);
            } else if (c instanceof SetClause s) {
                setItems(s.items(), exprs);
            } else if (c instanceof Delete d) {
                exprs.addAll(d.targets());
            } else if (c instanceof With w) {
                projection(w.projection(), exprs);
                exprs.add(w.where());
            } else if (c instanceof Return r) {
                projection(r.projection(), exprs);
            } else if (c instanceof Call call) {
                procs.add(call.procedure());
                if (call.args() != null) {
                    exprs.addAll(call.args());
                }
                exprs.add(call.where());
            } else if (c instanceof Foreach fe) {
                exprs.add(fe.list());
                collect(fe.body(), params, procs);
            }
            for (Expr e : exprs) {
                Exprs.collectParameters(e, params);
            }
        }
    }

    private static void patterns(List<PatternPart> parts, List<Expr> out) {
        for (PatternPart p : parts) {
            for (NodePattern n : p.nodes()) {
                out.add(n.properties());
            }
            for (RelPattern r : p.rels()) {
                out.add(r.properties());
            }
        }
    }

    private static void setItems(List<SetItem> items, List<Expr> out) {
        for (SetItem i : items) {
            if (i instanceof SetProperty sp) {
                out.add(sp.value());
            } else if (i instanceof SetProperties sps) {
                out.add(sps.value());
            }
        }
    }

    private static void projection(Projection p, List<Expr> out) {
        for (ProjectionItem i : p.items()) {
            out.add(i.expression());
        }
        for (SortItem s : p.orderBy()) {
            out.add(s.expression());
        }
        out.add(p.skip());
        out.add(p.limit());
    }

    @Override
    public String toString() {
        return "Statement[" + kind + ", " + queryType + "]";
    }
}
