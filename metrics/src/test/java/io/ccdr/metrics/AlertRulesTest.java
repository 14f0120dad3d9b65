package io.ccdr.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static io.ccdr.metrics.PrometheusIntegrationTest.Tools;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Static checks of the shipped rules, dashboard and runbook. */
class AlertRulesTest {
    private static final List<String> ALERTS = List.of("ReplicaLagHigh", "ReplicaStreamDisconnected",
            "ReplicaBrokenChain", "DatabaseNoLeader", "CertificateExpiringSoon");

    @Test
    @Timeout(30)
    void promtoolAcceptsTheRules() throws Exception {
        Optional<Path> promtool = Tools.find("promtool");
        Tools.requireIfDemanded(promtool, "promtool");
        assumeTrue(promtool.isPresent(), "promtool not found on PATH: run scripts/install-prometheus.sh");
        Path rules = Tools.moduleDir().resolve("prometheus/ccdr-alerts.yml");
        Process p = new ProcessBuilder(promtool.get().toString(), "check", "rules", rules.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).contains("SUCCESS: 5 rules found");
    }

    @Test
    void everyAlertIsDefinedAndHasARunbookSection() throws Exception {
        String rules = Files.readString(Tools.moduleDir().resolve("prometheus/ccdr-alerts.yml"));
        String runbook = Files.readString(Tools.moduleDir().resolve("README.md"));
        for (String alert : ALERTS) {
            assertThat(rules).contains("- alert: " + alert + "\n");
            assertThat(runbook).as("runbook section for " + alert).contains("### " + alert + "\n");
        }
        assertThat(Tools.ruleExpressions(Tools.moduleDir().resolve("prometheus/ccdr-alerts.yml"))).hasSize(ALERTS.size());
    }

    @Test
    void dashboardDeclaresItsDatasourceAsAnInput() throws Exception {
        JsonNode d = new ObjectMapper().readTree(Tools.moduleDir().resolve("grafana/ccdr-dashboard.json").toFile());
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
        assertThat(Tools.dashboardExpressions(Tools.moduleDir().resolve("grafana/ccdr-dashboard.json")))
                .anyMatch(e -> e.contains("histogram_quantile(0.99") && e.contains("commit_latency_seconds_bucket"))
                .anyMatch(e -> e.contains("neo4j_database_replica_upstream_last_committed_tx_id"))
                .anyMatch(e -> e.contains("rate(neo4j_database_transaction_committed_total"));
    }
}
