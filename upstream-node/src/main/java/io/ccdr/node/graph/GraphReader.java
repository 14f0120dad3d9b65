package io.ccdr.node.graph;

import java.util.Optional;
import java.util.stream.Stream;

/**
 * A consistent read view of one database's graph. For a read transaction this is the committed
 * state at some txId; inside a write transaction it also shows the transaction's own pending
 * changes. Streams must be closed (try-with-resources) because they may hold store iterators.
 */
public interface GraphReader {

    Optional<NodeRecord> node(long id);

    Optional<RelationshipRecord> relationship(long id);

    /** All node ids in ascending order. */
    Stream<Long> allNodeIds();

    /** Ids of nodes carrying {@code label}, ascending (served by the label index). */
    Stream<Long> nodeIdsWithLabel(String label);

    /**
     * Ids of nodes with {@code label} whose property {@code key} equals {@code value}. Served by a
     * property index when one exists, otherwise by a label scan; the result is the same.
     */
    Stream<Long> nodeIdsWithProperty(String label, String key, Object value);

    /** All relationship ids in ascending order. */
    Stream<Long> allRelationshipIds();

    /**
     * Relationships attached to {@code nodeId} in {@code direction}, optionally restricted to one
     * {@code type} (null = any), served by the adjacency index. A self-loop appears once for BOTH.
     */
    Stream<RelationshipRecord> relationships(long nodeId, Direction direction, String type);

    /** Number of relationships attached to the node (self-loops count once), for DELETE checks. */
    long degree(long nodeId);

    /** Indexes and uniqueness constraints, in name order. */
    java.util.List<IndexDescriptor> schema();

    /** The txId this view is based on (the last committed transaction visible). */
    long baseTxId();
}
