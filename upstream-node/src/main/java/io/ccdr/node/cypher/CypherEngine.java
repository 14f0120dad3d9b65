package io.ccdr.node.cypher;

import io.ccdr.node.cypher.Ast.Query;
import io.ccdr.node.cypher.Ast.SchemaCommand;
import io.ccdr.node.cypher.Ast.ShowSchema;
import io.ccdr.node.graph.GraphException;
import io.ccdr.node.graph.GraphReader;
import io.ccdr.node.graph.GraphWriter;
import io.ccdr.node.memory.TransactionMemory;

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

    private final ProcedureRegistry procedures;
    private final Clock clock;
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
        this.procedures = Objects.requireNonNull(procedures);
        this.clock = Objects.requireNonNull(clock);
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
     * Executes and reads the whole result into memory, without memory limits: for results known to
     * be small and for tools and tests. A server streams with {@link #stream}.
     */
    public QueryResult execute(GraphReader graph, Statement statement, Map<String, Object> params, String databaseId) {
        try (QueryStream s = stream(graph, statement, params, databaseId, TransactionMemory.unlimited())) {
            List<List<Object>> rows = new ArrayList<>();
            for (List<Object> row = s.next(); row != null; row = s.next()) {
                rows.add(row);
            }
            return new QueryResult(s.columns(), rows, s.statistics(), s.queryType());
        }
    }

    /**
     * Executes a statement and returns its result as a stream read from {@code graph} as it is pulled
     * (the graph must stay open until the stream is closed). Writes are done before this returns;
     * reading clauses after the last write run as rows are pulled. What the query holds in memory
     * (sort buffers, aggregation state, pending writes) is accounted against {@code memory}, whose
     * limits fail the query with {@code Neo.ClientError.General.TransactionOutOfMemoryError} or
     * {@code Neo.TransientError.General.MemoryPoolOutOfMemoryError}, from here or from
     * {@link QueryStream#next()}. {@code elementId()} names {@code databaseId}: a server passes the id it
     * also puts into the element ids of the entities it returns, so that {@code WHERE elementId(n) = $id}
     * finds what a driver read.
     */
    public QueryStream stream(GraphReader graph, Statement statement, Map<String, Object> params, String databaseId,
                              TransactionMemory memory) {
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
        QueryContext ctx = new QueryContext(graph, normalised, procedures, clock, memory, databaseId);
        Executor executor = new Executor(ctx);
        Object ast = statement.ast();
        try {
            if (ast instanceof SchemaCommand sc) {
                executor.schemaCommand(sc);
                return QueryStream.of(new QueryResult(List.of(), List.of(), ctx.stats.build(), "s"));
            }
            if (ast instanceof ShowSchema ss) {
                List<String> all = ss.constraints() ? Executor.CONSTRAINT_COLUMNS : Executor.INDEX_COLUMNS;
                List<String> defaults = ss.constraints() ? Executor.CONSTRAINT_DEFAULT_COLUMNS : Executor.INDEX_DEFAULT_COLUMNS;
                return QueryStream.of(ss.projection().apply(defaults, all, Executor.schemaRows(graph.schema(), ss.constraints()), params));
            }
            Executor.Result result = executor.run((Query) ast);
            try {
                ctx.syncTransactionState();
            } catch (RuntimeException e) {
                result.rows().close();
                throw e;
            }
            String queryType = statement.queryType();
            if (queryType.equals("r") && isWrite(statement)) {
                queryType = "rw"; // a writing procedure
            }
            return new QueryStream(result.columns(), result.rows(), executor.eval()::toOutput, ctx.stats::build, queryType,
                    memory);
        } catch (StackOverflowError e) {
            throw new GraphException("Neo.DatabaseError.Statement.ExecutionFailed",
                    "Query evaluation exceeded the stack depth; simplify the query");
        }
    }
}
