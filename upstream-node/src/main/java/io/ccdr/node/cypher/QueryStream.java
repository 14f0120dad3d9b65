package io.ccdr.node.cypher;

import io.ccdr.node.graph.GraphException;
import io.ccdr.node.memory.HeapEstimate;
import io.ccdr.node.memory.TransactionMemory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The result of one query, produced as it is read: each {@link #next()} pulls one row through the
 * query's pipeline from the graph it was run on, which must therefore stay open until the stream is
 * exhausted or closed. Writes have all happened when the stream is returned, so {@link #statistics()}
 * is final from the start. Rows are in the result value model of {@link QueryResult}. Not thread-safe:
 * read it from one thread at a time, like its transaction.
 */
public final class QueryStream implements AutoCloseable {
    private final List<String> columns;
    private final Function<Object, Object> output;
    private final Supplier<QueryStatistics> statistics;
    private final String queryType;
    private final TransactionMemory memory;
    private Rows rows;
    /** Rows read ahead by {@link #buffer()}, already in output form. */
    private List<List<Object>> buffered;
    private int bufferedRead;
    private long bufferedBytes;
    private boolean closed;

    QueryStream(List<String> columns, Rows rows, Function<Object, Object> output, Supplier<QueryStatistics> statistics,
                String queryType, TransactionMemory memory) {
        this.columns = List.copyOf(columns);
        this.rows = rows;
        this.output = output;
        this.statistics = statistics;
        this.queryType = queryType;
        this.memory = memory;
    }

    /** A stream over a complete result (schema commands, SHOW). */
    static QueryStream of(QueryResult result) {
        var it = result.rows().iterator();
        List<String> columns = result.columns();
        QueryStream s = new QueryStream(columns, () -> null, v -> v, result::statistics, result.queryType(),
                TransactionMemory.unlimited());
        s.buffered = new ArrayList<>();
        it.forEachRemaining(s.buffered::add);
        return s;
    }

    public List<String> columns() {
        return columns;
    }

    /** The next row, one value per column, or null when the result is exhausted (the stream is then closed). */
    public List<Object> next() {
        if (closed) {
            return null;
        }
        if (buffered != null) {
            if (bufferedRead < buffered.size()) {
                return buffered.set(bufferedRead++, null);
            }
            close();
            return null;
        }
        try {
            Map<String, Object> r = rows.next();
            if (r == null) {
                close();
                return null;
            }
            return toOutput(r);
        } catch (StackOverflowError e) {
            close();
            throw new GraphException("Neo.DatabaseError.Statement.ExecutionFailed",
                    "Query evaluation exceeded the stack depth; simplify the query");
        } catch (RuntimeException | Error e) {
            close();
            throw e;
        }
    }

    private List<Object> toOutput(Map<String, Object> r) {
        List<Object> row = new ArrayList<>(columns.size());
        for (String c : columns) {
            row.add(output.apply(r.get(c)));
        }
        return row;
    }

    /**
     * Reads the remaining rows into memory (accounted against the transaction), so that the rest of the
     * result no longer depends on the graph: before a later statement of the same transaction writes,
     * whose changes a result already run must not show.
     */
    public void buffer() {
        if (closed || buffered != null) {
            return;
        }
        List<List<Object>> rest = new ArrayList<>();
        try {
            for (Map<String, Object> r = rows.next(); r != null; r = rows.next()) {
                List<Object> row = toOutput(r);
                long size = Values.heapSize(row) + HeapEstimate.REFERENCE;
                memory.allocate(size);
                bufferedBytes += size;
                rest.add(row);
            }
        } catch (RuntimeException | Error e) {
            close();
            throw e;
        }
        Rows done = rows;
        rows = null;
        done.close();
        buffered = rest;
    }

    /** Update counters; final from the start, since writes are done before the stream is returned. */
    public QueryStatistics statistics() {
        return statistics.get();
    }

    /** Neo4j's query type: "r", "w", "rw" or "s". */
    public String queryType() {
        return queryType;
    }

    /** Releases the store iterators and memory the rest of the result holds. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (rows != null) {
            Rows r = rows;
            rows = null;
            r.close();
        }
        if (buffered != null) {
            buffered = List.of();
            bufferedRead = 0;
        }
        memory.release(bufferedBytes);
        bufferedBytes = 0;
    }
}
