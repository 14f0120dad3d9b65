package io.ccdr.cli.local;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Real server processes. Children are launched with {@link Launcher#current()}: under Surefire
 * 3.5 (default manifest-only booter jar) the forked JVM's {@code java.class.path} is set back to
 * the full test classpath, which holds the cli classes and every dependency, so the children run
 * exactly the code under test.
 */
class SandboxProcessTest {
    private static final Duration WAIT = Duration.ofSeconds(90);

    @Test
    @Timeout(180)
    void killedFollowerRestartsAndCatchesUp(@TempDir Path tmp) throws Exception {
        SandboxLayout layout = freeLayout(SandboxLayout.of(21000, 1, 3).withHeap("384m"));
        Sandbox sandbox = Sandbox.create(tmp.resolve("sandbox"), layout);
        List<Long> pids = new java.util.ArrayList<>();
        try {
            assertThat(sandbox.start(WAIT)).containsExactly("a1", "a2", "a3");
            for (String s : sandbox.serverNames()) {
                assertThat(Files.readString(sandbox.logFile(s))).as("log of " + s).contains("\nready: server ");
            }

            List<ServerStatus> formed = await("every server reports neo4j with exactly one LEADER", sandbox::status,
                    rows -> rows.stream().allMatch(r -> r.database("neo4j").isPresent())
                            && rows.stream().filter(r -> role(r).equals("LEADER")).count() == 1
                            && rows.stream().filter(r -> role(r).equals("FOLLOWER")).count() == 2);
            formed.forEach(r -> pids.add(r.pid()));
            assertThat(await("a leader of neo4j in cluster a", () -> sandbox.leader("a", "neo4j"), java.util.Optional::isPresent))
                    .hasValueSatisfying(name -> assertThat(name).isIn("a1", "a2", "a3"));
            String follower = formed.stream().filter(r -> role(r).equals("FOLLOWER")).findFirst().orElseThrow().name();
            String other = formed.stream().filter(r -> role(r).equals("FOLLOWER") && !r.name().equals(follower)).findFirst().orElseThrow().name();

            sandbox.kill(follower);

            ServerStatus killed = sandbox.status(follower);
            assertThat(killed.state()).isEqualTo(ServerState.KILLED);
            assertThat(killed.report()).isNull();
            assertThat(StatusTable.render(sandbox.status())).containsPattern("(?m)^" + follower + " .* killed ");

            sandbox.restart(List.of(follower), WAIT);

            assertThat(sandbox.state(follower)).isEqualTo(ServerState.RUNNING);
            assertThat(Files.readString(sandbox.logFile(follower)).split("\nready: ", -1)).as("one ready line per start").hasSize(3);
            List<ServerStatus> caughtUp = await("all three report the same lastCommittedTxId and chain hash for neo4j", sandbox::status,
                    rows -> rows.stream().allMatch(r -> r.database("neo4j").isPresent())
                            && rows.stream().map(r -> r.database("neo4j").get().lastCommittedTxId()).distinct().count() == 1
                            && rows.stream().map(r -> r.database("neo4j").get().chainHash()).distinct().count() == 1);
            pids.add(caughtUp.stream().filter(r -> r.name().equals(follower)).findFirst().orElseThrow().pid());

            // A server that dies without being asked to shows the exit code its JVM died with.
            ProcessHandle.of(sandbox.status(other).pid()).orElseThrow().destroyForcibly();
            await(other + " shows exited(137)", () -> sandbox.state(other), s -> s.equals(ServerState.exited(137)));
        } finally {
            sandbox.destroy();
        }
        assertThat(tmp.resolve("sandbox")).doesNotExist();
        assertThat(pids).allSatisfy(pid -> assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false))
                .as("server process " + pid + " after destroy").isFalse());
    }

    @Test
    @Timeout(60)
    void serverThatCannotStartIsReportedWithItsExitCodeAndLog(@TempDir Path tmp) {
        SandboxLayout layout = freeLayout(SandboxLayout.of(21000, 1, 1).withHeap("128m")
                .withSettings(Map.of("dbms.routing_ttl", "soon")));
        Sandbox sandbox = Sandbox.create(tmp.resolve("sandbox"), layout);
        try {
            assertThatThrownBy(() -> sandbox.start(Duration.ofSeconds(45)))
                    .isInstanceOf(SandboxException.class)
                    .hasMessageContaining("a1 stopped running")
                    .hasMessageContaining("exited(2): exit code 2: configuration error")
                    .hasMessageContaining("dbms.routing_ttl");
            assertThat(sandbox.state("a1")).isEqualTo(ServerState.exited(2));
        } finally {
            sandbox.destroy();
        }
    }

    @Test
    @Timeout(60)
    void startThatTimesOutNamesTheServersThatAreNotReady(@TempDir Path tmp) {
        Sandbox sandbox = Sandbox.create(tmp.resolve("sandbox"), freeLayout(SandboxLayout.of(21000, 1, 1).withHeap("128m")));
        try {
            // No JVM gets from exec to "ready:" in zero seconds, so the first check is past the deadline.
            assertThatThrownBy(() -> sandbox.start(Duration.ZERO))
                    .isInstanceOf(SandboxException.class)
                    .hasMessageStartingWith("not ready after 0 s: a1")
                    .hasMessageContaining("--- a1 (running), last lines of " + sandbox.logFile("a1"));
            assertThat(sandbox.state("a1")).isEqualTo(ServerState.RUNNING);
        } finally {
            sandbox.destroy();
        }
    }

    private static SandboxLayout freeLayout(SandboxLayout layout) {
        // Below the ephemeral range, at a random block so parallel builds rarely race for one.
        int from = 21000 + ThreadLocalRandom.current().nextInt(100) * 100;
        return layout.withBasePort(PortCheck.findFreeBasePort(layout, from, 32000));
    }

    private static String role(ServerStatus s) {
        return s.database("neo4j").map(StatusProbe.DatabaseReport::role).orElse("-");
    }

    /** Polls {@code probe} until {@code done} holds; fails with the last value seen. */
    private static <T> T await(String what, Supplier<T> probe, Predicate<T> done) throws InterruptedException {
        long end = System.nanoTime() + WAIT.toNanos();
        T last = null;
        while (System.nanoTime() < end) {
            last = probe.get();
            if (done.test(last)) {
                return last;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("timed out after " + WAIT.toSeconds() + " s waiting until " + what + "; last seen:\n"
                + (last instanceof List<?> l && !l.isEmpty() && l.get(0) instanceof ServerStatus
                ? StatusTable.render(l.stream().map(ServerStatus.class::cast).toList()) : Objects.toString(last)));
    }
}
