package io.ccdr.node.tx;

import io.ccdr.node.graph.IndexDescriptor;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a write transaction did, computed on the leader and replicated instead of the statement.
 * Every member applies exactly these operations, in order, so the result is the same everywhere.
 *
 * <p>{@code baseTxId} is the committed txId the transaction read from. Applying fails with a
 * retryable conflict if any entity the change set touches was modified after that txId (first
 * committer wins), which is what lets the leader run many transactions at once without locks.
 */
public record ChangeSet(long baseTxId, long proposedCommitTimeMillis, List<Op> ops) {

    public ChangeSet {
        ops = List.copyOf(ops);
    }

    public boolean isEmpty() {
        return ops.isEmpty();
    }

    /** One operation; ids are final (assigned on the leader). */
    public sealed interface Op {
    }

    public record CreateNode(long id, Set<String> labels, Map<String, Object> properties) implements Op {
        public CreateNode {
            labels = Set.copyOf(labels);
            properties = Map.copyOf(properties);
        }
    }

    public record DeleteNode(long id) implements Op {
    }

    /** A {@code null} value removes the property. */
    public record SetNodeProperty(long id, String key, Object value) implements Op {
    }

    public record AddLabel(long id, String label) implements Op {
    }

    public record RemoveLabel(long id, String label) implements Op {
    }

    public record CreateRelationship(long id, String type, long startNode, long endNode,
                                     Map<String, Object> properties) implements Op {
        public CreateRelationship {
            properties = Map.copyOf(properties);
        }
    }

    public record DeleteRelationship(long id) implements Op {
    }

    /** A {@code null} value removes the property. */
    public record SetRelationshipProperty(long id, String key, Object value) implements Op {
    }

    public record CreateSchemaRule(IndexDescriptor rule) implements Op {
    }

    public record DropSchemaRule(String name) implements Op {
    }
}
