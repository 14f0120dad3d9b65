package io.ccdr.node.graph;

import java.util.Map;
import java.util.Set;

/**
 * The write side of a transaction. Every call records an operation in the transaction's change
 * set; reads through this object see the pending changes. Nothing is visible to anyone else until
 * the change set commits through Raft.
 *
 * <p>Ids of new entities are assigned here, on the leader, so that every member applies exactly
 * the same change set.
 */
public interface GraphWriter extends GraphReader {

    long createNode(Set<String> labels, Map<String, Object> properties);

    long createRelationship(long startNode, long endNode, String type, Map<String, Object> properties);

    /** Sets a node property; a {@code null} value removes it. */
    void setNodeProperty(long nodeId, String key, Object value);

    void addLabel(long nodeId, String label);

    void removeLabel(long nodeId, String label);

    /** Sets a relationship property; a {@code null} value removes it. */
    void setRelationshipProperty(long relationshipId, String key, Object value);

    /**
     * Deletes a node. Fails with {@link GraphException} ({@code Neo.ClientError.Schema.ConstraintValidationFailed})
     * if it still has relationships; callers implementing DETACH DELETE delete those first.
     */
    void deleteNode(long nodeId);

    void deleteRelationship(long relationshipId);

    /**
     * Adds an index or a uniqueness constraint. Fails with
     * {@code Neo.ClientError.Schema.EquivalentSchemaRuleAlreadyExists} if one with the same name or
     * on the same label/property exists; a constraint fails with
     * {@code Neo.ClientError.Schema.ConstraintCreationFailed} if existing data violates it.
     */
    void createSchemaRule(IndexDescriptor rule);

    /** Drops by name; fails with {@code Neo.ClientError.Schema.IndexDropFailed} if absent. */
    void dropSchemaRule(String name);

    /**
     * Approximate heap held by the pending changes, for the transaction memory limits
     * ({@code db.memory.transaction.max}); 0 when the writer does not know.
     */
    default long estimatedHeapBytes() {
        return 0;
    }
}
