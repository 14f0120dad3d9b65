package io.ccdr.node.store;

import io.ccdr.node.graph.Direction;
import io.ccdr.node.graph.GraphException;
import io.ccdr.node.graph.GraphWriter;
import io.ccdr.node.graph.IndexDescriptor;
import io.ccdr.node.graph.NodeRecord;
import io.ccdr.node.graph.PropertyValues;
import io.ccdr.node.graph.RelationshipRecord;
import io.ccdr.node.memory.HeapEstimate;
import io.ccdr.node.tx.ChangeSet;
import io.ccdr.node.tx.ChangeSet.*;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * A transaction's pending changes layered over a {@link StoreView}. On the leader it is the
 * {@link GraphWriter} a query writes through, and it records the change set. When the change set is
 * applied, the same class replays it over the live store in "validating" mode: every entity it
 * touches must be unchanged since {@code baseTxId}, otherwise a concurrent transaction won and the
 * change set is rejected as outdated (retryable). One code path for both sides keeps the leader's
 * view and every member's result identical.
 */
public final class TransactionState implements GraphWriter {
    static final String OUTDATED = "Neo.TransientError.Transaction.Outdated";
    static final String NOT_FOUND = "Neo.ClientError.Statement.EntityNotFound";

    private final StoreView base;
    private final IdAllocator ids;
    private final long baseTxId;
    private final boolean validating;
    private final List<Op> ops = new ArrayList<>();
    // touched entities: before = state in base (null if absent), after = current (null if deleted)
    private final Map<Long, StoredNode> nodesBefore = new HashMap<>();
    private final Map<Long, StoredNode> nodesAfter = new LinkedHashMap<>();
    private final Map<Long, StoredRelationship> relsBefore = new HashMap<>();
    private final Map<Long, StoredRelationship> relsAfter = new LinkedHashMap<>();
    private final Map<String, IndexDescriptor> schemaAfter = new LinkedHashMap<>();
    private final Set<String> schemaTouched = new HashSet<>();
    /** Estimated heap of ops and touched entities; kept on the leader only (the apply path has no limit). */
    private long heapBytes;

    /** The leader side: reads see {@code base} plus this transaction's own writes. */
    public TransactionState(StoreView base, IdAllocator ids) {
        this(base, ids, base.baseTxId(), false);
    }

    TransactionState(StoreView base, IdAllocator ids, long baseTxId, boolean validating) {
        this.base = base;
        this.ids = ids;
        this.baseTxId = baseTxId;
        this.validating = validating;
        for (IndexDescriptor r : base.schema()) {
            schemaAfter.put(r.name(), r);
        }
    }

    public ChangeSet toChangeSet(long proposedCommitTimeMillis) {
        return new ChangeSet(baseTxId, proposedCommitTimeMillis, ops);
    }

    public boolean hasChanges() {
        return !ops.isEmpty();
    }

    @Override
    public long estimatedHeapBytes() {
        return heapBytes;
    }

    /** Heap an operation of the change set adds beyond the entity states (which putNodeAfter/putRelAfter count). */
    private static long opSize(Op op) {
        long payload = 0;
        if (op instanceof CreateNode o) {
            payload = HeapEstimate.of(o.labels()); // its properties are the new node's
        } else if (op instanceof SetNodeProperty o) {
            payload = HeapEstimate.of(o.value());
        } else if (op instanceof SetRelationshipProperty o) {
            payload = HeapEstimate.of(o.value());
        }
        return HeapEstimate.OBJECT * 2 + HeapEstimate.REFERENCE + payload;
    }

    /** {@code nodesAfter.put(id, now)}, accounting for the version it replaces unless the before map keeps it. */
    private void putNodeAfter(long id, StoredNode now) {
        StoredNode replaced = nodesAfter.put(id, now);
        if (!validating) {
            heapBytes += size(now) - (replaced != null && replaced != nodesBefore.get(id) ? size(replaced) : 0);
        }
    }

    private void putRelAfter(long id, StoredRelationship now) {
        StoredRelationship replaced = relsAfter.put(id, now);
        if (!validating) {
            heapBytes += size(now) - (replaced != null && replaced != relsBefore.get(id) ? size(replaced) : 0);
        }
    }

    private static long size(StoredNode n) {
        return n == null ? 0 : HeapEstimate.OBJECT * 3 + HeapEstimate.of(n.labels()) + HeapEstimate.of(n.properties());
    }

    private static long size(StoredRelationship r) {
        return r == null ? 0 : HeapEstimate.OBJECT * 4 + HeapEstimate.of(r.properties());
    }

    // ---- applying a replicated change set -------------------------------------------------

    void replay(Op op) {
        if (op instanceof CreateNode o) {
            createNode(o.id(), o.labels(), o.properties());
        } else if (op instanceof DeleteNode o) {
            deleteNode(o.id());
        } else if (op instanceof SetNodeProperty o) {
            setNodeProperty(o.id(), o.key(), o.value());
        } else if (op instanceof AddLabel o) {
            addLabel(o.id(), o.label());
        } else if (op instanceof RemoveLabel o) {
            removeLabel(o.id(), o.label());
        } else if (op instanceof CreateRelationship o) {
            createRelationship(o.id(), o.startNode(), o.endNode(), o.type(), o.properties());
        } else if (op instanceof DeleteRelationship o) {
            deleteRelationship(o.id());
        } else if (op instanceof SetRelationshipProperty o) {
            setRelationshipProperty(o.id(), o.key(), o.value());
        } else if (op instanceof CreateSchemaRule o) {
            createSchemaRule(o.rule());
        } else if (op instanceof DropSchemaRule o) {
            dropSchemaRule(o.name());
        }
    }

    Map<Long, StoredNode> nodesBefore() {
        return nodesBefore;
    }

    Map<Long, StoredNode> nodesAfter() {
        return nodesAfter;
    }

    Map<Long, StoredRelationship> relsBefore() {
        return relsBefore;
    }

    Map<Long, StoredRelationship> relsAfter() {
        return relsAfter;
    }

    Map<String, IndexDescriptor> schemaAfter() {
        return schemaAfter;
    }

    Set<String> schemaTouched() {
        return schemaTouched;
    }

    long baseTxIdValue() {
        return baseTxId;
    }

    // ---- loading touched entities ---------------------------------------------------------

    private GraphException missing(String kind, long id) {
        // On the leader the query referenced something that is gone: the client's error. While
        // validating, the leader saw it at baseTxId, so a concurrent transaction removed it.
        return validating
                ? new GraphException(OUTDATED, kind + " " + id + " was changed by a concurrent transaction; retry")
                : new GraphException(NOT_FOUND, kind + " with id " + id + " has been deleted in this transaction or does not exist");
    }

    private StoredNode loadNode(long id) {
        if (nodesAfter.containsKey(id)) {
            return nodesAfter.get(id);
        }
        StoredNode n = base.storedNode(id).orElse(null);
        if (n != null && validating && n.version() > baseTxId) {
            throw new GraphException(OUTDATED, "node " + id + " was changed by a concurrent transaction; retry");
        }
        nodesBefore.put(id, n);
        nodesAfter.put(id, n);
        if (!validating) {
            heapBytes += 2 * HeapEstimate.MAP_ENTRY + size(n);
        }
        return n;
    }

    private StoredNode existingNode(long id) {
        StoredNode n = loadNode(id);
        if (n == null) {
            throw missing("Node", id);
        }
        return n;
    }

    private StoredRelationship loadRel(long id) {
        if (relsAfter.containsKey(id)) {
            return relsAfter.get(id);
        }
        StoredRelationship r = base.storedRelationship(id).orElse(null);
        if (r != null && validating && r.version() > baseTxId) {
            throw new GraphException(OUTDATED, "relationship " + id + " was changed by a concurrent transaction; retry");
        }
        relsBefore.put(id, r);
        relsAfter.put(id, r);
        if (!validating) {
            heapBytes += 2 * HeapEstimate.MAP_ENTRY + size(r);
        }
        return r;
    }

    private StoredRelationship existingRel(long id) {
        StoredRelationship r = loadRel(id);
        if (r == null) {
            throw missing("Relationship", id);
        }
        return r;
    }

    /** Records an operation for the change set; replaying a change set (validating) has no change set to build. */
    private void record(java.util.function.Supplier<Op> op) {
        if (!validating) {
            Op o = op.get();
            ops.add(o);
            heapBytes += opSize(o);
        }
    }

    /**
     * Property values as stored. A change set being replayed was normalised by the leader that built
     * it, so its values are taken as they are.
     */
    private Map<String, Object> normalised(Map<String, Object> properties) {
        return validating ? properties : normalise(properties);
    }

    private static Map<String, Object> normalise(Map<String, Object> properties) {
        Map<String, Object> out = new HashMap<>(properties.size() * 2);
        properties.forEach((k, v) -> {
            Object n = PropertyValues.normalise(k, v);
            if (n != null) {
                out.put(k, n);
            }
        });
        return out;
    }

    // ---- GraphWriter ----------------------------------------------------------------------

    @Override
    public long createNode(Set<String> labels, Map<String, Object> properties) {
        long id = ids.nextNodeId();
        createNode(id, labels, properties);
        return id;
    }

    // Every stored id lies below its store state's high-water mark (the materializer raises the mark
    // with every write), so an id at or above the view's mark, as the leader's allocator hands out,
    // needs no store read to be known unused; only ids below it (a replayed or conflicting change) do.
    private void createNode(long id, Set<String> labels, Map<String, Object> properties) {
        if (id < base.state().nextNodeId() && loadNode(id) != null || nodesAfter.get(id) != null) {
            throw new GraphException(OUTDATED, "node id " + id + " is already in use; retry");
        }
        Map<String, Object> props = normalised(properties);
        putNodeAfter(id, new StoredNode(id, 0, new TreeSet<>(labels), props));
        record(() -> new CreateNode(id, labels, props));
    }

    @Override
    public long createRelationship(long startNode, long endNode, String type, Map<String, Object> properties) {
        long id = ids.nextRelationshipId();
        createRelationship(id, startNode, endNode, type, properties);
        return id;
    }

    private void createRelationship(long id, long startNode, long endNode, String type, Map<String, Object> properties) {
        existingNode(startNode);
        existingNode(endNode);
        if (id < base.state().nextRelationshipId() && loadRel(id) != null || relsAfter.get(id) != null) {
            throw new GraphException(OUTDATED, "relationship id " + id + " is already in use; retry");
        }
        Map<String, Object> props = normalised(properties);
        putRelAfter(id, new StoredRelationship(id, 0, type, startNode, endNode, props));
        record(() -> new CreateRelationship(id, type, startNode, endNode, props));
    }

    @Override
    public void setNodeProperty(long nodeId, String key, Object value) {
        StoredNode n = existingNode(nodeId);
        Object v = PropertyValues.normalise(key, value);
        Map<String, Object> props = new HashMap<>(n.properties());
        if (v == null) {
            props.remove(key);
        } else {
            props.put(key, v);
        }
        putNodeAfter(nodeId, new StoredNode(nodeId, n.version(), n.labels(), props));
        record(() -> new SetNodeProperty(nodeId, key, v));
    }

    @Override
    public void addLabel(long nodeId, String label) {
        StoredNode n = existingNode(nodeId);
        Set<String> labels = new TreeSet<>(n.labels());
        labels.add(label);
        putNodeAfter(nodeId, new StoredNode(nodeId, n.version(), labels, n.properties()));
        record(() -> new AddLabel(nodeId, label));
    }

    @Override
    public void removeLabel(long nodeId, String label) {
        StoredNode n = existingNode(nodeId);
        Set<String> labels = new TreeSet<>(n.labels());
        labels.remove(label);
        putNodeAfter(nodeId, new StoredNode(nodeId, n.version(), labels, n.properties()));
        record(() -> new RemoveLabel(nodeId, label));
    }

    @Override
    public void setRelationshipProperty(long relationshipId, String key, Object value) {
        StoredRelationship r = existingRel(relationshipId);
        Object v = PropertyValues.normalise(key, value);
        Map<String, Object> props = new HashMap<>(r.properties());
        if (v == null) {
            props.remove(key);
        } else {
            props.put(key, v);
        }
        putRelAfter(relationshipId, new StoredRelationship(relationshipId, r.version(), r.type(), r.startNode(), r.endNode(), props));
        record(() -> new SetRelationshipProperty(relationshipId, key, v));
    }

    @Override
    public void deleteNode(long nodeId) {
        existingNode(nodeId);
        long degree = degree(nodeId);
        if (degree > 0) {
            if (validating) {
                throw new GraphException(OUTDATED, "node " + nodeId + " gained relationships in a concurrent transaction; retry");
            }
            throw new GraphException("Neo.ClientError.Schema.ConstraintValidationFailed", "Cannot delete node<" + nodeId
                    + ">, because it still has relationships. To delete this node, you must first delete its relationships.");
        }
        putNodeAfter(nodeId, null);
        record(() -> new DeleteNode(nodeId));
    }

    @Override
    public void deleteRelationship(long relationshipId) {
        StoredRelationship r = existingRel(relationshipId);
        // the end nodes are touched too: a concurrent delete of either must conflict
        loadNode(r.startNode());
        loadNode(r.endNode());
        putRelAfter(relationshipId, null);
        record(() -> new DeleteRelationship(relationshipId));
    }

    @Override
    public void createSchemaRule(IndexDescriptor rule) {
        for (IndexDescriptor existing : schemaAfter.values()) {
            if (existing.name().equals(rule.name())
                    || (existing.label().equals(rule.label()) && existing.property().equals(rule.property()))) {
                throw new GraphException("Neo.ClientError.Schema.EquivalentSchemaRuleAlreadyExists",
                        "An equivalent or conflicting schema rule already exists: " + existing);
            }
        }
        schemaAfter.put(rule.name(), rule);
        schemaTouched.add(rule.name());
        record(() -> new CreateSchemaRule(rule));
    }

    @Override
    public void dropSchemaRule(String name) {
        if (schemaAfter.remove(name) == null) {
            throw new GraphException("Neo.ClientError.Schema.IndexDropFailed", "No index or constraint named '" + name + "' exists");
        }
        schemaTouched.add(name);
        record(() -> new DropSchemaRule(name));
    }

    // ---- GraphReader (base + own writes) --------------------------------------------------

    @Override
    public Optional<NodeRecord> node(long id) {
        if (nodesAfter.containsKey(id)) {
            return Optional.ofNullable(nodesAfter.get(id)).map(StoredNode::toRecord);
        }
        return base.node(id);
    }

    @Override
    public Optional<RelationshipRecord> relationship(long id) {
        if (relsAfter.containsKey(id)) {
            return Optional.ofNullable(relsAfter.get(id)).map(StoredRelationship::toRecord);
        }
        return base.relationship(id);
    }

    @Override
    public Stream<Long> allNodeIds() {
        return Stream.concat(base.allNodeIds().filter(id -> !nodesAfter.containsKey(id) || nodesAfter.get(id) != null),
                addedIds(nodesBefore, nodesAfter));
    }

    @Override
    public Stream<Long> allRelationshipIds() {
        return Stream.concat(base.allRelationshipIds().filter(id -> !relsAfter.containsKey(id) || relsAfter.get(id) != null),
                addedIds(relsBefore, relsAfter));
    }

    private static <T> Stream<Long> addedIds(Map<Long, T> before, Map<Long, T> after) {
        return after.entrySet().stream()
                .filter(e -> e.getValue() != null && before.get(e.getKey()) == null)
                .map(Map.Entry::getKey).sorted().toList().stream();
    }

    @Override
    public Stream<Long> nodeIdsWithLabel(String label) {
        List<Long> touchedWithLabel = nodesAfter.entrySet().stream()
                .filter(e -> e.getValue() != null && e.getValue().labels().contains(label)
                        && (nodesBefore.get(e.getKey()) == null || !nodesBefore.get(e.getKey()).labels().contains(label)))
                .map(Map.Entry::getKey).sorted().toList();
        return Stream.concat(base.nodeIdsWithLabel(label).filter(id -> stillHasLabel(id, label)), touchedWithLabel.stream());
    }

    private boolean stillHasLabel(long id, String label) {
        if (!nodesAfter.containsKey(id)) {
            return true;
        }
        StoredNode n = nodesAfter.get(id);
        return n != null && n.labels().contains(label);
    }

    @Override
    public Stream<Long> nodeIdsWithProperty(String label, String key, Object value) {
        List<Long> touched = nodesAfter.entrySet().stream()
                .filter(e -> e.getValue() != null && e.getValue().labels().contains(label)
                        && PropertyEquality.equal(e.getValue().properties().get(key), value))
                .map(Map.Entry::getKey).sorted().toList();
        return Stream.concat(base.nodeIdsWithProperty(label, key, value).filter(id -> !nodesAfter.containsKey(id)),
                touched.stream());
    }

    @Override
    public Stream<RelationshipRecord> relationships(long nodeId, Direction direction, String type) {
        Stream<RelationshipRecord> fromBase = base.relationships(nodeId, direction, type)
                .filter(r -> !relsAfter.containsKey(r.id()) || relsAfter.get(r.id()) != null);
        List<RelationshipRecord> created = relsAfter.entrySet().stream()
                .filter(e -> e.getValue() != null && relsBefore.get(e.getKey()) == null)
                .map(e -> e.getValue().toRecord())
                .filter(r -> type == null || r.type().equals(type))
                .filter(r -> switch (direction) {
                    case OUTGOING -> r.startNode() == nodeId;
                    case INCOMING -> r.endNode() == nodeId;
                    case BOTH -> r.startNode() == nodeId || r.endNode() == nodeId;
                })
                .toList();
        return Stream.concat(fromBase, created.stream());
    }

    @Override
    public long degree(long nodeId) {
        try (Stream<RelationshipRecord> rels = relationships(nodeId, Direction.BOTH, null)) {
            return rels.count();
        }
    }

    @Override
    public List<IndexDescriptor> schema() {
        return schemaAfter.values().stream().sorted(java.util.Comparator.comparing(IndexDescriptor::name)).toList();
    }

    @Override
    public long baseTxId() {
        return baseTxId;
    }

}
