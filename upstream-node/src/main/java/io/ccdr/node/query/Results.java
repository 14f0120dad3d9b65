package io.ccdr.node.query;

import io.ccdr.node.bolt.BoltResult;
import io.ccdr.node.cypher.QueryResult;
import io.ccdr.node.cypher.QueryStatistics;
import io.ccdr.node.cypher.QueryStream;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Query results as Bolt streams them, with Neo4j's summary keys. */
final class Results {
    private Results() {
    }

    static BoltResult of(QueryResult r, String database) {
        return BoltResult.of(r.columns(), r.rows(), summary(r.statistics(), r.queryType(), database));
    }

    /** Neo4j's summary keys for a query's type and update counters. */
    static Map<String, Object> summary(QueryStatistics s, String queryType, String database) {
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("type", queryType);
        summary.put("db", database);
        if (s != null && (s.containsUpdates() || s.indexesAdded() + s.indexesRemoved() + s.constraintsAdded() + s.constraintsRemoved() > 0)) {
            Map<String, Object> stats = new LinkedHashMap<>();
            put(stats, "nodes-created", s.nodesCreated());
            put(stats, "nodes-deleted", s.nodesDeleted());
            put(stats, "relationships-created", s.relationshipsCreated());
            put(stats, "relationships-deleted", s.relationshipsDeleted());
            put(stats, "properties-set", s.propertiesSet());
            put(stats, "labels-added", s.labelsAdded());
            put(stats, "labels-removed", s.labelsRemoved());
            put(stats, "indexes-added", s.indexesAdded());
            put(stats, "indexes-removed", s.indexesRemoved());
            put(stats, "constraints-added", s.constraintsAdded());
            put(stats, "constraints-removed", s.constraintsRemoved());
            stats.put("contains-updates", s.containsUpdates());
            summary.put("stats", stats);
        }
        return summary;
    }

    /**
     * A result read from {@code stream} as the client pulls it. Its first row is read here, so that an
     * error in it fails the RUN (as when results were computed whole) and RUN's {@code t_first} is the
     * time to the first record.
     */
    static BoltResult streaming(QueryStream stream, String database) {
        List<Object> first;
        try {
            first = stream.next();
        } catch (RuntimeException e) {
            stream.close();
            throw e;
        }
        return new BoltResult() {
            private List<Object> peeked = first;

            @Override
            public List<String> fields() {
                return stream.columns();
            }

            @Override
            public List<Object> next() {
                if (peeked != null) {
                    List<Object> r = peeked;
                    peeked = null;
                    return r;
                }
                return stream.next();
            }

            @Override
            public Map<String, Object> summary() {
                return Results.summary(stream.statistics(), stream.queryType(), database);
            }

            @Override
            public void close() {
                peeked = null;
                stream.close();
            }
        };
    }

    private static void put(Map<String, Object> stats, String key, int n) {
        if (n != 0) {
            stats.put(key, (long) n);
        }
    }
}
