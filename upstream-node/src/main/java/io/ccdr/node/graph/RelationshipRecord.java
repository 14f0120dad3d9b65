package io.ccdr.node.graph;

import java.util.Map;

/** A relationship as stored; {@code startNode -[type]-> endNode}. */
public record RelationshipRecord(long id, String type, long startNode, long endNode, Map<String, Object> properties) {
    public RelationshipRecord {
        properties = Map.copyOf(properties);
    }

    /** The node at the other end from {@code nodeId}. */
    public long otherNode(long nodeId) {
        return nodeId == startNode ? endNode : startNode;
    }
}
