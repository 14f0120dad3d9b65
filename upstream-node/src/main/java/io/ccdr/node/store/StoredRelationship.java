package io.ccdr.node.store;

import io.ccdr.node.graph.RelationshipRecord;

import java.util.Map;

/** A relationship with the txId that last changed it ({@code version}). */
record StoredRelationship(long id, long version, String type, long startNode, long endNode, Map<String, Object> properties) {
    RelationshipRecord toRecord() {
        return new RelationshipRecord(id, type, startNode, endNode, properties);
    }
}
