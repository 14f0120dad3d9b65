package io.ccdr.cli.status;

import io.ccdr.cli.console.ConnectionOptions;
import io.ccdr.cli.console.CypherValues;
import io.ccdr.cli.console.Drivers;
import io.ccdr.cli.console.Errors;
import org.neo4j.driver.Driver;
import org.neo4j.driver.Record;
import org.neo4j.driver.Session;
import org.neo4j.driver.SessionConfig;
import org.neo4j.driver.Value;
import org.neo4j.driver.types.TypeSystem;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Queries one cluster's {@code system} database for {@code SHOW SERVERS} and
 * {@code SHOW DATABASES YIELD *}. Drivers are kept between probes so that {@code --watch} does not
 * reconnect every few seconds.
 *
 * <p>A server fills the per-member counters ({@code lastCommittedTxId}, lags) only for the
 * members it hosts itself, so the routed answer has them for one server and {@code -} for the
 * others. The probe therefore also asks every server directly ({@code bolt://} with the same
 * security) and takes from each its rows about itself.
 */
public final class ClusterProbe implements AutoCloseable {
    static final List<String> SERVER_COLUMNS = List.of("name", "address", "state", "health", "hosting");
    /** The always-present columns first, then ccdr's replica columns, which older servers do not have. */
    static final List<String> DATABASE_COLUMNS = List.of("name", "type", "address", "role", "writer", "currentStatus",
            "statusMessage", "lastCommittedTxId", "replicationLag", "upstreamLastCommittedTxId", "replicaLagTransactions",
            "replicaLagSeconds", "replicationState");

    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration RETRY_TIME = Duration.ofSeconds(5);
    private static final TypeSystem TYPES = TypeSystem.getDefault();
    private static final SessionConfig SYSTEM = SessionConfig.builder().withDatabase("system").build();

    private final String address;
    private final ConnectionOptions options;
    private final Map<String, Driver> direct = new HashMap<>();
    private final Driver routing;

    /** @throws IllegalArgumentException when the address or options are unusable (a usage error) */
    public ClusterProbe(String address, ConnectionOptions options) {
        this.address = address;
        this.options = options;
        // Opening a driver does not connect; it validates the address and options up front.
        this.routing = Drivers.open(address, options, CONNECT_TIMEOUT, RETRY_TIME);
    }

    public String address() {
        return address;
    }

    public ClusterSnapshot probe() {
        Instant at = Instant.now();
        List<Map<String, Value>> servers;
        List<Map<String, Value>> databases;
        try {
            // Fails at once when nothing answers; the managed transactions below would retry first.
            routing.verifyConnectivity();
            servers = query(routing, "SHOW SERVERS YIELD *");
            databases = query(routing, "SHOW DATABASES YIELD *");
        } catch (RuntimeException e) {
            return ClusterSnapshot.unreachable(address, at, Errors.oneLine(e));
        }
        List<String> notes = new ArrayList<>();
        for (Map<String, Value> server : servers) {
            String serverAddress = text(server.get("address"));
            if (serverAddress.equals("-")) {
                continue;
            }
            try {
                overlayOwnRows(databases, serverAddress, query(directDriver(serverAddress), "SHOW DATABASES YIELD *"));
            } catch (RuntimeException e) {
                notes.add("server " + text(server.get("name")) + " (" + serverAddress + ") not reachable directly, its counters are '-': "
                        + Errors.oneLine(e));
            }
        }
        return new ClusterSnapshot(address, at, cells(servers, SERVER_COLUMNS), cells(sorted(databases), DATABASE_COLUMNS), notes, null);
    }

    private Driver directDriver(String serverAddress) {
        return direct.computeIfAbsent(serverAddress, a -> Drivers.open(Drivers.directScheme(address) + "://" + a, options,
                CONNECT_TIMEOUT, RETRY_TIME));
    }

    /** Fills absent cells of {@code rows} from a server's answer about its own members (rows with its address). */
    private static void overlayOwnRows(List<Map<String, Value>> rows, String serverAddress, List<Map<String, Value>> own) {
        for (Map<String, Value> mine : own) {
            if (!serverAddress.equals(text(mine.get("address")))) {
                continue;
            }
            for (Map<String, Value> row : rows) {
                if (text(row.get("name")).equals(text(mine.get("name"))) && serverAddress.equals(text(row.get("address")))) {
                    mine.forEach((column, value) -> {
                        if (!value.isNull() && (row.get(column) == null || row.get(column).isNull())) {
                            row.put(column, value);
                        }
                    });
                }
            }
        }
    }

    private static List<Map<String, Value>> query(Driver driver, String cypher) {
        try (Session session = driver.session(SYSTEM)) {
            return session.executeRead(tx -> tx.run(cypher).list(ClusterProbe::row));
        }
    }

    private static Map<String, Value> row(Record r) {
        Map<String, Value> m = new LinkedHashMap<>();
        for (String k : r.keys()) {
            m.put(k, r.get(k));
        }
        return m;
    }

    private static List<Map<String, Value>> sorted(List<Map<String, Value>> rows) {
        List<Map<String, Value>> copy = new ArrayList<>(rows);
        copy.sort(Comparator.<Map<String, Value>, String>comparing(r -> text(r.get("name"))).thenComparing(r -> text(r.get("address"))));
        return copy;
    }

    private static List<List<String>> cells(List<Map<String, Value>> rows, List<String> columns) {
        List<List<String>> out = new ArrayList<>();
        for (Map<String, Value> r : rows) {
            out.add(columns.stream().map(c -> text(r.get(c))).toList());
        }
        return out;
    }

    /** Display text: {@code -} for missing, null or empty; strings bare; lists comma-separated. */
    static String text(Value v) {
        if (v == null || v.isNull()) {
            return "-";
        }
        String s;
        if (v.hasType(TYPES.STRING())) {
            s = v.asString();
        } else if (v.hasType(TYPES.LIST())) {
            s = String.join(",", v.asList(ClusterProbe::text));
        } else {
            s = CypherValues.literal(v);
        }
        return s.isBlank() ? "-" : s.replaceAll("\\s*\\R\\s*", " ");
    }

    @Override
    public void close() {
        direct.values().forEach(Driver::close);
        direct.clear();
        routing.close();
    }
}
