package io.ccdr.cli.drill;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ccdr.cli.CcdrCommand;
import io.ccdr.cli.local.PortCheck;
import io.ccdr.cli.local.Sandbox;
import io.ccdr.cli.local.SandboxLayout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The default drill end to end: six real server processes (launched with this test JVM's classpath,
 * see SandboxProcessTest), the application through the official driver, kill -9 of cluster a,
 * promotion, failback. Slow by nature (about 3-4 minutes on a busy 2-core machine).
 */
class DrillCommandTest {

    record Run(int exit, String out) {
    }

    static Run drill(String... args) {
        StringWriter out = new StringWriter();
        CommandLine cl = CcdrCommand.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(out, true));
        List<String> all = new ArrayList<>(List.of("drill"));
        all.addAll(List.of(args));
        return new Run(cl.execute(all.toArray(String[]::new)), out.toString());
    }

    static int freeBasePort() {
        SandboxLayout layout = SandboxLayout.of(21000, 2, 3);
        return PortCheck.findFreeBasePort(layout, 21000 + ThreadLocalRandom.current().nextInt(100) * 100, 32000);
    }

    static void destroy(Path dir) {
        if (Sandbox.exists(dir)) {
            Sandbox.open(dir).destroy();
        }
    }

    @Test
    @Timeout(300)
    void defaultDrillPassesAndReportsRpoRtoAndFailbackUnavailability(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("sandbox");
        Path json = tmp.resolve("report.json");
        Run run;
        try {
            run = drill("--dir", dir.toString(), "--json", json.toString(), "--seed", "20261122", "--base-port",
                    String.valueOf(freeBasePort()));
        } finally {
            destroy(dir);
        }
        System.out.println(run.out()); // the drill's own report, kept in the surefire output for diagnosis
        assertThat(run.exit()).as(run.out()).isZero();
        assertThat(run.out()).contains("seed 20261122").contains("DISASTER: kill -9").contains("[7/7]").containsPattern("(?m)^PASS$");

        JsonNode report = new ObjectMapper().readTree(json.toFile());
        assertThat(report.path("verdict").asText()).isEqualTo("PASS");
        assertThat(report.path("seed").asLong()).isEqualTo(20261122L);
        JsonNode f = report.path("figures");
        assertThat(f.path("acknowledgedWrites").asLong()).isPositive();
        assertThat(f.path("acknowledgedByB").asLong()).isPositive();
        assertThat(f.path("acknowledgedByAAfterFailback").asLong()).isGreaterThanOrEqualTo(10);
        assertThat(f.path("rpoTransactions").asLong()).isGreaterThanOrEqualTo(0);
        assertThat(f.path("lostAcknowledgedWrites").asLong()).isBetween(0L, f.path("rpoTransactions").asLong());
        assertThat(f.path("rpoSeconds").isNumber()).isTrue();
        // the backup was taken before the disaster, so it can only be behind what a had committed
        assertThat(f.path("backupRpoSeconds").asDouble()).isPositive();
        assertThat(f.path("backupRpoTransactions").asLong()).isGreaterThanOrEqualTo(f.path("rpoTransactions").asLong());
        assertThat(f.path("rtoMillis").asLong()).isPositive();
        assertThat(f.path("failbackUnavailableMillis").asLong()).isPositive();
        assertThat(f.path("finalTxIdA").asLong()).isPositive().isEqualTo(f.path("finalTxIdB").asLong());
        assertThat(f.path("finalChainHashA").asText()).hasSize(64).isEqualTo(f.path("finalChainHashB").asText());
        assertThat(report.path("lostWrites").size()).isEqualTo(f.path("lostAcknowledgedWrites").asInt());
        for (JsonNode w : report.path("lostWrites")) {
            assertThat(w.path("commitTime").asText()).isNotBlank();
        }
        List<String> invariants = new ArrayList<>();
        report.path("invariants").forEach(i -> {
            invariants.add(i.path("name").asText());
            assertThat(i.path("verdict").asText()).as(i.toString()).isEqualTo("PASS");
        });
        assertThat(invariants).contains("no acknowledged write lost beyond the RPO window", "no duplicate after failback",
                "chain hashes equal", "b follows a", "old primary fenced read-only on return",
                "failback exported exactly the lost transactions", "backup of the replica is a's history");
    }
}
