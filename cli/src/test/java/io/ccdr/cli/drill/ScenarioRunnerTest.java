package io.ccdr.cli.drill;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** How a script's outcome becomes a drill verdict, without a sandbox. */
class ScenarioRunnerTest {
    @TempDir
    Path dir;

    private ScenarioRunner.Result run(String script) throws Exception {
        Path file = dir.resolve("s.sh");
        Files.writeString(file, script);
        return ScenarioRunner.run(file, Map.of("CCDR_SEED", "5"), dir, new PrintWriter(new StringWriter()));
    }

    @Test
    void theLastVerdictLineAndTheExitStatusMustBothSayPass() throws Exception {
        ScenarioRunner.Result ok = run("echo 'PASS  some check: detail'\necho \"PASS scenario=x seed=$CCDR_SEED gap_ms=120 victim=a2\"\n");
        assertThat(ok.passed()).isTrue();
        assertThat(ok.figures()).containsExactly(Map.entry("scenario", "x"), Map.entry("seed", "5"), Map.entry("gap_ms", "120"),
                Map.entry("victim", "a2"));

        assertThat(run("echo 'PASS scenario=x'\nexit 3\n").passed()).isFalse();
        assertThat(run("echo 'PASS scenario=x'\necho 'FAIL scenario=x reason=late'\n").passed()).isFalse();
        assertThat(run("echo nothing\n").passed()).isFalse();
        assertThat(run("echo nothing\n").verdictLine()).isNull();
    }

    @Test
    void theLauncherRunsThisBuildsCcdrCommand() throws Exception {
        Path launcher = ScenarioRunner.writeLauncher(dir);
        Process p = new ProcessBuilder(launcher.toString(), "drill", "--help").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(out).isZero();
        assertThat(out).contains("Usage: ccdr drill").contains("--scenario").contains("workload");
    }
}
