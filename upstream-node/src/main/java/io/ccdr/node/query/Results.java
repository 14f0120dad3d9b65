package io.ccdr.node.query;

import io.ccdr.node.bolt.BoltResult;
import io.ccdr.node.cypher.QueryResult;
import io.ccdr.node.cypher.QueryStatistics;

import java.util.LinkedHashMap;
import java.util.Map;

/** Query results as Bolt streams them, with Neo4j's summary keys. */
final class Results {
    private Results() {
    }

    static BoltResult of(QueryResult r, String database) {
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("type", r.queryType());
        summary.put("db", database);
        QueryStatistics s = r.statistics();
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
        return BoltResult.of(r.columns(), r.rows(), summary);
    }

    private static void put(Map<String, Object> stats, String key, int n) {
        if (n != 0) {
            stats.put(key, (long) n);
        }
    }
}
