package io.ccdr.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import io.ccdr.metrics.testing.PrometheusServer;
import io.ccdr.metrics.testing.ShippedMonitoring;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Static checks of the shipped rules, dashboard and runbook. */
class AlertRulesTest {
    private static final List<String> ALERTS = List.of("ReplicaLagHigh", "ReplicaStreamDisconnected",
            "ReplicaBrokenChain", "DatabaseNoLeader", "CertificateExpiringSoon");

    @Test
    @Timeout(30)
    void promtoolAcceptsTheRules() throws Exception {
        Path promtool = PrometheusServer.requireBinary("promtool");
        Path rules = ShippedMonitoring.rulesFile();
        Process p = new ProcessBuilder(promtool.toString(), "check", "rules", rules.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).contains("SUCCESS: 5 rules found");
    }

    @Test
    void everyAlertIsDefinedAndHasARunbookSection() throws Exception {
        Path rules = ShippedMonitoring.rulesFile();
        // the runbook lives in metrics/README.md or, once moved, in runbooks/monitoring.md: either must cover every alert
        StringBuilder runbook = new StringBuilder();
        for (Path p : List.of(ShippedMonitoring.metricsDir().resolve("README.md"),
                ShippedMonitoring.metricsDir().resolveSibling("runbooks").resolve("monitoring.md"))) {
            if (Files.isRegularFile(p)) {
                runbook.append(Files.readString(p)).append('\n');
            }
        }
        assertThat(ShippedMonitoring.alertNames(rules)).containsExactlyElementsOf(ALERTS);
        for (String alert : ALERTS) {
            assertThat(runbook.toString()).as("runbook section for " + alert).contains("### " + alert + "\n");
        }
        assertThat(ShippedMonitoring.ruleExpressions(rules)).hasSize(ALERTS.size());
    }

    @Test
    void dashboardDeclaresItsDatasourceAsAnInput() throws Exception {
        JsonNode d = new ObjectMapper().readTree(ShippedMonitoring.dashboardFile().toFile());
        assertThat(d.path("__inputs").get(0).path("name").asText()).isEqualTo("DS_PROMETHEUS");
        assertThat(d.path("__inputs").get(0).path("pluginId").asText()).isEqualTo("prometheus");
        int targets = 0;
        for (JsonNode p : d.path("panels")) {
            if (p.path("type").asText().equals("row")) {
                continue;
            }
            assertThat(p.path("datasource").path("uid").asText()).as(p.path("title").asText()).isEqualTo("${DS_PROMETHEUS}");
            for (JsonNode t : p.path("targets")) {
                assertThat(t.path("datasource").path("uid").asText()).isEqualTo("${DS_PROMETHEUS}");
                targets++;
            }
        }
        assertThat(targets).isGreaterThanOrEqualTo(13);
        assertThat(ShippedMonitoring.dashboardExpressions(ShippedMonitoring.dashboardFile()))
                .anyMatch(e -> e.contains("histogram_quantile(0.99") && e.contains("commit_latency_seconds_bucket"))
                .anyMatch(e -> e.contains("neo4j_database_replica_upstream_last_committed_tx_id"))
                .anyMatch(e -> e.contains("rate(neo4j_database_transaction_committed_total"));
    }

    @Test
    void thresholdsAreStrippedAtTheTopLevelOnly() {
        assertThat(ShippedMonitoring.withoutThreshold("max by (cluster, database) (x{state=\"a\"}) == 1"))
                .isEqualTo("max by (cluster, database) (x{state=\"a\"})");
        assertThat(ShippedMonitoring.withoutThreshold("min by (p) (x{a!=\"b\"}) - time() < 14 * 86400"))
                .isEqualTo("min by (p) (x{a!=\"b\"}) - time()");
        assertThat(ShippedMonitoring.withoutThreshold("max(x > 3) >= 60")).isEqualTo("max(x > 3)");
        assertThat(ShippedMonitoring.withoutThreshold("x{a=~\"<|>\"}")).isEqualTo("x{a=~\"<|>\"}");
        for (String expr : ShippedMonitoring.ruleExpressions(ShippedMonitoring.rulesFile()).values()) {
            assertThat(ShippedMonitoring.withoutThreshold(expr)).as(expr).isNotEqualTo(expr).doesNotContain(" == ", " > ", " < ");
        }
    }

    @Test
    void testRulesKeepTheShippedExpressionsExceptTheNamedThresholds() {
        Path rules = ShippedMonitoring.rulesFile();
        String copy = ShippedMonitoring.testRules(rules, "1s", java.util.Map.of("ReplicaLagHigh", new String[]{"> 60", "> 3"}));
        assertThat(copy).doesNotContain("for: 5m").contains("for: 1s");
        java.util.Map<String, String> shipped = ShippedMonitoring.ruleExpressions(rules);
        for (java.util.Map.Entry<String, String> e : shipped.entrySet()) {
            String expected = e.getKey().equals("ReplicaLagHigh") ? e.getValue().replace("> 60", "> 3") : e.getValue();
            assertThat(copy).contains("expr: " + expected + "\n");
        }
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ShippedMonitoring.testRules(rules, "1s",
                java.util.Map.of("ReplicaLagHigh", new String[]{"> 61", "> 3"}))).isInstanceOf(IllegalArgumentException.class);
    }

    /**
     * Every {@code neo4j_…} series the dashboard and the rules name is one that ccdr exports: a registry with every
     * kind of binding (database, replica, Bolt, certificate) is scraped, and its series names are the vocabulary.
     */
    @Test
    void dashboardAndRulesUseOnlyExportedSeriesNames() throws Exception {
        java.util.Set<String> exported = new java.util.TreeSet<>();
        try (Metrics m = Metrics.create(MetricsConfig.parse(java.util.Map.of()));
             DatabaseMetrics db = DatabaseMetrics.bind(m, "neo4j", new FakeSources.Database(1, true));
             ReplicaMetrics replica = ReplicaMetrics.bind(m, "neo4j", new FakeSources.Replica());
             BoltMetrics bolt = BoltMetrics.bind(m);
             CertificateExpiryMetrics cert = CertificateExpiryMetrics.bind(m, "cluster", java.time.Instant::now)) {
            db.recordCommit(java.time.Duration.ofMillis(1));
            bolt.recordFailure("Neo.ClientError.Statement.SyntaxError");
            for (String series : Exposition.parse(m.scrape()).samples.keySet()) {
                int brace = series.indexOf('{');
                exported.add(brace < 0 ? series : series.substring(0, brace));
            }
        }
        java.util.regex.Pattern name = java.util.regex.Pattern.compile("\\bneo4j_[a-z0-9_]+");
        java.util.List<String> used = new java.util.ArrayList<>();
        for (String e : ShippedMonitoring.dashboardExpressions(ShippedMonitoring.dashboardFile())) {
            name.matcher(e).results().forEach(r -> used.add(r.group()));
        }
        for (String e : ShippedMonitoring.ruleExpressions(ShippedMonitoring.rulesFile()).values()) {
            name.matcher(e).results().forEach(r -> used.add(r.group()));
        }
        assertThat(used).isNotEmpty();
        assertThat(exported).as("exported series").containsAll(used);
    }

    /** What operators were promised: each of these is on the dashboard, and each failure mode has an alert on the right series. */
    @Test
    void dashboardAndRulesCoverTheReplicationAndClusterEssentials() {
        String dashboard = String.join("\n", ShippedMonitoring.dashboardExpressions(ShippedMonitoring.dashboardFile()));
        assertThat(dashboard)
                .contains("neo4j_database_transaction_last_committed_tx_id")          // replica vs upstream txId
                .contains("neo4j_database_replica_upstream_last_committed_tx_id")
                .contains("neo4j_database_replica_lag_transactions")
                .contains("neo4j_database_replica_lag_seconds")
                .contains("neo4j_database_replica_stream_state")
                .contains("neo4j_database_cluster_raft_is_leader")                    // leader per database
                .contains("rate(neo4j_database_transaction_committed_total")           // commit throughput
                .contains("histogram_quantile(0.99, sum by (cluster, database, le) (rate(neo4j_database_cluster_raft_commit_latency_seconds_bucket")
                .contains("neo4j_database_replica_reconnects_total")
                .contains("neo4j_database_replica_store_copies_total");
        java.util.Map<String, String> rules = ShippedMonitoring.ruleExpressions(ShippedMonitoring.rulesFile());
        assertThat(rules.get("ReplicaLagHigh")).startsWith("max by (cluster, database) (neo4j_database_replica_lag_seconds)").contains(">");
        assertThat(rules.get("ReplicaStreamDisconnected")).contains("neo4j_database_replica_stream_state{state=\"disconnected\"}").endsWith("== 1");
        assertThat(rules.get("ReplicaBrokenChain")).contains("neo4j_database_replica_stream_state{state=\"broken_chain\"}").endsWith("== 1");
        assertThat(rules.get("DatabaseNoLeader")).contains("neo4j_database_cluster_raft_is_leader").endsWith("== 0");
        assertThat(rules.get("CertificateExpiringSoon")).contains("neo4j_ssl_certificate_expiry_seconds").endsWith("< 14 * 86400");
        String text = read(ShippedMonitoring.rulesFile());
        assertThat(text).containsPattern("(?s)alert: ReplicaLagHigh\n.*?for: 5m")
                .containsPattern("(?s)alert: ReplicaStreamDisconnected\n.*?for: 2m")
                .containsPattern("(?s)alert: DatabaseNoLeader\n.*?for: 1m");
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
