package io.ccdr.cli.failback;

import io.ccdr.cli.console.Drivers;
import org.neo4j.driver.Driver;
import org.neo4j.driver.Record;
import org.neo4j.driver.Session;
import org.neo4j.driver.Value;

import java.util.List;
import java.util.Optional;

/**
 * One database as a cluster's {@code system} database shows it (SHOW DATABASE ... YIELD *), reduced
 * to what failback decides on. The position is the most advanced member's: its txId and chain hash.
 */
record DatabaseView(String name, String type, String access, boolean writer, long txId, String chainHash, String upstream,
                    String promotedFrom, Long promotedAtTxId, String promotedChainHash, Long lag, String replicationState) {

    boolean isReplica() {
        return "replica".equals(type);
    }

    boolean replicates(String database) {
        return isReplica() && upstream != null && upstream.startsWith(database + "@");
    }

    boolean promotedFrom(String database) {
        return "standard".equals(type) && promotedFrom != null && promotedFrom.startsWith(database + "@");
    }

    boolean readOnly() {
        return "read-only".equals(access);
    }

    String position() {
        return "txId " + txId + " (chain " + (chainHash == null ? "?" : chainHash.substring(0, Math.min(12, chainHash.length()))) + ")";
    }

    static Optional<DatabaseView> read(Driver driver, String database) {
        try (Session s = Drivers.causalSession(driver, "system")) {
            // A write transaction is routed to the system leader. Failback decides on this view, and a system
            // follower may not yet have applied what another client (e.g. `ccdr promote`) just committed there:
            // a read would see a promoted database as still a replica.
            List<Record> rows = s.executeWrite(tx -> tx.run("SHOW DATABASE `" + database.replace("`", "``") + "` YIELD *").list());
            if (rows.isEmpty()) {
                return Optional.empty();
            }
            Record best = rows.get(0);
            boolean writer = false;
            for (Record r : rows) {
                writer |= r.get("writer").asBoolean(false);
                if (r.get("lastCommittedTxId").asLong(-1) > best.get("lastCommittedTxId").asLong(-1)) {
                    best = r;
                }
            }
            return Optional.of(new DatabaseView(database, best.get("type").asString(), best.get("access").asString(), writer,
                    best.get("lastCommittedTxId").asLong(-1), text(best.get("lastCommittedChainHash")), text(best.get("upstream")),
                    text(best.get("promotedFrom")), number(best.get("promotedAtTxId")), text(best.get("promotedChainHash")),
                    number(best.get("replicaLagTransactions")), text(best.get("replicationState"))));
        }
    }

    private static String text(Value v) {
        return v == null || v.isNull() ? null : v.asString();
    }

    private static Long number(Value v) {
        return v == null || v.isNull() ? null : v.asLong();
    }
}
