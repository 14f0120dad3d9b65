package io.ccdr.node.cypher;

import io.ccdr.node.cypher.Ast.Query;
import io.ccdr.node.cypher.Ast.SchemaCommand;
import io.ccdr.node.cypher.Ast.ShowSchema;
import io.ccdr.node.graph.GraphException;
import io.ccdr.node.graph.GraphReader;
import io.ccdr.node.graph.GraphWriter;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/**
 * Parses and executes ccdr's Cypher subset against the graph contract. Thread-safe: the only state
 * is a bounded cache of parsed statements. Read-only queries run on any {@link GraphReader}; a query
 * that writes needs a {@link GraphWriter} and otherwise fails with {@code Neo.ClientError.Statement.AccessMode},
 * which the server maps to ForbiddenOnReadOnlyDatabase or NotALeader. Route first with {@link #isWrite}.
 */
public final class CypherEngine {
    private static final int CACHE_SIZE = 1000;

    /**
     * The database id in element ids when the caller names none ({@link #execute(GraphReader, Statement, Map)}):
     * an engine used on its own, without a database around it.
     */
    public static final String STANDALONE_DATABASE_ID = "standalone";

    /** Default bound on the rows one clause may produce (see {@link #CypherEngine(ProcedureRegistry, Clock, int)}). */
    public static final int DEFAULT_MAX_ROWS = 2_000_000;

    private final ProcedureRegistry procedures;
    private final Clock clock;
    private final int maxRows;
    private final Map<String, Statement> cache = Collections.synchronizedMap(
            new LinkedHashMap<>(64, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, Statement> eldest) {
                    return size() > CACHE_SIZE;
                }
            });

    public CypherEngine() {
        this(ProcedureRegistry.EMPTY);
    }

    public CypherEngine(ProcedureRegistry procedures) {
        this(procedures, Clock.systemUTC());
    }

    /** {@code clock} is the statement clock of {@code timestamp()} and {@code datetime()}. */
    public CypherEngine(ProcedureRegistry procedures, Clock clock) {
        this(procedures, clock, DEFAULT_MAX_ROWS);
    }

    /**
     * {@code maxRows} bounds the intermediate rows of one clause; beyond it a query fails with
     * {@code Neo.ClientError.General.TransactionOutOfMemoryError} instead of exhausting the heap.
     */
    public CypherEngine(ProcedureRegistry procedures, Clock clock, int maxRows) {
        this.procedures = Objects.requireNonNull(procedures);
        this.clock = Objects.requireNonNull(clock);
        if (maxRows < 1) {
            throw new IllegalArgumentException("maxRows must be positive: " + maxRows);
        }
        this.maxRows = maxRows;
    }

    /** Parses and checks a statement; throws GraphException (SyntaxError, ...) when it is invalid. */
    public Statement parse(String query) {
        Statement cached = cache.get(query);
        if (cached != null) {
            return cached;
        }
        Object ast = Parser.parse(query);
        java.util.Set<String> implicitParameters = java.util.Set.of();
        if (ast instanceof Query q) {
            try {
                implicitParameters = Semantics.check(query, q, procedures);
            } catch (StackOverflowError e) {
                throw Errors.syntax("Query is nested too deeply to be analysed");
            }
        }
        Statement statement = new Statement(query, ast, implicitParameters);
        cache.put(query, statement);
        return statement;
    }

    /** Whether executing needs a writer: updating clauses, schema changes, writing procedures, admin writes. */
    public boolean isWrite(Statement statement) {
        if (statement.kind() == Statement.Kind.ADMIN) {
            return statement.adminCommand().orElseThrow().isWrite();
        }
        if (!statement.queryType().equals("r")) {
            return true;
        }
        for (String name : statement.procedureNames()) {
            var proc = procedures.lookup(name);
            if (proc.isPresent() && (proc.get().mode() == Procedure.Mode.WRITE || proc.get().mode() == Procedure.Mode.SCHEMA)) {
                return true;
            }
        }
        return false;
    }

    public QueryResult execute(GraphReader graph, String query, Map<String, Object> params) {
        return execute(graph, parse(query), params);
    }

    public QueryResult execute(GraphReader graph, Statement statement, Map<String, Object> params) {
        return execute(graph, statement, params, STANDALONE_DATABASE_ID);
    }

    /**
     * Executes with {@code elementId()} naming {@code databaseId}: a server passes the id it also
     * puts into the element ids of the entities it returns, so the two agree and
     * {@code WHERE elementId(n) = $id} finds what a driver read.
     */
    public QueryResult execute(GraphReader graph, Statement statement, Map<String, Object> params, String databaseId) {
        Objects.requireNonNull(graph, "graph");
        Map<String, Object> normalised = params == null ? Map.of() : ShowProjection.normalise(params);
        if (statement.kind() == Statement.Kind.ADMIN) {
            throw new GraphException("Neo.ClientError.Statement.NotSystemDatabaseError",
                    "This is an administration command and it should be executed against the system database: "
                            + statement.text().strip());
        }
        TreeSet<String> missing = new TreeSet<>(statement.parameterNames());
        missing.removeAll(normalised.keySet());
        if (!missing.isEmpty()) {
            throw new GraphException(Errors.PARAMETER_MISSING, "Expected parameter(s): " + String.join(", ", missing));
        }
        if (isWrite(statement) && !(graph instanceof GraphWriter)) {
            throw new GraphException(Errors.ACCESS_MODE,
                    "Writing in read access mode not allowed. Attempted write to a read-only transaction.");
        }
        QueryContext ctx = new QueryContext(graph, normalised, procedures, clock, maxRows, databaseId);
        Executor executor = new Executor(ctx);
        Object ast = statement.ast();
        try {
            if (ast instanceof SchemaCommand sc) {
                executor.schemaCommand(sc);
                return new QueryResult(List.of(), List.of(), ctx.stats.build(), "s");
            }
            if (ast instanceof ShowSchema ss) {
                List<String> all = ss.constraints() ? Executor.CONSTRAINT_COLUMNS : Executor.INDEX_COLUMNS;
                List<String> defaults = ss.constraints() ? Executor.CONSTRAINT_DEFAULT_COLUMNS : Executor.INDEX_DEFAULT_COLUMNS;
                return ss.projection().apply(defaults, all, Executor.schemaRows(graph.schema(), ss.constraints()), params);
            }
            Executor.Table table = executor.run((Query) ast);
            List<List<Object>> rows = new ArrayList<>(table.rows().size());
            for (Map<String, Object> r : table.rows()) {
                List<Object> row = new ArrayList<>(table.columns().size());
                for (String c : table.columns()) {
                    row.add(executor.eval().toOutput(r.get(c)));
                }
                rows.add(row);
            }
            String queryType = statement.queryType();
            if (queryType.equals("r") && isWrite(statement)) {
                queryType = "rw"; // a writing procedure
            }
            return new QueryResult(table.columns(), rows, ctx.stats.build(), queryType);
        } catch (StackOverflowError e) {
            throw new GraphException("Neo.DatabaseError.Statement.ExecutionFailed",
                    "Query evaluation exceeded the stack depth; simplify the query");
        }
    }
}
