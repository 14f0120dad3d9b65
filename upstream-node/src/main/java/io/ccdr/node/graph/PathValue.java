package io.ccdr.node.graph;

import java.util.List;

/**
 * A path as returned by a query: {@code nodes.size() == relationships.size() + 1}, relationship i
 * connects node i and node i+1 (in either direction).
 */
public record PathValue(List<NodeRecord> nodes, List<RelationshipRecord> relationships) {
    public PathValue {
        nodes = List.copyOf(nodes);
        relationships = List.copyOf(relationships);
        if (nodes.size() != relationships.size() + 1) {
            throw new IllegalArgumentException("a path has one more node than relationships");
        }
    }
}
