package io.ccdr.cli.local;

import io.ccdr.cli.CcdrCommand;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Everything a sandbox refuses to do, checked without starting a server. */
class SandboxGuardsTest {

    @Test
    void busyPortIsNamedAndNothingStarts(@TempDir Path dir) throws Exception {
        SandboxLayout layout = SandboxLayout.of(PortCheck.findFreeBasePort(SandboxLayout.of(21000, 1, 2), 21000, 32000), 1, 2);
        Sandbox sandbox = Sandbox.create(dir.resolve("s"), layout);
        int busy = layout.server("a2").clusterPort();
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), busy));

            assertThatThrownBy(sandbox::start).isInstanceOf(SandboxException.class)
                    .hasMessageContaining("port " + busy + " (cluster port of a2) is already in use");
        }
        assertThat(sandbox.state("a1")).isEqualTo(ServerState.STOPPED);
        assertThat(sandbox.state("a2")).isEqualTo(ServerState.STOPPED);
        assertThat(Files.exists(sandbox.logFile("a1"))).as("a1 must not have been started").isFalse();
    }

    @Test
    void createRefusesANonEmptyDirectoryThatIsNotASandbox(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("precious.txt"), "keep me");

        assertThatThrownBy(() -> Sandbox.create(dir, SandboxLayout.of(20000, 1, 3))).hasMessageContaining("not empty");
        assertThat(dir.resolve("precious.txt")).exists();
    }

    @Test
    void existingSandboxKeepsItsShapeButMayChangeHeap(@TempDir Path dir) {
        Sandbox.create(dir, SandboxLayout.of(20000, 1, 3));

        assertThatThrownBy(() -> Sandbox.create(dir, SandboxLayout.of(20000, 2, 3))).hasMessageContaining("already holds a different sandbox");
        assertThat(Sandbox.create(dir, SandboxLayout.of(20000, 1, 3).withHeap("256m")).layout().heap()).isEqualTo("256m");
        assertThat(Sandbox.open(dir).layout().heap()).isEqualTo("256m");
    }

    @Test
    void destroyOnlyDeletesASandbox(@TempDir Path dir) throws Exception {
        Path other = Files.createDirectories(dir.resolve("other"));
        Files.writeString(other.resolve("precious.txt"), "keep me");
        Sandbox sandbox = Sandbox.create(dir.resolve("s"), SandboxLayout.of(20000, 2, 1));

        assertThatThrownBy(() -> Sandbox.open(other)).hasMessageContaining("no sandbox in");
        sandbox.destroy();

        assertThat(dir.resolve("s")).doesNotExist();
        assertThat(other.resolve("precious.txt")).exists();
    }

    @Test
    void killAndRestartRefuseServersInTheWrongState(@TempDir Path dir) {
        Sandbox sandbox = Sandbox.create(dir, SandboxLayout.of(20000, 1, 3));

        assertThatThrownBy(() -> sandbox.kill("a1")).hasMessageContaining("a1 is not running (stopped)");
        assertThatThrownBy(() -> sandbox.kill("x1")).hasMessageContaining("no server 'x1'");
        assertThatThrownBy(() -> sandbox.restart(java.util.List.of(), Sandbox.DEFAULT_WAIT)).hasMessageContaining("name the servers");
    }

    @Test
    void commandLineReportsFailuresWithExitCodes(@TempDir Path dir) {
        Result missing = run("local", "status", "--dir", dir.resolve("nothing").toString());
        assertThat(missing.code).isEqualTo(1);
        assertThat(missing.err).contains("ccdr local status: no sandbox in");

        Result usage = run("local", "kill", "--dir", dir.toString());
        assertThat(usage.code).isEqualTo(2);
        assertThat(usage.err).contains("SERVER");

        Result badShape = run("local", "start", "--dir", dir.resolve("s").toString(), "--clusters", "3");
        assertThat(badShape.code).isEqualTo(1);
        assertThat(badShape.err).contains("clusters must be between 1 and 2");
    }

    @Test
    void statusOfASandboxThatNeverStartedShowsEveryServerStopped(@TempDir Path dir) {
        Sandbox.create(dir, SandboxLayout.of(20000, 2, 1).withSettings(Map.of()));

        Result status = run("local", "status", "--dir", dir.toString());

        assertThat(status.code).as(status.err).isZero();
        assertThat(status.out.lines().toList()).hasSize(1 + 2 + 2)
                .anySatisfy(l -> assertThat(l).startsWith("a1").contains("stopped", "127.0.0.1:20000", "127.0.0.1:20001", "127.0.0.1:20002"))
                .anySatisfy(l -> assertThat(l).startsWith("b1").contains("stopped", "127.0.0.1:20100"))
                .anySatisfy(l -> assertThat(l).startsWith("cluster b: neo4j://127.0.0.1:20100"));
    }

    private record Result(int code, String out, String err) {
    }

    private static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = CcdrCommand.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Result(code, out.toString(), err.toString());
    }
}
