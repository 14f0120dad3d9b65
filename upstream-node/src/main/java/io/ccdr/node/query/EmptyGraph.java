package io.ccdr.node.query;

import io.ccdr.node.graph.Direction;
import io.ccdr.node.graph.GraphReader;
import io.ccdr.node.graph.IndexDescriptor;
import io.ccdr.node.graph.NodeRecord;
import io.ccdr.node.graph.RelationshipRecord;

import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/** The graph of the {@code system} database as queries see it: empty (its state is reached through commands and procedures). */
final class EmptyGraph implements GraphReader {
    static final EmptyGraph INSTANCE = new EmptyGraph();

    @Override
    public Optional<NodeRecord> node(long id) {
        return Optional.empty();
    }

    @Override
    public Optional<RelationshipRecord> relationship(long id) {
        return Optional.empty();
    }

    @Override
    public Stream<Long> allNodeIds() {
        return Stream.empty();
    }

    @Override
    public Stream<Long> nodeIdsWithLabel(String label) {
        return Stream.empty();
    }

    @Override
    public Stream<Long> nodeIdsWithProperty(String label, String key, Object value) {
        return Stream.empty();
    }

    @Override
    public Stream<Long> allRelationshipIds() {
        return Stream.empty();
    }

    @Override
    public Stream<RelationshipRecord> relationships(long nodeId, Direction direction, String type) {
        return Stream.empty();
    }

    @Override
    public long degree(long nodeId) {
        return 0;
    }

    @Override
    public List<IndexDescriptor> schema() {
        return List.of();
    }

    @Override
    public long baseTxId() {
        return 0;
    }
}
