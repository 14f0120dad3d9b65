package io.ccdr.cli.failback;

import io.ccdr.cli.console.Drivers;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.neo4j.driver.Driver;
import org.neo4j.driver.Record;
import org.neo4j.driver.Session;

import java.io.IOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Finds the transactions an old primary committed that never reached the promoted replica, and
 * exports them. The histories share a prefix up to the last txId where both chain hashes agree
 * (chain hashes commit to the whole history, so one equal hash means equal prefixes); everything the
 * old primary has after that point is divergent.
 */
final class DivergenceCheck {
    private static final int PAGE = 1000;
    private final Driver oldSide;
    private final String oldDatabase;
    private final Driver newSide;
    private final String newDatabase;

    DivergenceCheck(Driver oldSide, String oldDatabase, Driver newSide, String newDatabase) {
        this.oldSide = oldSide;
        this.oldDatabase = oldDatabase;
        this.newSide = newSide;
        this.newDatabase = newDatabase;
    }

    /** The divergent range: transactions {@code fromTxId..toTxId} of the old database; empty when none. */
    record Divergence(long lastCommonTxId, long fromTxId, long toTxId) {
        long count() {
            return Math.max(0, toTxId - fromTxId + 1);
        }
    }

    Divergence find(long oldLastTxId, long newLastTxId) {
        long low = 0; // hashes agree at 0 (genesis)
        long high = Math.min(oldLastTxId, newLastTxId);
        if (high > 0 && sameAt(high)) {
            low = high;
        } else {
            high = high - 1;
            while (low < high) { // largest k in [low, high] with equal hashes
                long mid = (low + high + 1) / 2;
                if (sameAt(mid)) {
                    low = mid;
                } else {
                    high = mid - 1;
                }
            }
        }
        return new Divergence(low, low + 1, oldLastTxId);
    }

    private boolean sameAt(long txId) {
        Optional<String> a = hashAt(oldSide, oldDatabase, txId);
        Optional<String> b = hashAt(newSide, newDatabase, txId);
        if (a.isEmpty() || b.isEmpty()) {
            throw new FailbackException("cannot compare histories at txId " + txId + ": the transaction log of "
                    + (a.isEmpty() ? oldDatabase : newDatabase) + " no longer holds it (pruned by db.tx_log.rotation.retention_policy); "
                    + "re-run with --discard-divergent to proceed without an export, after checking the old database by hand");
        }
        return a.get().equals(b.get());
    }

    private static Optional<String> hashAt(Driver driver, String database, long txId) {
        try (Session s = Drivers.causalSession(driver, "system")) {
            List<Record> rows = s.run("CALL internal.dbms.transactionLog($db, $tx, 1)", Map.of("db", database, "tx", txId)).list();
            return rows.isEmpty() || rows.get(0).get("txId").asLong() != txId ? Optional.empty()
                    : Optional.of(rows.get(0).get("chainHash").asString());
        }
    }

    /** Writes the divergent transactions as JSON lines (txId, commitTime, chainHash, changes) to {@code file}, atomically. */
    long export(Divergence d, Path file) throws IOException {
        ObjectMapper json = new ObjectMapper();
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        long written = 0;
        try (Writer w = Files.newBufferedWriter(tmp); Session s = Drivers.causalSession(oldSide, "system")) {
            for (long from = d.fromTxId(); from <= d.toTxId(); from += PAGE) {
                long at = from;
                List<Record> rows = s.run("CALL internal.dbms.transactionLog($db, $tx, $n)",
                        Map.of("db", oldDatabase, "tx", at, "n", PAGE)).list();
                for (Record r : rows) {
                    if (r.get("txId").asLong() > d.toTxId()) {
                        break;
                    }
                    Map<String, Object> line = new LinkedHashMap<>();
                    line.put("database", oldDatabase);
                    line.put("txId", r.get("txId").asLong());
                    line.put("commitTime", r.get("commitTime").asZonedDateTime().toString());
                    line.put("chainHash", r.get("chainHash").asString());
                    line.put("changes", r.get("changes").asList());
                    w.write(json.writeValueAsString(line));
                    w.write('\n');
                    written++;
                }
                if (rows.size() < PAGE) {
                    break;
                }
            }
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return written;
    }
}
