package io.ccdr.node.memory;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The server's transaction memory, with Neo4j's three limits: all transactions on the server
 * ({@code dbms.memory.transaction.total.max}), all transactions of one database
 * ({@code db.memory.transaction.total.max}, each database on its own) and one transaction
 * ({@code db.memory.transaction.max}). 0 means unlimited for each. Thread-safe.
 */
public final class MemoryPools {
    public static final String SERVER_SETTING = "dbms.memory.transaction.total.max";
    public static final String DATABASE_SETTING = "db.memory.transaction.total.max";

    private final MemoryPool server;
    private final long databaseLimit;
    private final long transactionLimit;
    private final Map<String, MemoryPool> databases = new ConcurrentHashMap<>();

    public MemoryPools(long serverLimit, long databaseLimit, long transactionLimit) {
        this.server = new MemoryPool(SERVER_SETTING, serverLimit, null);
        this.databaseLimit = databaseLimit;
        this.transactionLimit = transactionLimit;
    }

    /** A new transaction's memory on {@code database}; close it when the transaction ends. */
    public TransactionMemory newTransaction(String database) {
        MemoryPool pool = databases.computeIfAbsent(database, d -> new MemoryPool(DATABASE_SETTING, databaseLimit, server));
        return new TransactionMemory(transactionLimit, pool, database);
    }

    /** The pool of all transactions on this server. */
    public MemoryPool server() {
        return server;
    }
}
