package io.ccdr.replica;

import io.ccdr.node.CcdrServer;
import io.ccdr.node.cypher.CallContext;
import io.ccdr.node.dbms.ClusterErrors;
import io.ccdr.node.dbms.Database;
import io.ccdr.node.extension.ServerExtension;
import io.ccdr.node.graph.IndexDescriptor;
import io.ccdr.node.tx.ChainHash;
import io.ccdr.node.tx.ChangeSet;
import io.ccdr.node.tx.TransactionRecord;

import java.lang.reflect.RecordComponent;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code CALL internal.dbms.transactionLog(database, fromTxId, limit)} on the {@code system}
 * database: committed transactions of a database hosted on this server, from its transaction log,
 * with txId, commit time, chain hash and the change set as data. Failback uses it to export the
 * transactions an old primary committed that never reached the promoted replica, so an operator
 * can review and replay them instead of losing them silently.
 */
final class TransactionLogProcedure extends DbmsProcedure {
    static final String NAME = "internal.dbms.transactionLog";
    private static final int MAX_LIMIT = 10_000;


    TransactionLogProcedure(CcdrServer server, ServerExtension.Caller caller) {
        super(server, caller);
    }

    @Override
    public List<Input> inputs() {
        return List.of(Input.of("database", Type.STRING), Input.of("fromTxId", Type.INTEGER), Input.of("limit", Type.INTEGER));
    }

    @Override
    public List<String> outputColumns() {
        return List.of("txId", "commitTime", "chainHash", "changes");
    }

    @Override
    public List<Map<String, Object>> call(List<Object> args, CallContext context) {
        caller.requireAdmin("CALL " + NAME);
        String name = CreateReplicaDatabaseProcedure.databaseName(args.get(0), "database");
        long from = args.get(1) instanceof Long l && l >= 1 ? l : 1;
        int limit = args.get(2) instanceof Long l ? (int) Math.max(1, Math.min(MAX_LIMIT, l)) : MAX_LIMIT;
        Database db = server.database(name).orElseThrow(() -> server.systemState().databases().containsKey(name)
                ? ClusterErrors.unavailable(name, "not hosted on this server; run the procedure on a server that hosts it")
                : ClusterErrors.notFound(name));
        List<Map<String, Object>> rows = new ArrayList<>();
        for (TransactionRecord r : db.store().transactions(from, limit)) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("txId", r.txId());
            row.put("commitTime", Instant.ofEpochMilli(r.commitTimeMillis()).atZone(ZoneOffset.UTC));
            row.put("chainHash", ChainHash.hex(r.chainHash()));
            List<Object> changes = new ArrayList<>();
            for (ChangeSet.Op op : r.changeSet().ops()) {
                changes.add(describe((Record) op));
            }
            row.put("changes", changes);
            rows.add(row);
        }
        return rows;
    }

    /** An operation as a map: {@code op} is its kind, the other entries its fields. */
    private static Map<String, Object> describe(Record op) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("op", op.getClass().getSimpleName());
        for (RecordComponent c : op.getClass().getRecordComponents()) {
            try {
                out.put(c.getName(), value(c.getAccessor().invoke(op)));
            } catch (ReflectiveOperationException e) {
                out.put(c.getName(), "?");
            }
        }
        return out;
    }

    private static Object value(Object v) {
        if (v == null || v instanceof String || v instanceof Long || v instanceof Double || v instanceof Boolean) {
            return v;
        }
        if (v instanceof Number n) {
            return n.longValue();
        }
        if (v instanceof IndexDescriptor d) {
            return describe(d);
        }
        if (v instanceof Map<?, ?> m) {
            Map<String, Object> out = new LinkedHashMap<>();
            m.forEach((k, x) -> out.put(String.valueOf(k), value(x)));
            return out;
        }
        if (v instanceof Collection<?> c) {
            return c.stream().map(TransactionLogProcedure::value).toList();
        }
        if (v.getClass().isArray() && v instanceof long[] a) {
            return java.util.Arrays.stream(a).boxed().toList();
        }
        return v.toString();
    }
}
