package io.ccdr.node.store;

import io.ccdr.node.graph.GraphException;
import io.ccdr.node.graph.IndexDescriptor;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Turns a validated {@link TransactionState} into store writes: records with the new version,
 * label, adjacency and property-index entries, schema rules, and uniqueness checks. Runs on the
 * apply path only, after every operation has been replayed.
 */
final class ChangeSetMaterializer {
    private final GraphStore store;
    private final StoreView live;
    private final TransactionState tx;
    private final long txId;
    private final WriteBatch batch;
    private final long[] nextIds;
    /** (rule, encoded value) -> node: detects two nodes in one transaction claiming a unique value. */
    private final Map<String, Long> claimed = new HashMap<>();

    ChangeSetMaterializer(GraphStore store, StoreView live, TransactionState tx, long txId, WriteBatch batch, long[] nextIds) {
        this.store = store;
        this.live = live;
        this.tx = tx;
        this.txId = txId;
        this.batch = batch;
        this.nextIds = nextIds;
    }

    void materialize() throws RocksDBException {
        List<IndexDescriptor> rules = List.copyOf(tx.schemaAfter().values());
        writeSchema(rules);
        for (var e : tx.nodesAfter().entrySet()) {
            long id = e.getKey();
            StoredNode before = tx.nodesBefore().get(id);
            StoredNode after = e.getValue();
            if (before == null && after == null) {
                continue;
            }
            nextIds[0] = Math.max(nextIds[0], id + 1);
            writeNode(id, before, after, rules);
        }
        for (var e : tx.relsAfter().entrySet()) {
            long id = e.getKey();
            StoredRelationship before = tx.relsBefore().get(id);
            StoredRelationship after = e.getValue();
            if (before == null && after == null) {
                continue;
            }
            nextIds[1] = Math.max(nextIds[1], id + 1);
            writeRelationship(id, before, after);
        }
    }

    private void writeSchema(List<IndexDescriptor> rules) throws RocksDBException {
        for (String name : tx.schemaTouched()) {
            byte[] metaKey = ("schema/" + name).getBytes(StandardCharsets.US_ASCII);
            Optional<IndexDescriptor> rule = rules.stream().filter(r -> r.name().equals(name)).findFirst();
            byte[] prefix = Keys.propertyRulePrefix(name);
            batch.deleteRange(store.propertiesCf(), prefix, Keys.upperBound(prefix));
            if (rule.isEmpty()) {
                batch.delete(store.metaCf(), metaKey);
                continue;
            }
            batch.put(store.metaCf(), metaKey, RecordCodec.encodeRule(rule.get()));
            populate(rule.get());
        }
    }

    /** Indexes existing nodes for a new rule; touched nodes are indexed by writeNode. */
    private void populate(IndexDescriptor rule) throws RocksDBException {
        List<Long> ids = StoreView.collect(live.nodeIdsWithLabel(rule.label()));
        for (long id : ids) {
            if (tx.nodesAfter().containsKey(id)) {
                continue;
            }
            StoredNode n = live.storedNode(id).orElseThrow();
            Object v = n.properties().get(rule.property());
            if (v != null) {
                claim(rule, v, id, true);
                batch.put(store.propertiesCf(), Keys.property(rule.name(), v, id), new byte[0]);
            }
        }
    }

    private void writeNode(long id, StoredNode before, StoredNode after, List<IndexDescriptor> rules) throws RocksDBException {
        byte[] key = Keys.id(id);
        if (after == null) {
            batch.delete(store.nodesCf(), key);
        } else {
            batch.put(store.nodesCf(), key, RecordCodec.encodeNode(
                    new StoredNode(id, txId, after.labels(), after.properties())));
        }
        var beforeLabels = before == null ? java.util.Set.<String>of() : before.labels();
        var afterLabels = after == null ? java.util.Set.<String>of() : after.labels();
        for (String l : beforeLabels) {
            if (!afterLabels.contains(l)) {
                batch.delete(store.labelsCf(), Keys.label(l, id));
            }
        }
        for (String l : afterLabels) {
            if (!beforeLabels.contains(l)) {
                batch.put(store.labelsCf(), Keys.label(l, id), new byte[0]);
            }
        }
        for (IndexDescriptor rule : rules) {
            Object vBefore = indexed(rule, before);
            Object vAfter = indexed(rule, after);
            boolean ruleIsNew = tx.schemaTouched().contains(rule.name());
            if (vBefore != null && !ruleIsNew && !vBefore.equals(vAfter)) {
                batch.delete(store.propertiesCf(), Keys.property(rule.name(), vBefore, id));
            }
            if (vAfter != null) {
                if (rule.kind() == IndexDescriptor.Kind.UNIQUENESS && (ruleIsNew || !vAfter.equals(vBefore))) {
                    checkUnique(rule, vAfter, id, ruleIsNew);
                }
                batch.put(store.propertiesCf(), Keys.property(rule.name(), vAfter, id), new byte[0]);
            }
        }
    }

    private static Object indexed(IndexDescriptor rule, StoredNode n) {
        if (n == null || !n.labels().contains(rule.label())) {
            return null;
        }
        return n.properties().get(rule.property());
    }

    private void checkUnique(IndexDescriptor rule, Object value, long id, boolean creatingRule) {
        claim(rule, value, id, creatingRule);
        if (creatingRule) {
            return; // populate() and claim() already compare against every existing node
        }
        try (Stream<Long> holders = Stream.concat(Stream.of(value), PropertyEquality.alternatives(value).stream())
                .flatMap(v -> live.indexLookup(rule.name(), v))) {
            for (long other : holders.toList()) {
                if (other == id) {
                    continue;
                }
                if (tx.nodesAfter().containsKey(other)) {
                    // changed in this transaction: still holding the value only if its new state says so
                    StoredNode o = tx.nodesAfter().get(other);
                    if (o == null || !PropertyEquality.equal(indexed(rule, o), value)) {
                        continue;
                    }
                }
                StoredNode holder = live.storedNode(other).orElse(null);
                if (holder != null && holder.version() > tx.baseTxIdValue()) {
                    // a concurrent transaction took the value after we read: retrying sees it (MERGE then matches)
                    throw new GraphException(TransactionState.OUTDATED, "a concurrent transaction created " + describe(rule, value) + "; retry");
                }
                throw violation(rule, value, other);
            }
        }
    }

    private void claim(IndexDescriptor rule, Object value, long id, boolean creatingRule) {
        if (rule.kind() != IndexDescriptor.Kind.UNIQUENESS) {
            return;
        }
        String k = rule.name() + '\u0000' + canonical(value);
        Long previous = claimed.putIfAbsent(k, id);
        if (previous != null && previous != id) {
            if (creatingRule) {
                throw new GraphException("Neo.ClientError.Schema.ConstraintCreationFailed",
                        "Unable to create Constraint( name='" + rule.name() + "', type='UNIQUENESS', schema=(:" + rule.label() + " {"
                                + rule.property() + "}) ): Both Node(" + previous + ") and Node(" + id + ") have the label `"
                                + rule.label() + "` and property `" + rule.property() + "` = " + quote(value));
            }
            throw violation(rule, value, previous);
        }
    }

    private static String canonical(Object value) {
        if (value instanceof Long l) {
            return "n" + (double) l;
        }
        if (value instanceof Double d) {
            return "n" + d;
        }
        return value.getClass().getSimpleName() + ":" + value;
    }

    private static GraphException violation(IndexDescriptor rule, Object value, long holder) {
        return new GraphException("Neo.ClientError.Schema.ConstraintValidationFailed",
                "Node(" + holder + ") already exists with label `" + rule.label() + "` and property `" + rule.property()
                        + "` = " + quote(value));
    }

    private static String describe(IndexDescriptor rule, Object value) {
        return "(:" + rule.label() + " {" + rule.property() + ": " + quote(value) + "})";
    }

    private static String quote(Object v) {
        return v instanceof String s ? "'" + s + "'" : String.valueOf(v);
    }

    private void writeRelationship(long id, StoredRelationship before, StoredRelationship after) throws RocksDBException {
        byte[] key = Keys.id(id);
        if (after == null) {
            batch.delete(store.relsCf(), key);
            batch.delete(store.adjacencyCf(), Keys.adjacency(before.startNode(), Keys.OUT, before.type(), id));
            batch.delete(store.adjacencyCf(), Keys.adjacency(before.endNode(), Keys.IN, before.type(), id));
            return;
        }
        batch.put(store.relsCf(), key, RecordCodec.encodeRelationship(
                new StoredRelationship(id, txId, after.type(), after.startNode(), after.endNode(), after.properties())));
        if (before == null) {
            batch.put(store.adjacencyCf(), Keys.adjacency(after.startNode(), Keys.OUT, after.type(), id), Keys.id(after.endNode()));
            batch.put(store.adjacencyCf(), Keys.adjacency(after.endNode(), Keys.IN, after.type(), id), Keys.id(after.startNode()));
        }
    }
}
