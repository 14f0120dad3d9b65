package io.ccdr.node.graph;

import java.util.Map;
import java.util.Set;

/**
 * A node as stored. Property values are {@link PropertyValues property values}; the collections are
 * immutable snapshots.
 */
public record NodeRecord(long id, Set<String> labels, Map<String, Object> properties) {
    public NodeRecord {
        labels = Set.copyOf(labels);
        properties = Map.copyOf(properties);
    }
}
