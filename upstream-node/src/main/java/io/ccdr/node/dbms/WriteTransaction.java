package io.ccdr.node.dbms;

import io.ccdr.node.graph.GraphWriter;
import io.ccdr.node.store.StoreView;
import io.ccdr.node.store.TransactionState;

/**
 * An open write transaction on the leader (an explicit Bolt transaction, or the scope of
 * {@link Database#write}). Closing without committing rolls back: nothing was ever visible.
 */
public final class WriteTransaction implements AutoCloseable {
    private final Database database;
    private StoreView view;
    private final TransactionState state;
    private boolean finished;

    WriteTransaction(Database database, StoreView view, TransactionState state) {
        this.database = database;
        this.view = view;
        this.state = state;
    }

    /** Reads see the snapshot the transaction started from plus its own writes. */
    public GraphWriter graph() {
        if (finished) {
            throw new IllegalStateException("transaction already " + (view == null ? "committed" : "closed"));
        }
        return state;
    }

    public long baseTxId() {
        return state.baseTxId();
    }

    public boolean hasChanges() {
        return state.hasChanges();
    }

    TransactionState state() {
        return state;
    }

    void releaseView() {
        if (view != null) {
            view.close();
            view = null;
        }
    }

    /** Commits through Raft; see {@link Database#write} for the errors. The transaction is finished either way. */
    public <T> WriteResult<T> commit(T value) {
        if (finished) {
            throw new IllegalStateException("transaction already finished");
        }
        finished = true;
        try {
            return database.commit(this, value);
        } finally {
            releaseView();
            database.transactionEnded();
        }
    }

    public WriteResult<Void> commit() {
        return commit(null);
    }

    /** Rolls back if not committed. */
    @Override
    public void close() {
        if (!finished) {
            finished = true;
            releaseView();
            database.transactionEnded();
            database.rolledBack();
        }
    }
}
