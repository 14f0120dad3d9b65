package io.ccdr.node.query;

import io.ccdr.node.bolt.AccessMode;
import io.ccdr.node.bolt.BoltResult;
import io.ccdr.node.bolt.BoltTransaction;
import io.ccdr.node.bolt.TransactionRequest;
import io.ccdr.node.cypher.QueryStream;
import io.ccdr.node.cypher.Statement;
import io.ccdr.node.dbms.ClusterErrors;
import io.ccdr.node.dbms.Database;
import io.ccdr.node.dbms.WriteResult;
import io.ccdr.node.dbms.WriteTransaction;
import io.ccdr.node.graph.GraphException;
import io.ccdr.node.graph.GraphReader;
import io.ccdr.node.memory.TransactionMemory;
import io.ccdr.node.store.StoreView;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A transaction on a user database. It starts as a read view at the client's bookmark; a WRITE-mode
 * transaction on the leader starts as a write transaction instead. A failing statement fails the
 * whole transaction: commit is refused afterwards and nothing it did is ever visible.
 *
 * <p>Results stream from the transaction's view (or its pending writes) as the client pulls them;
 * the view stays open until the transaction ends, and every open result is closed before it. A
 * statement that writes first reads the rest of the results still open into memory, so that they do
 * not show its writes. What the transaction holds in memory is bounded by {@link TransactionMemory}.
 */
final class DatabaseTransaction implements BoltTransaction {

    private final Database database;
    private final QueryService service;
    private final TransactionRequest request;
    private final long minTxId;
    private final TransactionMemory memory;
    /** Results run and not yet exhausted or closed, in the order they were run. */
    private final List<QueryStream> open = new ArrayList<>();
    private StoreView readView;
    private WriteTransaction writer;
    private boolean failed;
    private volatile boolean terminated;

    DatabaseTransaction(Database database, QueryService service, TransactionRequest request, long minTxId) {
        this.database = database;
        this.service = service;
        this.request = request;
        this.minTxId = minTxId;
        this.memory = service.memoryPools().newTransaction(database.name());
    }

    @Override
    public String database() {
        return database.name();
    }

    /**
     * The database's lineage, the same on every member and on its replicas (docs/design/element-ids.md);
     * {@link #run} gives it to Cypher too, so {@code elementId()} is the id Bolt sends.
     */
    @Override
    public String databaseId() {
        return database.lineageId();
    }

    private GraphReader graphFor(boolean write) {
        if (writer != null) {
            return writer.graph();
        }
        if (write) {
            if (readView != null) {
                // the transaction read first on a view; it cannot become a writer with a consistent snapshot
                throw new GraphException("Neo.ClientError.Transaction.ForbiddenDueToTransactionType",
                        "Writes must start the transaction: open it in WRITE access mode (executeWrite) so it runs on the leader.");
            }
            return startWriter().graph();
        }
        if (readView == null) {
            if (request.accessMode() == AccessMode.WRITE && database.isLeader()) {
                return startWriter().graph();
            }
            readView = database.beginRead(minTxId);
        }
        return readView;
    }

    private WriteTransaction startWriter() {
        Optional<GraphException> refused = database.writeRefusal();
        if (refused.isPresent()) {
            throw refused.get();
        }
        if (request.accessMode() == AccessMode.READ) {
            throw new GraphException("Neo.ClientError.Statement.AccessMode", "Writing in read access mode not allowed. Attempted write to "
                    + database.name());
        }
        if (service.readOnlyAccess(database.name())) {
            throw new GraphException(Database.READ_ONLY_DATABASE, "No write operations are allowed on this database. The database '"
                    + database.name() + "' is read-only (ALTER DATABASE " + database.name() + " SET ACCESS READ WRITE to allow writes).");
        }
        database.awaitTxId(minTxId);
        writer = database.beginWrite();
        return writer;
    }

    @Override
    public BoltResult run(String query, Map<String, Object> parameters) {
        if (failed) {
            throw new GraphException("Neo.ClientError.Transaction.TransactionNotFound", "The transaction has failed and is rolled back; start a new one.");
        }
        try {
            Statement statement = service.engine().parse(query);
            if (statement.kind() == Statement.Kind.ADMIN) {
                throw new GraphException("Neo.ClientError.Statement.UnsupportedAdministrationCommand",
                        "This is an administration command and it should be executed against the system database: " + query.trim());
            }
            boolean write = service.engine().isWrite(statement);
            GraphReader graph = graphFor(write);
            if (write) {
                for (QueryStream earlier : open) {
                    earlier.buffer();
                }
            }
            QueryStream stream = service.engine().stream(graph, statement, parameters, databaseId(), memory);
            open.add(stream);
            if (terminated) {
                throw terminatedError();
            }
            BoltResult result = Results.streaming(stream, database.name());
            return new BoltResult() {
                @Override
                public List<String> fields() {
                    return result.fields();
                }

                @Override
                public List<Object> next() {
                    if (terminated) {
                        failed = true;
                        throw terminatedError();
                    }
                    try {
                        return result.next();
                    } catch (RuntimeException e) {
                        failed = true;
                        throw e;
                    }
                }

                @Override
                public Map<String, Object> summary() {
                    return result.summary();
                }

                @Override
                public void close() {
                    open.remove(stream);
                    result.close();
                }
            };
        } catch (RuntimeException e) {
            failed = true;
            throw e;
        }
    }

    private static GraphException terminatedError() {
        return new GraphException("Neo.TransientError.Transaction.Terminated", "The transaction has been terminated.");
    }

    @Override
    public String commit() {
        if (failed) {
            close();
            throw new GraphException("Neo.ClientError.Transaction.TransactionCommitFailed", "The transaction failed earlier and was rolled back.");
        }
        try {
            if (writer != null) {
                WriteResult<Void> r = writer.commit();
                writer = null;
                return Bookmarks.of(database.name(), r.txId());
            }
            long seen = readView != null ? readView.baseTxId() : Math.max(minTxId, database.lastCommittedTxId());
            return Bookmarks.of(database.name(), seen);
        } finally {
            close();
        }
    }

    @Override
    public void rollback() {
        close();
    }

    @Override
    public void terminate() {
        terminated = true;
    }

    private void close() {
        // results first: they read from the view (store iterators) and account memory
        for (QueryStream s : List.copyOf(open)) {
            s.close();
        }
        open.clear();
        memory.close();
        if (writer != null) {
            writer.close();
            writer = null;
        }
        if (readView != null) {
            readView.close();
            readView = null;
        }
    }

}
