package io.ccdr.replica.metrics;

import io.ccdr.node.stream.CuttingProxy;
import com.fasterxml.jackson.databind.JsonNode;
import io.ccdr.metrics.testing.PrometheusServer;
import io.ccdr.metrics.testing.ShippedMonitoring;
import io.ccdr.node.config.HostPort;
import io.ccdr.node.embedded.EmbeddedCluster;
import io.ccdr.node.security.InitialPassword;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.neo4j.driver.AuthTokens;
import org.neo4j.driver.Driver;
import org.neo4j.driver.GraphDatabase;
import org.neo4j.driver.Session;
import org.neo4j.driver.SessionConfig;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * ReplicaBrokenChain end to end: the upstream database is dropped and re-created (a different history) while the
 * replica is cut off; when the link heals, the lineage check fails, replication stops for good, and the shipped
 * alert must fire and keep firing until an operator acts. One server per cluster: the point is the replica's
 * meters, not Raft.
 *
 * <p>Guards a bug once found here: the puller used to unbind the replica's meters as soon as replication
 * stopped, so the broken-chain series vanished exactly when the alert needed them. A halted replica now keeps
 * reporting {@code broken_chain} on its leader.
 */
class ReplicaBrokenChainAlertTest {
    private static final String PASSWORD = "metrics-test-pass";
    private static final String UPSTREAM = "orders";
    private static final String REPLICA = "orders-replica";
    private static final String REP = "cluster=\"b\",database=\"" + REPLICA + "\"";

    @TempDir
    Path dir;

    @Test
    @Timeout(90)
    void aBrokenChainFiresReplicaBrokenChainAndKeepsFiring() throws Exception {
        Path binary = PrometheusServer.requireBinary("prometheus");
        Instant deadline = Instant.now().plusSeconds(60);
        List<AutoCloseable> closeables = new ArrayList<>();
        try {
            // the endpoint Prometheus scrapes is off by default, as in Neo4j
            Map<String, String> scraped = Map.of("server.metrics.prometheus.enabled", "true");
            EmbeddedCluster a = new EmbeddedCluster(dir.resolve("a"), 1, scraped);
            EmbeddedCluster b = new EmbeddedCluster(dir.resolve("b"), 1, scraped);
            for (EmbeddedCluster c : List.of(a, b)) {
                InitialPassword.write(Path.of(c.settings(0).get("server.directories.data")), PASSWORD);
            }
            closeables.add(a);
            closeables.add(b);
            a.start();
            b.start();
            String listen = a.settings(0).get("server.cluster.listen_address");
            CuttingProxy proxy = new CuttingProxy(new HostPort("127.0.0.1",
                    Integer.parseInt(listen.substring(listen.lastIndexOf(':') + 1))));
            closeables.add(proxy);
            Driver driverA = GraphDatabase.driver("bolt://127.0.0.1:" + a.server(0).boltPort(),
                    AuthTokens.basic(InitialPassword.USER, PASSWORD));
            closeables.add(driverA);
            Driver driverB = GraphDatabase.driver("bolt://127.0.0.1:" + b.server(0).boltPort(),
                    AuthTokens.basic(InitialPassword.USER, PASSWORD));
            closeables.add(driverB);

            try (Session s = driverA.session(SessionConfig.forDatabase("system"))) {
                s.run("CREATE DATABASE " + UPSTREAM + " WAIT").consume();
            }
            write(a, 10);
            try (Session s = driverB.session(SessionConfig.forDatabase("system"))) {
                s.run("CALL internal.dbms.createReplicaDatabase('" + REPLICA + "', 1, 0, {remote: '" + UPSTREAM
                        + "', addresses: ['" + proxy.address() + "']})").consume();
            }

            Path rules = dir.resolve("rules.yml");
            Files.writeString(rules, ShippedMonitoring.testRules(ShippedMonitoring.rulesFile(), "1s", Map.of()));
            Map<String, List<String>> targets = new LinkedHashMap<>();
            targets.put("a", List.of("127.0.0.1:" + a.server(0).metricsPort()));
            targets.put("b", List.of("127.0.0.1:" + b.server(0).metricsPort()));
            Path promDir = Files.createDirectories(dir.resolve("prometheus"));
            PrometheusServer prom = PrometheusServer.start(binary, promDir, targets, rules, Duration.ofSeconds(1), deadline);
            closeables.add(prom);
            prom.await("replica connected and caught up", () ->
                    prom.hasData("neo4j_database_replica_stream_state{" + REP + ",state=\"connected\"} == 1")
                            && prom.hasData("neo4j_database_replica_lag_transactions{" + REP + "} == 0"
                            + " and on () neo4j_database_transaction_last_committed_tx_id{" + REP + "} >= 10"),
                    () -> prom.query("{__name__=~\"neo4j_database_replica_.*|neo4j_database_transaction_last_committed_tx_id\"}")
                            .toString());

            // ---- a different history under the same name, while the replica cannot see it
            proxy.cut();
            try (Session s = driverA.session(SessionConfig.forDatabase("system"))) {
                s.run("DROP DATABASE " + UPSTREAM + " WAIT").consume();
                s.run("CREATE DATABASE " + UPSTREAM + " WAIT").consume();
            }
            write(a, 30);
            proxy.heal();

            prom.await("ReplicaBrokenChain firing for the replica", () -> prom.firingAlerts("cluster", "database")
                            .contains(Map.of("alertname", "ReplicaBrokenChain", "cluster", "b", "database", REPLICA)),
                    () -> prom.firingAlerts("cluster", "database") + "\n  "
                            + prom.query("{__name__=~\"neo4j_database_replica_.*\"," + REP + "}"));
            // replication stays stopped, so the alert must stay: three more evaluations later it is still firing
            Instant later = Instant.now().plusSeconds(3);
            prom.await("3 s", () -> Instant.now().isAfter(later), () -> "");
            JsonNode state = prom.query("neo4j_database_replica_stream_state{" + REP + ",state=\"broken_chain\"}");
            org.assertj.core.api.Assertions.assertThat(state).as("broken_chain series").hasSize(1);
            org.assertj.core.api.Assertions.assertThat(prom.firingAlerts("cluster", "database"))
                    .contains(Map.of("alertname", "ReplicaBrokenChain", "cluster", "b", "database", REPLICA));
        } finally {
            for (int i = closeables.size() - 1; i >= 0; i--) {
                try {
                    closeables.get(i).close();
                } catch (Exception e) {
                    // keep closing the rest
                }
            }
        }
    }

    private static void write(EmbeddedCluster a, int n) {
        AtomicLong retries = new AtomicLong();
        for (int i = 0; i < n; i++) {
            a.writeToLeader(UPSTREAM, tx -> tx.createNode(Set.of("Order"), Map.of()), Duration.ofSeconds(20), retries);
        }
    }
}
