package io.ccdr.cli.drill;

import io.ccdr.cli.console.Drivers;
import org.neo4j.driver.AuthTokens;
import org.neo4j.driver.Config;
import org.neo4j.driver.Driver;
import org.neo4j.driver.GraphDatabase;
import org.neo4j.driver.Logging;
import org.neo4j.driver.Record;
import org.neo4j.driver.Session;
import org.neo4j.driver.SessionConfig;
import org.neo4j.driver.Value;
import org.neo4j.driver.exceptions.ClientException;
import org.neo4j.driver.exceptions.Neo4jException;

import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/** The Bolt conversations the drill has with clusters: admin calls, database state, the drill's writes, the transaction log. */
public final class Cypher {
    private Cypher() {
    }

    /**
     * A driver the way the drill's application configures one: short connect timeout so that a dead
     * cluster fails a write in milliseconds rather than the driver's default 30 s, no console logging.
     */
    public static Driver driver(String uri, String user, String password) {
        return GraphDatabase.driver(uri, AuthTokens.basic(user, password), Config.builder()
                .withLogging(Logging.none())
                .withConnectionTimeout(2, TimeUnit.SECONDS)
                .withConnectionAcquisitionTimeout(5, TimeUnit.SECONDS)
                .withMaxTransactionRetryTime(5, TimeUnit.SECONDS)
                .withUserAgent("ccdr-drill/0.1.0")
                .build());
    }

    /**
     * Runs an administration query on {@code system}, retrying transient and connectivity failures
     * (elections, a cluster still forming) until {@code wait} is over; client errors are not retried.
     */
    public static List<Record> system(Driver driver, String query, Map<String, Object> params, Duration wait) {
        return retrying(wait, () -> {
            try (Session s = Drivers.causalSession(driver, "system")) {
                return s.run(query, params).list();
            }
        });
    }

    public static <T> T retrying(Duration wait, Supplier<T> work) {
        long end = System.nanoTime() + wait.toNanos();
        while (true) {
            try {
                return work.get();
            } catch (ClientException e) {
                throw e;
            } catch (RuntimeException e) {
                if (System.nanoTime() > end) {
                    throw e;
                }
                pause(Duration.ofMillis(250));
            }
        }
    }

    /** One member of a database as SHOW DATABASE reports it. */
    public record Member(String address, String type, String access, boolean writer, Long txId, String chainHash, String upstream,
                  String fenceStatus) {
    }

    public static List<Member> members(Driver driver, String database) {
        List<Member> out = new ArrayList<>();
        for (Record r : system(driver, "SHOW DATABASE `" + database.replace("`", "``") + "` YIELD *", Map.of(), Duration.ofSeconds(10))) {
            out.add(new Member(text(r.get("address")), text(r.get("type")), text(r.get("access")), r.get("writer").asBoolean(false),
                    r.get("lastCommittedTxId").isNull() ? null : r.get("lastCommittedTxId").asLong(), text(r.get("lastCommittedChainHash")),
                    text(r.get("upstream")), text(r.get("fenceStatus"))));
        }
        return out;
    }

    /** The most advanced member's txId, or -1 when the database is unknown or no member answered. */
    public static long txId(Driver driver, String database) {
        try {
            return members(driver, database).stream().map(Member::txId).filter(t -> t != null).mapToLong(Long::longValue).max().orElse(-1);
        } catch (Neo4jException | IllegalStateException e) {
            return -1;
        }
    }

    /** How many nodes carry each drill id, read from the database's writer. */
    public static Map<Long, Integer> drillIds(Driver driver, String database) {
        return retrying(Duration.ofSeconds(30), () -> {
            Map<Long, Integer> counts = new HashMap<>();
            try (Session s = driver.session(SessionConfig.forDatabase(database))) {
                for (Record r : s.run("MATCH (n:" + Workload.LABEL + ") RETURN n.id AS id").list()) {
                    counts.merge(r.get("id").asLong(), 1, Integer::sum);
                }
            }
            return counts;
        });
    }

    /** One entry of a database's transaction log with the drill ids its changes create. */
    record LoggedTx(long txId, ZonedDateTime commitTime, String chainHash, List<Long> drillIds) {
    }

    /** The chain hash after {@code txId} in the server's log of {@code database}; empty once the log no longer holds it. */
    public static Optional<String> chainHashAt(Driver driver, String database, long txId) {
        List<Record> rows = system(driver, "CALL internal.dbms.transactionLog($db, $tx, 1)", Map.of("db", database, "tx", txId),
                Duration.ofSeconds(20));
        return rows.stream().filter(r -> r.get("txId").asLong() == txId).map(r -> r.get("chainHash").asString()).findFirst();
    }

    /** Transactions {@code fromTxId..} of {@code database} as the server {@code driver} talks to holds them. */
    static List<LoggedTx> transactionLog(Driver driver, String database, long fromTxId) {
        List<LoggedTx> out = new ArrayList<>();
        long from = fromTxId;
        while (true) {
            List<Record> rows = system(driver, "CALL internal.dbms.transactionLog($db, $tx, 1000)", Map.of("db", database, "tx", from),
                    Duration.ofSeconds(20));
            for (Record r : rows) {
                List<Long> ids = new ArrayList<>();
                collectIds(r.get("changes").asObject(), ids);
                out.add(new LoggedTx(r.get("txId").asLong(), r.get("commitTime").asZonedDateTime(), r.get("chainHash").asString(), ids));
            }
            if (rows.size() < 1000) {
                return out;
            }
            from = out.get(out.size() - 1).txId() + 1;
        }
    }

    /**
     * The {@code id} properties of drill nodes the changes create. The log describes each operation
     * as a map ({@code op} plus the operation's fields); the drill only ever creates its nodes, so
     * {@code CreateNode} operations carrying its label are all there is to find.
     */
    private static void collectIds(Object value, List<Long> ids) {
        if (value instanceof Collection<?> ops) {
            for (Object o : ops) {
                if (o instanceof Map<?, ?> m && "CreateNode".equals(m.get("op")) && m.get("labels") instanceof Collection<?> labels
                        && labels.contains(Workload.LABEL) && m.get("properties") instanceof Map<?, ?> props
                        && props.get("id") instanceof Number n) {
                    ids.add(n.longValue());
                }
            }
        }
    }

    static String text(Value v) {
        return v == null || v.isNull() ? null : v.asString();
    }

    /** Polls {@code condition} every 200 ms until it holds (true) or {@code wait} is over (false); an exception counts as "not yet". */
    public static boolean awaitQuietly(Duration wait, Supplier<Boolean> condition) {
        long end = System.nanoTime() + wait.toNanos();
        while (true) {
            boolean ok;
            try {
                ok = condition.get();
            } catch (RuntimeException e) {
                ok = false;
            }
            if (ok) {
                return true;
            }
            if (System.nanoTime() > end) {
                return false;
            }
            pause(Duration.ofMillis(200));
        }
    }

    /** The members of {@code database}, or none while the cluster does not answer. */
    public static List<Member> membersOrNone(Driver driver, String database) {
        try {
            return members(driver, database);
        } catch (RuntimeException e) {
            return List.of();
        }
    }

    /** All three members of {@code database} in one cluster and of {@code replica} in the other at one txId with one chain hash. */
    public static boolean converged(Driver a, String database, Driver b, String replica) {
        List<Member> m = membersOrNone(a, database);
        List<Member> r = membersOrNone(b, replica);
        if (m.size() != 3 || r.size() != 3) {
            return false;
        }
        List<Member> all = new ArrayList<>(m);
        all.addAll(r);
        return all.stream().allMatch(x -> x.txId() != null && x.chainHash() != null)
                && all.stream().map(Member::txId).distinct().count() == 1
                && all.stream().map(Member::chainHash).distinct().count() == 1;
    }

    public static void pause(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
