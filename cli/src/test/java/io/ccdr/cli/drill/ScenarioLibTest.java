package io.ccdr.cli.drill;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** scenarios/lib.sh's log arithmetic and verdict, on a fixture log, without clusters (CCDR is a stub). */
class ScenarioLibTest {
    @TempDir
    Path dir;

    private record Out(int exit, String text) {
    }

    private Out bash(String script) throws Exception {
        Path lib = DrillScenarioTest.scenario("lib.sh");
        Path stub = dir.resolve("ccdr");
        Files.writeString(stub, "#!/bin/sh\nexit 0\n");
        stub.toFile().setExecutable(true);
        Path s = dir.resolve("t.sh");
        Files.writeString(s, "source '" + lib + "'\n" + script);
        ProcessBuilder pb = new ProcessBuilder("bash", s.toString()).redirectErrorStream(true);
        pb.environment().putAll(Map.of("CCDR", stub.toString(), "CCDR_A_URI", "neo4j://a:1", "CCDR_B_URI", "neo4j://b:1",
                "CCDR_A_ADDRESSES", "a:2", "CCDR_B_ADDRESSES", "b:2", "NEO4J_PASSWORD", "x", "CCDR_SEED", "17"));
        Process p = pb.start();
        String text = new String(p.getInputStream().readAllBytes());
        return new Out(p.waitFor(), text);
    }

    @Test
    void logArithmetic() throws Exception {
        Path log = dir.resolve("app.log");
        Files.writeString(log, String.join("\n",
                "ack 1 1000 a", "ack 2 1100 a", "fail 3 1200 a SessionExpiredException", "ack 4 3000 b", "ack 5 3100 b", "ack 10 3200 b", ""));
        Out o = bash("echo count=$(ack_count '" + log + "')\n"
                + "echo first=$(first_ack_after '" + log + "' 1150)\n"
                + "echo firstb=$(first_ack_after '" + log + "' 0 b)\n"
                + "echo gap=$(longest_gap '" + log + "' 1000 3200)\n"
                + "echo ids=$(acked_ids '" + log + "' | tr '\\n' ,)\n");
        assertThat(o.text()).contains("count=5").contains("first=3000").contains("firstb=3000").contains("gap=1900")
                .contains("ids=1,10,2,4,5,");
    }

    @Test
    void verdictLineAndExitStatus() throws Exception {
        Out pass = bash("check one true fine\nverdict gap_ms=5\n");
        assertThat(pass.exit()).isZero();
        assertThat(pass.text()).contains("PASS  one: fine").contains("PASS scenario=t seed=17 gap_ms=5");

        Out fail = bash("check one true fine\ncheck two false '3 missing'\nverdict gap_ms=5\n");
        assertThat(fail.exit()).isEqualTo(1);
        assertThat(fail.text()).contains("FAIL  two: 3 missing").contains("FAIL scenario=t seed=17 gap_ms=5");

        Out nothing = bash("verdict\n");
        assertThat(nothing.exit()).as("no check made: not a pass").isEqualTo(1);
    }
}
