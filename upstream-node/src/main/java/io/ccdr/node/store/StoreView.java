package io.ccdr.node.store;

import io.ccdr.node.graph.Direction;
import io.ccdr.node.graph.GraphException;
import io.ccdr.node.graph.GraphReader;
import io.ccdr.node.graph.IndexDescriptor;
import io.ccdr.node.graph.NodeRecord;
import io.ccdr.node.graph.RelationshipRecord;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Slice;
import org.rocksdb.Snapshot;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.function.Function;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * A read view of the store. With a RocksDB snapshot it is a consistent picture of the committed
 * state at {@link #baseTxId()}; without one (the apply path, which is the only writer) it reads
 * the live store. The view pins the store open until {@link #close()}.
 */
public final class StoreView implements GraphReader, AutoCloseable {
    private final GraphStore store;
    private final Snapshot snapshot;
    private final ReadOptions readOptions;
    private final StoreState state;
    private final List<IndexDescriptor> schema;
    private final long stamp;
    private boolean closed;

    StoreView(GraphStore store, boolean consistent, long stamp) {
        this.store = store;
        this.stamp = stamp;
        this.snapshot = consistent ? store.db().getSnapshot() : null;
        this.readOptions = new ReadOptions();
        if (snapshot != null) {
            readOptions.setSnapshot(snapshot);
        }
        this.state = store.state();
        this.schema = store.schemaRules();
    }

    StoreState state() {
        return state;
    }

    @Override
    public long baseTxId() {
        return state.lastTxId();
    }

    @Override
    public List<IndexDescriptor> schema() {
        return schema;
    }

    private byte[] get(ColumnFamilyHandle cf, byte[] key) {
        try {
            return store.db().get(cf, readOptions, key);
        } catch (RocksDBException e) {
            throw GraphStore.storageFailure(e);
        }
    }

    Optional<StoredNode> storedNode(long id) {
        byte[] v = get(store.nodesCf(), Keys.id(id));
        return v == null ? Optional.empty() : Optional.of(RecordCodec.decodeNode(id, v));
    }

    Optional<StoredRelationship> storedRelationship(long id) {
        byte[] v = get(store.relsCf(), Keys.id(id));
        return v == null ? Optional.empty() : Optional.of(RecordCodec.decodeRelationship(id, v));
    }

    @Override
    public Optional<NodeRecord> node(long id) {
        return storedNode(id).map(StoredNode::toRecord);
    }

    @Override
    public Optional<RelationshipRecord> relationship(long id) {
        return storedRelationship(id).map(StoredRelationship::toRecord);
    }

    @Override
    public Stream<Long> allNodeIds() {
        return scan(store.nodesCf(), new byte[0], key -> Keys.getLong(key, 0));
    }

    @Override
    public Stream<Long> allRelationshipIds() {
        return scan(store.relsCf(), new byte[0], key -> Keys.getLong(key, 0));
    }

    @Override
    public Stream<Long> nodeIdsWithLabel(String label) {
        byte[] prefix = Keys.labelPrefix(label);
        return scan(store.labelsCf(), prefix, key -> Keys.getLong(key, prefix.length));
    }

    @Override
    public Stream<Long> nodeIdsWithProperty(String label, String key, Object value) {
        Optional<IndexDescriptor> rule = schema.stream()
                .filter(r -> r.label().equals(label) && r.property().equals(key)).findFirst();
        if (rule.isEmpty()) {
            return nodeIdsWithLabel(label).filter(id -> node(id)
                    .map(n -> PropertyEquality.equal(n.properties().get(key), value)).orElse(false));
        }
        return Stream.concat(Stream.of(value), PropertyEquality.alternatives(value).stream())
                .flatMap(v -> indexLookup(rule.get().name(), v))
                .distinct();
    }

    Stream<Long> indexLookup(String ruleName, Object value) {
        byte[] prefix = Keys.propertyPrefix(ruleName, value);
        return scan(store.propertiesCf(), prefix, k -> k.length == prefix.length + 8 ? Keys.getLong(k, prefix.length) : null)
                .filter(java.util.Objects::nonNull);
    }

    @Override
    public Stream<RelationshipRecord> relationships(long nodeId, Direction direction, String type) {
        Stream<Long> ids = switch (direction) {
            case OUTGOING -> adjacent(nodeId, Keys.OUT, type);
            case INCOMING -> adjacent(nodeId, Keys.IN, type);
            // a self-loop is indexed both ways; report it once
            case BOTH -> Stream.concat(adjacent(nodeId, Keys.OUT, type), adjacent(nodeId, Keys.IN, type)).distinct();
        };
        return ids.map(id -> relationship(id).orElseThrow(() -> new GraphException(
                "Neo.DatabaseError.General.UnknownError", "adjacency index refers to missing relationship " + id)));
    }

    Stream<Long> adjacent(long nodeId, byte dir, String type) {
        byte[] prefix = type == null ? Keys.adjacencyPrefix(nodeId, dir) : Keys.adjacencyPrefix(nodeId, dir, type);
        return scan(store.adjacencyCf(), prefix, key -> Keys.getLong(key, key.length - 8));
    }

    @Override
    public long degree(long nodeId) {
        try (Stream<RelationshipRecord> rels = relationships(nodeId, Direction.BOTH, null)) {
            return rels.count();
        }
    }

    private <T> Stream<T> scan(ColumnFamilyHandle cf, byte[] prefix, Function<byte[], T> mapKey) {
        ReadOptions ro = new ReadOptions();
        if (snapshot != null) {
            ro.setSnapshot(snapshot);
        }
        Slice upper = null;
        byte[] bound = Keys.upperBound(prefix);
        if (bound != null && prefix.length > 0) {
            upper = new Slice(bound);
            ro.setIterateUpperBound(upper);
        }
        RocksIterator it = store.db().newIterator(cf, ro);
        it.seek(prefix);
        Iterator<T> iterator = new Iterator<>() {
            @Override
            public boolean hasNext() {
                return it.isValid() && Keys.startsWith(it.key(), prefix);
            }

            @Override
            public T next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                T value = mapKey.apply(it.key());
                it.next();
                return value;
            }
        };
        Slice toClose = upper;
        return StreamSupport.stream(Spliterators.spliteratorUnknownSize(iterator, Spliterator.ORDERED), false)
                .onClose(() -> {
                    it.close();
                    ro.close();
                    if (toClose != null) {
                        toClose.close();
                    }
                });
    }

    /** Collects ids eagerly; for small result sets inside the apply path. */
    static List<Long> collect(Stream<Long> ids) {
        try (ids) {
            return new ArrayList<>(ids.toList());
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        readOptions.close();
        if (snapshot != null) {
            store.db().releaseSnapshot(snapshot);
        }
        store.releaseView(stamp);
    }
}
