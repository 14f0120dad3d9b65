package io.ccdr.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import io.ccdr.metrics.testing.PrometheusServer;
import io.ccdr.metrics.testing.ShippedMonitoring;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The shipped dashboard and alert rules against a real Prometheus scraping two "clusters" (two registries, two
 * HTTP endpoints): every PromQL expression in both files must return data, and the alerts must fire and resolve as
 * their sources change. Skipped (with the reason) when no {@code prometheus} binary is installed; run
 * {@code scripts/install-prometheus.sh} to get one.
 */
class PrometheusIntegrationTest {
    private static final Duration BUDGET = Duration.ofSeconds(50);

    @TempDir
    Path tmp;

    @Test
    @Timeout(60)
    void dashboardQueriesAndAlertRulesWorkAgainstRealPrometheus() throws Exception {
        Path binary = PrometheusServer.requireBinary("prometheus");
        Instant deadline = Instant.now().plus(BUDGET);

        // ---- cluster a: upstream of neo4j; "orders" has lost its leader; bolt certificate expires in 7 days
        MetricsConfig cfg = MetricsConfig.parse(Map.of("server.metrics.prometheus.enabled", "true",
                "server.metrics.prometheus.endpoint", "127.0.0.1:0"));
        List<AutoCloseable> closeables = new ArrayList<>();
        ScheduledExecutorService load = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "commit-load");
            t.setDaemon(true);
            return t;
        });
        try {
            Metrics a = add(closeables, Metrics.create(cfg));
            FakeSources.Database aNeo4j = new FakeSources.Database(1000, true);
            DatabaseMetrics aNeo4jMetrics = add(closeables, DatabaseMetrics.bind(a, "neo4j", aNeo4j));
            add(closeables, DatabaseMetrics.bind(a, "orders", new FakeSources.Database(50, false)));
            add(closeables, CertificateExpiryMetrics.bind(a, "bolt", () -> Instant.now().plus(Duration.ofDays(7))));
            add(closeables, CertificateExpiryMetrics.bind(a, "cluster", () -> Instant.now().plus(Duration.ofDays(300))));
            BoltMetrics aBolt = add(closeables, BoltMetrics.bind(a));
            aBolt.connectionOpened();
            MetricsHttpServer aHttp = add(closeables, MetricsHttpServer.start(cfg, a, HealthSource.none()));

            // ---- cluster b: replicas of a; neo4j lags, orders is disconnected, audit has a broken chain
            Metrics b = add(closeables, Metrics.create(cfg));
            FakeSources.Database bNeo4j = new FakeSources.Database(900, true);
            add(closeables, DatabaseMetrics.bind(b, "neo4j", bNeo4j));
            add(closeables, DatabaseMetrics.bind(b, "orders", new FakeSources.Database(40, true)));
            add(closeables, DatabaseMetrics.bind(b, "audit", new FakeSources.Database(7, true)));
            FakeSources.Replica lagging = replica(1000, 900, 120, StreamState.CONNECTED);
            lagging.eta = 30;
            ReplicaMetrics bNeo4jReplica = add(closeables, ReplicaMetrics.bind(b, "neo4j", lagging));
            add(closeables, ReplicaMetrics.bind(b, "orders", replica(50, 40, 300, StreamState.DISCONNECTED)));
            add(closeables, ReplicaMetrics.bind(b, "audit", replica(9, 7, 30, StreamState.BROKEN_CHAIN)));
            add(closeables, BoltMetrics.bind(b));
            MetricsHttpServer bHttp = add(closeables, MetricsHttpServer.start(cfg, b, HealthSource.none()));

            // commits, appends and replica traffic keep flowing so that rate() and histogram_quantile() have data
            load.scheduleAtFixedRate(() -> {
                aNeo4j.lastCommittedTxId++;
                aNeo4jMetrics.recordCommit(Duration.ofMillis(2 + aNeo4j.lastCommittedTxId % 20));
                aNeo4jMetrics.recordAppend(Duration.ofMillis(1));
                bNeo4jReplica.recordReceived(512, 1);
                if (aNeo4j.lastCommittedTxId % 10 == 0) {
                    bNeo4jReplica.recordReconnect();
                    bNeo4jReplica.recordStoreCopy();
                }
            }, 0, 50, TimeUnit.MILLISECONDS);

            // ---- Prometheus with a test copy of the rules whose `for:` durations are 1s
            Path rulesSrc = ShippedMonitoring.rulesFile();
            Path rules = tmp.resolve("rules.yml");
            Files.writeString(rules, ShippedMonitoring.testRules(rulesSrc, "1s", Map.of()));
            PrometheusServer prom = add(closeables, PrometheusServer.start(binary, tmp, mapOf(
                    "a", List.of("127.0.0.1:" + aHttp.boundPort()),
                    "b", List.of("127.0.0.1:" + bHttp.boundPort())), rules, Duration.ofSeconds(1), deadline));
            prom.awaitTargetsUp(2);

            // ---- every PromQL expression of the dashboard and of the rules returns data
            Map<String, String> expressions = new LinkedHashMap<>();
            for (String e : ShippedMonitoring.dashboardExpressions(ShippedMonitoring.dashboardFile())) {
                expressions.put("dashboard: " + e, ShippedMonitoring.substituteGrafanaVariables(e, "10s"));
            }
            Map<String, String> ruleExprs = ShippedMonitoring.ruleExpressions(rulesSrc);
            for (Map.Entry<String, String> e : ruleExprs.entrySet()) {
                // here every condition holds somewhere, so the rules themselves return data; so must what they compare
                expressions.put("rule " + e.getKey() + ": " + e.getValue(), e.getValue());
                expressions.put("rule " + e.getKey() + " without threshold: " + ShippedMonitoring.withoutThreshold(e.getValue()),
                        ShippedMonitoring.withoutThreshold(e.getValue()));
            }
            assertThat(ruleExprs).hasSize(5);
            assertThat(expressions.keySet().stream().filter(k -> k.startsWith("dashboard:"))).hasSizeGreaterThanOrEqualTo(13);
            Map<String, String> empty = new LinkedHashMap<>(expressions);
            prom.await("every expression returns data", () -> {
                empty.entrySet().removeIf(e -> prom.hasData(e.getValue()));
                return empty.isEmpty();
            }, () -> "no data for: " + String.join("\n  ", empty.keySet()));
            // the p99 is a real number (buckets filled), not NaN from empty rates
            prom.await("p99 commit latency is finite", () -> {
                JsonNode r = prom.query("histogram_quantile(0.99, sum by (cluster, database, le) "
                        + "(rate(neo4j_database_cluster_raft_commit_latency_seconds_bucket{cluster=\"a\",database=\"neo4j\"}[10s])))");
                return r.size() == 1 && Double.isFinite(Double.parseDouble(r.get(0).path("value").get(1).asText()));
            }, () -> prom.query("neo4j_database_cluster_raft_commit_latency_seconds_bucket").toString());

            // ---- the alerts fire exactly where the sources say so
            prom.await("all five alerts firing", () -> {
                List<Map<String, String>> firing = firing(prom);
                return firing.contains(alert("ReplicaLagHigh", "b", "neo4j"))
                        && firing.contains(alert("ReplicaStreamDisconnected", "b", "orders"))
                        && firing.contains(alert("ReplicaBrokenChain", "b", "audit"))
                        && firing.contains(alert("DatabaseNoLeader", "a", "orders"))
                        && firing.stream().anyMatch(f -> f.get("alertname").equals("CertificateExpiringSoon"));
            }, () -> firing(prom).toString());
            // exactly these: the disconnected replica's lag (300 s, growing while the link is down, by contract)
            // also raises ReplicaLagHigh; the broken-chain replica's 30 s does not; healthy things stay quiet
            assertThat(firing(prom)).containsExactlyInAnyOrder(
                    alert("ReplicaLagHigh", "b", "neo4j"),
                    alert("ReplicaLagHigh", "b", "orders"),
                    alert("ReplicaStreamDisconnected", "b", "orders"),
                    alert("ReplicaBrokenChain", "b", "audit"),
                    alert("DatabaseNoLeader", "a", "orders"),
                    Map.of("alertname", "CertificateExpiringSoon", "cluster", "a", "policy", "bolt"));

            // ---- caught up: the lag alert resolves, the others stay
            lagging.appliedTxId = lagging.upstreamLastCommittedTxId;
            lagging.lagSeconds = 0;
            bNeo4j.lastCommittedTxId = lagging.upstreamLastCommittedTxId;
            prom.await("ReplicaLagHigh resolved", () -> {
                List<Map<String, String>> now = firing(prom);
                return !now.contains(alert("ReplicaLagHigh", "b", "neo4j"))
                        && now.contains(alert("ReplicaLagHigh", "b", "orders"))
                        && now.contains(alert("ReplicaBrokenChain", "b", "audit"));
            }, () -> firing(prom).toString());
            assertThat(prom.query("neo4j_database_replica_lag_seconds{cluster=\"b\",database=\"neo4j\"}")
                    .get(0).path("value").get(1).asText()).isEqualTo("0");
        } finally {
            load.shutdownNow();
            for (int i = closeables.size() - 1; i >= 0; i--) {
                closeables.get(i).close();
            }
        }
    }

    private static Map<String, List<String>> mapOf(String k1, List<String> v1, String k2, List<String> v2) {
        Map<String, List<String>> m = new LinkedHashMap<>();
        m.put(k1, v1);
        m.put(k2, v2);
        return m;
    }

    private static FakeSources.Replica replica(long upstream, long applied, double lagSeconds, StreamState state) {
        FakeSources.Replica r = new FakeSources.Replica();
        r.upstreamLastCommittedTxId = upstream;
        r.appliedTxId = applied;
        r.lagSeconds = lagSeconds;
        r.state = state;
        return r;
    }

    private static <T extends AutoCloseable> T add(List<AutoCloseable> list, T c) {
        list.add(c);
        return c;
    }

    private static Map<String, String> alert(String name, String cluster, String database) {
        return Map.of("alertname", name, "cluster", cluster, "database", database);
    }

    private static List<Map<String, String>> firing(PrometheusServer prom) {
        return prom.firingAlerts("cluster", "database", "policy");
    }
}
