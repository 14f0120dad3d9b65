package io.ccdr.node.memory;

import io.ccdr.node.graph.GraphException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The heap one transaction holds: what its eager operators buffer (rows waiting for ORDER BY,
 * aggregation groups, collect() lists, DISTINCT sets), its pending writes and result rows kept in
 * memory. Streaming operators hold next to nothing and allocate nothing here.
 *
 * <p>Two limits apply, as in Neo4j: the transaction's own ({@code db.memory.transaction.max}), which
 * fails it with {@code Neo.ClientError.General.TransactionOutOfMemoryError} (retrying cannot help),
 * and its pool's ({@link MemoryPool}), which fails it with the transient
 * {@code Neo.TransientError.General.MemoryPoolOutOfMemoryError}. Either way only this transaction
 * fails; the server logs one line and goes on.
 *
 * <p>Bytes are taken from the pool in chunks, so that streaming many small allocations does not
 * contend on the pool's counter. Used by one thread at a time, like the transaction.
 */
public final class TransactionMemory implements AutoCloseable {
    public static final String SETTING = "db.memory.transaction.max";
    public static final String OUT_OF_MEMORY = "Neo.ClientError.General.TransactionOutOfMemoryError";
    private static final Logger LOG = LoggerFactory.getLogger(TransactionMemory.class);
    static final long CHUNK = 16 * 1024;

    private final long limit;
    private final MemoryPool pool;
    private final String database;
    private long used;
    private long reserved;
    private long transactionState;
    private boolean failed;
    private boolean closed;

    /**
     * @param limit    the transaction's limit in bytes, 0 = none (only the pool's)
     * @param pool     where the bytes come from; null = no pool (an engine used on its own)
     * @param database named in the log line when a limit stops the transaction
     */
    public TransactionMemory(long limit, MemoryPool pool, String database) {
        if (limit < 0) {
            throw new IllegalArgumentException(SETTING + " must not be negative: " + limit);
        }
        this.limit = limit;
        this.pool = pool;
        this.database = database;
    }

    /** No limit and no pool: for an engine used without a server around it (tests, tools). */
    public static TransactionMemory unlimited() {
        return new TransactionMemory(0, null, "standalone");
    }

    /** Accounts for {@code bytes} more, or fails the transaction if a limit would be passed. */
    public void allocate(long bytes) {
        if (bytes <= 0) {
            if (bytes < 0) {
                release(-bytes);
            }
            return;
        }
        if (closed) {
            throw new IllegalStateException("transaction memory already released");
        }
        if (limit > 0 && used + bytes > limit) {
            throw fail(new GraphException(OUT_OF_MEMORY, MemoryPool.exceeded(bytes, limit, used, SETTING)));
        }
        long needed = used + bytes - reserved;
        if (needed > 0 && pool != null) {
            long chunk = Math.max(needed, CHUNK);
            try {
                pool.reserve(chunk);
            } catch (GraphException e) {
                throw fail(e);
            }
            reserved += chunk;
        }
        used += bytes;
    }

    /** Gives back bytes accounted for earlier (a buffer drained or dropped). */
    public void release(long bytes) {
        if (bytes <= 0 || closed) {
            return;
        }
        used = Math.max(0, used - bytes);
        // keep one chunk in hand, return the rest, so that the pool sees what is really held
        long spare = reserved - used - CHUNK;
        if (spare > CHUNK && pool != null) {
            pool.release(spare);
            reserved -= spare;
        }
    }

    /**
     * Sets the share of the transaction's pending writes (the transaction state), which grows
     * and shrinks with the writes rather than by allocations of its own.
     */
    public void transactionState(long bytes) {
        long delta = bytes - transactionState;
        if (delta > 0) {
            allocate(delta);
        } else if (delta < 0) {
            release(-delta);
        }
        transactionState = bytes;
    }

    /** Bytes accounted for now. */
    public long used() {
        return used;
    }

    private GraphException fail(GraphException e) {
        if (!failed) {
            failed = true;
            LOG.warn("A transaction on database '{}' was stopped: {} ({}); the server goes on", database, e.getMessage(),
                    e.statusCode());
        }
        return e;
    }

    /** Returns everything to the pool; the transaction is over. Idempotent. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            if (pool != null && reserved > 0) {
                pool.release(reserved);
            }
            reserved = 0;
            used = 0;
        }
    }
}
