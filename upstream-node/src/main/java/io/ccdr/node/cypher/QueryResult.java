package io.ccdr.node.cypher;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The complete result of one query: column names, rows (values in the engine's result value model:
 * null, Boolean, Long, Double, String, List, Map, NodeRecord, RelationshipRecord, PathValue, java.time
 * values and IsoDuration), update statistics and Neo4j's query type ("r", "w", "rw", "s").
 */
public record QueryResult(List<String> columns, List<List<Object>> rows, QueryStatistics statistics, String queryType) {
    public QueryResult {
        columns = List.copyOf(columns);
        List<List<Object>> copy = new ArrayList<>(rows.size());
        for (List<Object> row : rows) {
            // rows may hold nulls, so List.copyOf cannot be used
            copy.add(Collections.unmodifiableList(new ArrayList<>(row)));
        }
        rows = Collections.unmodifiableList(copy);
    }

    /** Row {@code i} as a column-name → value map (convenience for tests and the HTTP layer). */
    public Map<String, Object> rowAsMap(int i) {
        Map<String, Object> out = new LinkedHashMap<>();
        List<Object> row = rows.get(i);
        for (int c = 0; c < columns.size(); c++) {
            out.put(columns.get(c), row.get(c));
        }
        return out;
    }
}
