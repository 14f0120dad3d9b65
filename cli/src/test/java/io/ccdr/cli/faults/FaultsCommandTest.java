package io.ccdr.cli.faults;

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
 * CI's fault seed: six real server processes, the application through the official driver, and a
 * plan with every kind of fault: seed 1's 30 s are SIGSTOP a2, a blackholed link, a cut link and
 * kill -9 a1. The checker's six verdicts must all be PASS.
 */
class FaultsCommandTest {
    static final long CI_SEED = 1;

    private static String run(List<String> args, int[] exit) {
        StringWriter out = new StringWriter();
        CommandLine cl = CcdrCommand.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(out, true));
        List<String> all = new ArrayList<>(List.of("faults", "run"));
        all.addAll(args);
        exit[0] = cl.execute(all.toArray(String[]::new));
        return out.toString();
    }

    @Test
    @Timeout(360)
    void aSeededRunOfKillsPausesAndLinkFaultsPassesEveryCheck(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("sandbox");
        Path json = tmp.resolve("faults.json");
        SandboxLayout layout = SandboxLayout.of(21000, 2, 3);
        int basePort = PortCheck.findFreeBasePort(layout, 21000 + ThreadLocalRandom.current().nextInt(100) * 100, 32000);
        int[] exit = new int[1];
        String out;
        try {
            out = run(List.of("--seed", String.valueOf(CI_SEED), "--duration", "30s", "--dir", dir.toString(), "--json", json.toString(),
                    "--base-port", String.valueOf(basePort)), exit);
        } finally {
            if (Sandbox.exists(dir)) {
                Sandbox.open(dir).destroy();
            }
        }
        System.out.println(out); // the run's own story and report, kept in the surefire output
        assertThat(out).contains("fault plan for seed " + CI_SEED).contains("nemesis: ");
        assertThat(exit[0]).as(out).isZero();
        JsonNode report = new ObjectMapper().readTree(json.toFile());
        assertThat(report.path("verdict").asText()).isEqualTo("PASS");
        List<String> checks = new ArrayList<>();
        report.path("invariants").forEach(c -> {
            checks.add(c.path("name").asText().substring(0, 2));
            assertThat(c.path("verdict").asText()).as(c.toString()).isEqualTo("PASS");
        });
        assertThat(checks).containsExactly("C3", "C1", "C2", "C4", "C5", "C6");
        JsonNode faults = report.path("faults");
        assertThat(faults.size()).isGreaterThanOrEqualTo(3);
        List<String> kinds = new ArrayList<>();
        faults.forEach(f -> kinds.add(f.path("fault").asText()));
        assertThat(String.join("\n", kinds)).contains("kill -9").contains("SIGSTOP").containsPattern("cut|blackhole");
        assertThat(report.path("figures").path("acknowledged").asLong()).isPositive();
    }

    @Test
    void usageErrorsExitWithTwo() {
        int[] exit = new int[1];
        String out = run(List.of("--faults", "kill,meteor"), exit);
        assertThat(exit[0]).isEqualTo(2);
        assertThat(out).contains("unknown fault 'meteor'");
    }
}
