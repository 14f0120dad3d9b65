package io.ccdr.bench.neo4j;

import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.HttpConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * A Neo4j Community server for reference measurements: {@code org.neo4j:neo4j} embedded, with its
 * Bolt connector on {@code --listen:--port}, the store in {@code --data}, and either no
 * authentication or the {@code neo4j} user with {@code --password}. It serves until it is
 * interrupted (Ctrl-C, SIGTERM), then shuts the database down cleanly.
 *
 * <pre>
 * java -Xmx1g -jar bench/neo4j-reference/target/neo4j-reference.jar --port 7687 --data /tmp/neo4j-ref [--password secret]
 * </pre>
 *
 * Everything else is Neo4j's default configuration (page cache, transaction log, checkpointing),
 * as a Community server started with an empty {@code neo4j.conf} would have it, except that the
 * HTTP connector is off (the benchmark speaks Bolt only).
 */
public final class Neo4jReferenceServer {
    private Neo4jReferenceServer() {
    }

    public static void main(String[] args) throws Exception {
        String listen = "127.0.0.1";
        int port = 7687;
        Path data = null;
        String password = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--help") || a.equals("-h")) {
                usage(null);
                return;
            }
            if (i + 1 >= args.length) {
                usage(a + " needs a value");
                return;
            }
            String v = args[++i];
            switch (a) {
                case "--listen" -> listen = v;
                case "--port" -> port = Integer.parseInt(v);
                case "--data" -> data = Path.of(v).toAbsolutePath().normalize();
                case "--password" -> password = v;
                default -> {
                    usage("unknown option " + a);
                    return;
                }
            }
        }
        if (data == null) {
            usage("--data DIR is required");
            return;
        }
        if (password != null && password.length() < 8) {
            usage("Neo4j requires passwords of at least 8 characters");
            return;
        }
        Files.createDirectories(data);

        DatabaseManagementService dbms = new DatabaseManagementServiceBuilder(data)
                .setConfig(BoltConnector.enabled, true)
                .setConfig(BoltConnector.listen_address, new SocketAddress(listen, port))
                .setConfig(BoltConnector.advertised_address, new SocketAddress(listen, port))
                .setConfig(HttpConnector.enabled, false)
                .setConfig(GraphDatabaseSettings.auth_enabled, password != null)
                .build();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            dbms.shutdown();
            stopped.countDown();
        }, "neo4j-reference-shutdown"));
        if (password != null) {
            // as `neo4j-admin dbms set-initial-password` would: no password change required on first login
            dbms.database(GraphDatabaseSettings.SYSTEM_DATABASE_NAME).executeTransactionally(
                    "ALTER USER neo4j SET PASSWORD $password CHANGE NOT REQUIRED", Map.of("password", password));
        }
        String version = org.neo4j.kernel.internal.Version.getNeo4jVersion();
        System.out.printf("ready: Neo4j Community %s, bolt://%s:%d and neo4j://%s:%d, data %s, %s%n", version, listen, port, listen, port,
                data, password == null ? "no authentication" : "user neo4j with the given password");
        System.out.flush();
        stopped.await();
    }

    private static void usage(String error) {
        if (error != null) {
            System.err.println("neo4j-reference: " + error);
        }
        System.err.println("usage: java -Xmx1g -jar neo4j-reference.jar --data DIR [--port 7687] [--listen 127.0.0.1] [--password PW]");
        if (error != null) {
            System.exit(2);
        }
    }
}
