package io.ccdr.cli.drill;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class DrillReportTest {
    @Test
    void passesOnlyWithEveryInvariantPassingAndTheDrillFinished(@TempDir Path dir) throws Exception {
        DrillReport r = new DrillReport("d", 7);
        assertThat(r.passed()).as("nothing checked").isFalse();
        r.check("a", true, "fine");
        assertThat(r.passed()).isTrue();
        r.aborted("sandbox: gone");
        assertThat(r.passed()).isFalse();

        DrillReport f = new DrillReport("d", 7);
        f.check("a", true, "fine");
        f.check("b", false, "3 missing");
        f.figure("rtoMillis", "RTO (ms)", 1200L);
        f.detail("lostWrites", List.of(Map.of("id", 4)));
        StringWriter text = new StringWriter();
        f.print(new PrintWriter(text));
        assertThat(text.toString()).contains("RTO (ms)  1200").contains("FAIL  b: 3 missing").endsWith("FAIL\n");

        Path json = dir.resolve("out/report.json");
        f.writeJson(json);
        JsonNode n = new ObjectMapper().readTree(json.toFile());
        assertThat(n.path("verdict").asText()).isEqualTo("FAIL");
        assertThat(n.path("figures").path("rtoMillis").asLong()).isEqualTo(1200);
        assertThat(n.path("invariants").get(1).path("verdict").asText()).isEqualTo("FAIL");
        assertThat(n.path("lostWrites").get(0).path("id").asInt()).isEqualTo(4);
    }
}
