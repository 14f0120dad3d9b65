package io.ccdr.metrics;

import io.ccdr.metrics.testing.PrometheusServer;
import io.ccdr.metrics.testing.ShippedMonitoring;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The shipped backup rule, evaluated by Prometheus's own rule engine ({@code promtool test rules}) on series
 * shaped as {@code ccdr admin database backup --metrics-file} writes them: it fires for a database whose
 * backups stopped, not for one that is still backed up.
 */
class BackupAlertRulesTest {
    private static final Path RULES = ShippedMonitoring.metricsDir().resolve("prometheus/ccdr-backup-alerts.yml");

    @Test
    @Timeout(30)
    void backupTooOldFiresForTheDatabaseWhoseBackupsStoppedOnly() throws Exception {
        Path promtool = PrometheusServer.requireBinary("promtool");
        Path tests = RULES.resolveSibling("ccdr-backup-alerts.test.yml");
        Process p = new ProcessBuilder(promtool.toString(), "test", "rules", tests.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).contains("SUCCESS");
    }

    @Test
    void theRuleReadsWhatTheBackupCommandWritesAndHasARunbookSection() throws Exception {
        assertThat(ShippedMonitoring.alertNames(RULES)).containsExactly("BackupTooOld");
        // the series name BackupMetricsFile (cli) writes
        assertThat(ShippedMonitoring.ruleExpressions(RULES).get("BackupTooOld")).contains("ccdr_backup_last_success_timestamp_seconds");
        String runbook = Files.readString(ShippedMonitoring.metricsDir().resolveSibling("runbooks").resolve("monitoring.md"));
        assertThat(runbook).contains("### BackupTooOld\n");
    }
}
