package io.ccdr.node.query;

import io.ccdr.metrics.BoltMetrics;
import io.ccdr.node.bolt.BoltResult;
import io.ccdr.node.bolt.BoltTransaction;
import io.ccdr.node.graph.GraphException;

import java.time.Duration;
import java.util.Map;

/** Counts query latency and failures by Neo4j status code for the Bolt meters. */
final class MeteredTransaction implements BoltTransaction {
    private final BoltTransaction delegate;
    private final BoltMetrics metrics;

    MeteredTransaction(BoltTransaction delegate, BoltMetrics metrics) {
        this.delegate = delegate;
        this.metrics = metrics;
    }

    @Override
    public BoltResult run(String query, Map<String, Object> parameters) {
        long start = System.nanoTime();
        try {
            return delegate.run(query, parameters);
        } catch (GraphException e) {
            metrics.recordFailure(e.statusCode());
            throw e;
        } finally {
            metrics.recordQuery(Duration.ofNanos(System.nanoTime() - start));
        }
    }

    @Override
    public String commit() {
        try {
            return delegate.commit();
        } catch (GraphException e) {
            metrics.recordFailure(e.statusCode());
            throw e;
        }
    }

    @Override
    public void rollback() {
        delegate.rollback();
    }

    @Override
    public void terminate() {
        delegate.terminate();
    }

    @Override
    public String database() {
        return delegate.database();
    }

    @Override
    public String databaseId() {
        return delegate.databaseId();
    }
}
