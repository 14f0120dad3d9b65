package io.ccdr.node.store;

import io.ccdr.node.graph.NodeRecord;

import java.util.Map;
import java.util.Set;

/** A node with the txId that last changed it ({@code version}), used for conflict detection. */
record StoredNode(long id, long version, Set<String> labels, Map<String, Object> properties) {
    NodeRecord toRecord() {
        return new NodeRecord(id, labels, properties);
    }
}
