package io.ccdr.cli.bench;

import io.ccdr.cli.CcdrCommand;
import io.ccdr.node.embedded.EmbeddedCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code ccdr bench --driver} with tiny durations against servers as processes and against a
 * running server ({@code --target}): the load, the figures and the profile plumbing work. Not a
 * measurement: no figure is compared with a target. Server processes are launched with this test
 * JVM's classpath (see {@code SandboxProcessTest}), one server to keep the start short.
 */
class DriverBenchSmokeTest {
    @TempDir
    Path dir;

    private final StringWriter output = new StringWriter();
    private final StringWriter errors = new StringWriter();

    private int bench(BenchCommand command, String... args) {
        CommandLine cmd = new CommandLine(command);
        cmd.setOut(new PrintWriter(output, true));
        cmd.setErr(new PrintWriter(errors, true));
        return cmd.execute(args);
    }

    @Test
    @Timeout(180)
    void processesModeMeasuresEveryPhaseWithServerCpuAndStopsTheServers() throws Exception {
        // --profile of server processes is exercised by ProcessReplicaLagSmokeTest; here only this JVM's recording
        BenchCommand command = new BenchCommand();
        int code = bench(command, "--driver", "--processes", "--servers", "1", "--server-heap", "256m", "--writers", "2",
                "--readers", "2", "--duration", "1", "--warmup", "0");

        assertThat(code).as(output + "\n" + errors).isZero();
        assertSane(command.driverPhases, true);
        Matcher pid = Pattern.compile("(?m)^  a1 pid (\\d+), bolt 127\\.0\\.0\\.1:\\d+").matcher(output.toString());
        assertThat(pid.find()).as("the server's pid is printed: " + output).isTrue();
        assertThat(ProcessHandle.of(Long.parseLong(pid.group(1))).map(ProcessHandle::isAlive).orElse(false))
                .as("the server process after the bench").isFalse();
        assertThat(output.toString()).contains("server CPU ms/tx");
    }

    @Test
    @Timeout(120)
    void targetModeRunsTheSameLoadAgainstARunningServer() throws Exception {
        try (EmbeddedCluster server = new EmbeddedCluster(dir.resolve("target"), 1, Map.of("dbms.security.auth_enabled", "false"))) {
            server.start();
            server.awaitLeader("neo4j", Duration.ofSeconds(60));
            BenchCommand command = new BenchCommand();
            Path jfr = dir.resolve("jfr");
            int code = bench(command, "--driver", "--target", "bolt://127.0.0.1:" + server.server(0).boltPort(), "--writers", "2",
                    "--readers", "1,2", "--duration", "1", "--warmup", "0", "--profile", jfr.toString(),
                    // the server runs in this JVM, so its pid is ours: server CPU is measured and recorded through jcmd
                    "--target-pid", Long.toString(ProcessHandle.current().pid()));

            assertThat(code).as(output + "\n" + errors).isZero();
            assertSane(command.driverPhases, true);
            assertThat(command.driverPhases).extracting(DriverLoad.Phase::clients).containsExactly(2, 1, 2, 1, 2);
            assertThat(output.toString()).contains("server CPU of pid " + List.of(ProcessHandle.current().pid())).contains("server CPU ms/tx");
            assertThat(jfr.resolve("bench-client.jfr")).as("this JVM's own recording").isNotEmptyFile();
            assertThat(jfr.resolve("pid" + ProcessHandle.current().pid() + ".jfr")).as("the target's recording through jcmd").isNotEmptyFile();
            long written = command.driverPhases.get(0).completed();
            try (var driver = org.neo4j.driver.GraphDatabase.driver("bolt://127.0.0.1:" + server.server(0).boltPort());
                 var s = driver.session(org.neo4j.driver.SessionConfig.forDatabase("neo4j"))) {
                assertThat(s.run("MATCH (b:Bench) RETURN count(b) AS n").single().get("n").asLong())
                        .as("every write that completed in the phase is in the database").isGreaterThanOrEqualTo(written);
                assertThat(s.run("MATCH (:BenchHub)-[:LINK]->(l:BenchLeaf) RETURN count(l) AS n").single().get("n").asLong())
                        .isEqualTo((long) DriverLoad.HUBS * DriverLoad.LEAVES);
            }
        }
    }

    private static void assertSane(List<DriverLoad.Phase> phases, boolean cpu) {
        assertThat(phases).extracting(DriverLoad.Phase::kind).containsSubsequence(DriverLoad.Kind.WRITE, DriverLoad.Kind.POINT_READ,
                DriverLoad.Kind.TRAVERSAL);
        assertThat(phases).allSatisfy(p -> {
            assertThat(p.failed()).as(p.kind() + " failures: " + p.firstError()).isZero();
            assertThat(p.completed()).as(p.kind() + " completed").isPositive();
            assertThat(p.perSecond()).isPositive();
            assertThat(p.p50Ms()).isPositive();
            assertThat(p.p99Ms()).isGreaterThanOrEqualTo(p.p50Ms());
            if (cpu) {
                assertThat(p.serverCpuNanos()).as("server CPU of " + p.kind()).isPositive();
                assertThat(p.serverCpuMsPerTransaction()).isPositive();
            }
            assertThat(p.clientCpuNanos()).as("client CPU").isPositive();
        });
    }

    @Test
    void modesThatCannotWorkAreRefusedWithTheReason() {
        CommandLine cmd = CcdrCommand.commandLine();
        StringWriter err = new StringWriter();
        cmd.setErr(new PrintWriter(err, true));

        assertThat(cmd.execute("bench", "--processes")).isEqualTo(2);
        assertThat(err.toString()).contains("--processes measures the Bolt path: add --driver");
        assertThat(cmd.execute("bench", "--driver", "--target", "bolt://127.0.0.1:1", "--stream")).isEqualTo(2);
        assertThat(err.toString()).contains("--stream and --bulk-nodes use the embedded Java API");
        assertThat(cmd.execute("bench", "--driver", "--target", "http://127.0.0.1:1")).isEqualTo(2);
        assertThat(err.toString()).contains("--target must be a bolt:// or neo4j:// URI");
        assertThat(cmd.execute("bench", "--driver", "--target-pid", "1")).isEqualTo(2);
        assertThat(err.toString()).contains("--target-pid names the processes behind --target");
        assertThat(cmd.execute("bench", "replica", "--mode", "catchup", "--processes")).isEqualTo(2);
        assertThat(err.toString()).contains("--processes runs --mode lag only");
        assertThat(cmd.execute("bench", "replica", "--processes", "--max-duration", "0")).isEqualTo(2);
        assertThat(err.toString()).contains("--max-duration 0 (no maximum measured) needs --rate");
        assertThat(cmd.execute("bench", "replica", "--profile", "x")).isEqualTo(2);
        assertThat(err.toString()).contains("go with --processes");
    }

    @Test
    void cpuTimeIsReadFromProcStatAfterTheCommandName() throws Exception {
        // the command name may hold blanks and parentheses; utime and stime are fields 14 and 15
        String stat = "4242 (java (x) y) S 1 4242 4242 0 -1 4194560 100 0 0 0 1234 56 0 0 20 0 30 0 100 0 0";
        assertThat(ProcessCpu.parseTicks(stat)).isEqualTo(1234 + 56);
        long self = ProcessHandle.current().pid();
        assertThat(Files.readString(Path.of("/proc", Long.toString(self), "stat"))).startsWith(self + " (");
        assertThat(ProcessCpu.nanos(self).orElseThrow()).isPositive();
        assertThat(ProcessCpu.nanos(Long.MAX_VALUE)).isEmpty();
    }
}
