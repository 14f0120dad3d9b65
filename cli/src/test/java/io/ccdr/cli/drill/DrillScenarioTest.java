package io.ccdr.cli.drill;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static io.ccdr.cli.drill.DrillCommandTest.destroy;
import static io.ccdr.cli.drill.DrillCommandTest.drill;
import static io.ccdr.cli.drill.DrillCommandTest.freeBasePort;
import static org.assertj.core.api.Assertions.assertThat;

/** The fastest shipped scenario through {@code ccdr drill --scenario}: the script drives the sandbox with ccdr commands. */
class DrillScenarioTest {

    static Path scenario(String name) {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            Path p = d.resolve("scenarios").resolve(name);
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        throw new AssertionError("scenarios/" + name + " not found above " + Path.of("").toAbsolutePath());
    }

    @Test
    @Timeout(300)
    void splitBrainGuardScenarioPasses(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("sandbox");
        Path json = tmp.resolve("report.json");
        DrillCommandTest.Run run;
        try {
            run = drill("--scenario", scenario("split-brain-guard.sh").toString(), "--dir", dir.toString(), "--json", json.toString(),
                    "--seed", "99", "--base-port", String.valueOf(freeBasePort()));
        } finally {
            destroy(dir);
        }
        System.out.println(run.out()); // the drill's own report, kept in the surefire output for diagnosis
        assertThat(run.exit()).as(run.out()).isZero();
        assertThat(run.out()).contains("PASS scenario=split-brain-guard seed=99").contains("PASS  writes to the old upstream refused");
        JsonNode report = new ObjectMapper().readTree(json.toFile());
        assertThat(report.path("verdict").asText()).isEqualTo("PASS");
        assertThat(report.path("figures").path("fence_after_return_ms").asLong()).isGreaterThanOrEqualTo(0);
    }
}
