package io.ccdr.node.query;

import io.ccdr.metrics.BoltMetrics;
import io.ccdr.node.bolt.BoltResult;
import io.ccdr.node.bolt.BoltTransaction;
import io.ccdr.node.graph.GraphException;

import java.time.Duration;
import java.util.List;
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
        BoltResult result;
        try {
            result = delegate.run(query, parameters);
        } catch (GraphException e) {
            metrics.recordFailure(e.statusCode());
            throw e;
        } finally {
            metrics.recordQuery(Duration.ofNanos(System.nanoTime() - start));
        }
        // rows are computed as they are pulled, so a query can also fail there
        return new BoltResult() {
            @Override
            public List<String> fields() {
                return result.fields();
            }

            @Override
            public List<Object> next() {
                try {
                    return result.next();
                } catch (GraphException e) {
                    metrics.recordFailure(e.statusCode());
                    throw e;
                }
            }

            @Override
            public Map<String, Object> summary() {
                return result.summary();
            }

            @Override
            public void close() {
                result.close();
            }
        };
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
