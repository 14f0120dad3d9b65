package io.ccdr.node.cypher;

import io.ccdr.node.graph.GraphReader;
import io.ccdr.node.graph.GraphWriter;
import io.ccdr.node.memory.TransactionMemory;

import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * State of one query execution. {@code timestamp()} and the statement clock are fixed here once, so
 * every use within the query sees the same instant (the change set then records the resulting values).
 */
final class QueryContext {
    final GraphReader graph;
    final GraphWriter writer;
    final Map<String, Object> params;
    final ProcedureRegistry procedures;
    final QueryStatistics.Builder stats = new QueryStatistics.Builder();
    final long timestamp;
    final ZonedDateTime now;
    final Set<Long> deletedNodes = new HashSet<>();
    final Set<Long> deletedRelationships = new HashSet<>();
    /** Last state of relationships deleted by this query: type(r) and RETURN r still work on them, as in Neo4j. */
    final java.util.Map<Long, io.ccdr.node.graph.RelationshipRecord> deletedRelationshipRecords = new java.util.HashMap<>();

    /** What the query holds in memory is accounted here, against the transaction's limits. */
    final TransactionMemory memory;
    /** The database part of {@code elementId()} (see {@link io.ccdr.node.graph.ElementIds}). */
    final String databaseId;

    QueryContext(GraphReader graph, Map<String, Object> params, ProcedureRegistry procedures, java.time.Clock clock) {
        this(graph, params, procedures, clock, TransactionMemory.unlimited(), CypherEngine.STANDALONE_DATABASE_ID);
    }

    QueryContext(GraphReader graph, Map<String, Object> params, ProcedureRegistry procedures, java.time.Clock clock,
                 TransactionMemory memory, String databaseId) {
        this.memory = java.util.Objects.requireNonNull(memory, "memory");
        this.databaseId = java.util.Objects.requireNonNull(databaseId, "databaseId");
        this.graph = graph;
        this.writer = graph instanceof GraphWriter w ? w : null;
        this.params = params;
        this.procedures = procedures;
        this.now = ZonedDateTime.now(clock).withZoneSameInstant(ZoneOffset.UTC);
        this.timestamp = now.toInstant().toEpochMilli();
    }

    private int ticks;

    /**
     * Cooperative cancellation: a server thread running the query is interrupted when the transaction
     * times out or is terminated; long loops call this so the query stops promptly.
     */
    void checkCancelled() {
        if ((++ticks & 0xFF) == 0 && Thread.currentThread().isInterrupted()) {
            throw new io.ccdr.node.graph.GraphException("Neo.ClientError.Transaction.Terminated",
                    "The query was terminated (its thread was interrupted)");
        }
    }

    /** Accounts for the transaction's pending writes as they stand now; called as a write clause goes. */
    void syncTransactionState() {
        if (writer != null) {
            memory.transactionState(writer.estimatedHeapBytes());
        }
    }

    GraphWriter writer() {
        if (writer == null) {
            throw new io.ccdr.node.graph.GraphException(Errors.ACCESS_MODE,
                    "Writing in read access mode not allowed. Attempted write to a read-only transaction.");
        }
        return writer;
    }
}
