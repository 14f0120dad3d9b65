package io.ccdr.node.cypher;

import io.ccdr.node.graph.Direction;
import io.ccdr.node.graph.GraphException;
import io.ccdr.node.graph.GraphWriter;
import io.ccdr.node.graph.IndexDescriptor;
import io.ccdr.node.graph.NodeRecord;
import io.ccdr.node.graph.PropertyValues;
import io.ccdr.node.graph.RelationshipRecord;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * In-memory graph implementing the contract, for tests only. It enforces what the real store
 * enforces (no dangling relationships, uniqueness constraints, schema rule names) and counts
 * {@code nodeIdsWithProperty} calls so tests can prove index-eligible lookups are used, and node
 * scans ({@code allNodeIds}, {@code nodeIdsWithLabel}) so they can prove seeks are.
 */
final class TestGraph implements GraphWriter {
    private final TreeMap<Long, NodeRecord> nodes = new TreeMap<>();
    private final TreeMap<Long, RelationshipRecord> rels = new TreeMap<>();
    private final TreeMap<String, IndexDescriptor> schema = new TreeMap<>();
    private long nextNode;
    private long nextRel;
    int propertyLookups;
    int nodeScans;

    @Override
    public Optional<NodeRecord> node(long id) {
        return Optional.ofNullable(nodes.get(id));
    }

    @Override
    public Optional<RelationshipRecord> relationship(long id) {
        return Optional.ofNullable(rels.get(id));
    }

    @Override
    public Stream<Long> allNodeIds() {
        nodeScans++;
        return new ArrayList<>(nodes.keySet()).stream();
    }

    @Override
    public Stream<Long> nodeIdsWithLabel(String label) {
        nodeScans++;
        return nodes.values().stream().filter(n -> n.labels().contains(label)).map(NodeRecord::id).toList().stream();
    }

    @Override
    public Stream<Long> nodeIdsWithProperty(String label, String key, Object value) {
        propertyLookups++;
        return nodes.values().stream()
                .filter(n -> n.labels().contains(label) && Objects.equals(n.properties().get(key), value))
                .map(NodeRecord::id).toList().stream();
    }

    @Override
    public Stream<Long> allRelationshipIds() {
        return new ArrayList<>(rels.keySet()).stream();
    }

    @Override
    public Stream<RelationshipRecord> relationships(long nodeId, Direction direction, String type) {
        return rels.values().stream()
                .filter(r -> type == null || r.type().equals(type))
                .filter(r -> switch (direction) {
                    case OUTGOING -> r.startNode() == nodeId;
                    case INCOMING -> r.endNode() == nodeId;
                    case BOTH -> r.startNode() == nodeId || r.endNode() == nodeId;
                }).toList().stream();
    }

    @Override
    public long degree(long nodeId) {
        return rels.values().stream().filter(r -> r.startNode() == nodeId || r.endNode() == nodeId).count();
    }

    @Override
    public List<IndexDescriptor> schema() {
        return List.copyOf(schema.values());
    }

    @Override
    public long baseTxId() {
        return 0;
    }

    @Override
    public long createNode(Set<String> labels, Map<String, Object> properties) {
        long id = nextNode++;
        Map<String, Object> props = new HashMap<>();
        properties.forEach((k, v) -> props.put(k, PropertyValues.normalise(k, v)));
        NodeRecord n = new NodeRecord(id, labels, props);
        checkUnique(n);
        nodes.put(id, n);
        return id;
    }

    @Override
    public long createRelationship(long startNode, long endNode, String type, Map<String, Object> properties) {
        if (!nodes.containsKey(startNode) || !nodes.containsKey(endNode)) {
            throw new GraphException("Neo.ClientError.Statement.EntityNotFound", "relationship end node missing");
        }
        long id = nextRel++;
        rels.put(id, new RelationshipRecord(id, type, startNode, endNode, properties));
        return id;
    }

    private NodeRecord requireNode(long id) {
        NodeRecord n = nodes.get(id);
        if (n == null) {
            throw new GraphException("Neo.ClientError.Statement.EntityNotFound", "Node " + id + " not found");
        }
        return n;
    }

    @Override
    public void setNodeProperty(long nodeId, String key, Object value) {
        NodeRecord n = requireNode(nodeId);
        Map<String, Object> props = new HashMap<>(n.properties());
        if (value == null) {
            props.remove(key);
        } else {
            props.put(key, PropertyValues.normalise(key, value));
        }
        NodeRecord updated = new NodeRecord(nodeId, n.labels(), props);
        checkUnique(updated);
        nodes.put(nodeId, updated);
    }

    @Override
    public void addLabel(long nodeId, String label) {
        NodeRecord n = requireNode(nodeId);
        Set<String> labels = new LinkedHashSet<>(n.labels());
        labels.add(label);
        NodeRecord updated = new NodeRecord(nodeId, labels, n.properties());
        checkUnique(updated);
        nodes.put(nodeId, updated);
    }

    @Override
    public void removeLabel(long nodeId, String label) {
        NodeRecord n = requireNode(nodeId);
        Set<String> labels = new LinkedHashSet<>(n.labels());
        labels.remove(label);
        nodes.put(nodeId, new NodeRecord(nodeId, labels, n.properties()));
    }

    @Override
    public void setRelationshipProperty(long relationshipId, String key, Object value) {
        RelationshipRecord r = rels.get(relationshipId);
        if (r == null) {
            throw new GraphException("Neo.ClientError.Statement.EntityNotFound", "Relationship not found");
        }
        Map<String, Object> props = new HashMap<>(r.properties());
        if (value == null) {
            props.remove(key);
        } else {
            props.put(key, PropertyValues.normalise(key, value));
        }
        rels.put(relationshipId, new RelationshipRecord(r.id(), r.type(), r.startNode(), r.endNode(), props));
    }

    @Override
    public void deleteNode(long nodeId) {
        requireNode(nodeId);
        if (degree(nodeId) > 0) {
            throw new GraphException("Neo.ClientError.Schema.ConstraintValidationFailed", "Cannot delete node<" + nodeId
                    + ">, because it still has relationships. To delete this node, you must first delete its relationships.");
        }
        nodes.remove(nodeId);
    }

    @Override
    public void deleteRelationship(long relationshipId) {
        rels.remove(relationshipId);
    }

    @Override
    public void createSchemaRule(IndexDescriptor rule) {
        if (schema.containsKey(rule.name()) || schema.values().stream()
                .anyMatch(d -> d.label().equals(rule.label()) && d.property().equals(rule.property()))) {
            throw new GraphException("Neo.ClientError.Schema.EquivalentSchemaRuleAlreadyExists",
                    "An equivalent index already exists: " + rule.name());
        }
        if (rule.kind() == IndexDescriptor.Kind.UNIQUENESS) {
            Set<Object> seen = new java.util.HashSet<>();
            for (NodeRecord n : nodes.values()) {
                Object v = n.properties().get(rule.property());
                if (n.labels().contains(rule.label()) && v != null && !seen.add(v)) {
                    throw new GraphException("Neo.ClientError.Schema.ConstraintCreationFailed",
                            "Unable to create constraint " + rule.name());
                }
            }
        }
        schema.put(rule.name(), rule);
    }

    @Override
    public void dropSchemaRule(String name) {
        if (schema.remove(name) == null) {
            throw new GraphException("Neo.ClientError.Schema.IndexDropFailed", "No such index: " + name);
        }
    }

    private void checkUnique(NodeRecord n) {
        for (IndexDescriptor d : schema.values()) {
            if (d.kind() != IndexDescriptor.Kind.UNIQUENESS || !n.labels().contains(d.label())) {
                continue;
            }
            Object v = n.properties().get(d.property());
            if (v == null) {
                continue;
            }
            for (NodeRecord other : nodes.values()) {
                if (other.id() != n.id() && other.labels().contains(d.label()) && v.equals(other.properties().get(d.property()))) {
                    throw new GraphException("Neo.ClientError.Schema.ConstraintValidationFailed", "Node(" + other.id()
                            + ") already exists with label `" + d.label() + "` and property `" + d.property() + "` = " + v);
                }
            }
        }
    }

    /** A read-only view of this graph (not a GraphWriter). */
    io.ccdr.node.graph.GraphReader readOnly() {
        TestGraph self = this;
        return new io.ccdr.node.graph.GraphReader() {
            public Optional<NodeRecord> node(long id) {
                return self.node(id);
            }

            public Optional<RelationshipRecord> relationship(long id) {
                return self.relationship(id);
            }

            public Stream<Long> allNodeIds() {
                return self.allNodeIds();
            }

            public Stream<Long> nodeIdsWithLabel(String label) {
                return self.nodeIdsWithLabel(label);
            }

            public Stream<Long> nodeIdsWithProperty(String label, String key, Object value) {
                return self.nodeIdsWithProperty(label, key, value);
            }

            public Stream<Long> allRelationshipIds() {
                return self.allRelationshipIds();
            }

            public Stream<RelationshipRecord> relationships(long nodeId, Direction direction, String type) {
                return self.relationships(nodeId, direction, type);
            }

            public long degree(long nodeId) {
                return self.degree(nodeId);
            }

            public List<IndexDescriptor> schema() {
                return self.schema();
            }

            public long baseTxId() {
                return 0;
            }
        };
    }

    /** Snapshot for TCK side-effect diffs: node ids, relationship ids, label names, property triples. */
    record Snapshot(Set<Long> nodes, Set<Long> rels, Set<String> labels, Set<List<Object>> properties) {
    }

    Snapshot snapshot() {
        Set<String> labels = new java.util.HashSet<>();
        Set<List<Object>> props = new java.util.HashSet<>();
        for (NodeRecord n : nodes.values()) {
            labels.addAll(n.labels());
            n.properties().forEach((k, v) -> props.add(List.of("n", n.id(), k, v)));
        }
        for (RelationshipRecord r : rels.values()) {
            r.properties().forEach((k, v) -> props.add(List.of("r", r.id(), k, v)));
        }
        return new Snapshot(Set.copyOf(nodes.keySet()), Set.copyOf(rels.keySet()), labels, props);
    }

    Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("nodes", nodes.values());
        m.put("relationships", rels.values());
        return m;
    }
}
