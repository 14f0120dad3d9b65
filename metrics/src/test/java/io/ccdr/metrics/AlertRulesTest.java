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
}
