package io.ccdr.node.bolt;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Runs {@code src/test/node/smoke.mjs} (the npm {@code neo4j-driver} 5.x) against a server with the
 * test backend. Skipped, with the reason, when {@code node} or the installed module is missing;
 * install with {@code npm install} in {@code upstream-node/src/test/node}.
 */
class NodeDriverSmokeTest {
    private static final Path DIR = Path.of("src", "test", "node");

    @Test
    void npmDriverPassesTheSmokeScript() throws Exception {
        assumeTrue(Files.isDirectory(DIR.resolve("node_modules").resolve("neo4j-driver")),
                "neo4j-driver is not installed: run `npm install` in " + DIR.toAbsolutePath());
        assumeTrue(nodeAvailable(), "`node` is not on the PATH");
        TestBackend backend = new TestBackend();
        try (BoltServer server = new BoltServer(backend).start(BoltConfig.defaults("127.0.0.1", 0).withThreads(1, 4))) {
            backend.routeAddress = "127.0.0.1:" + server.boundPort();
            Path log = Files.createTempFile("node-smoke", ".log");
            try {
                ProcessBuilder pb = new ProcessBuilder("node", "smoke.mjs").directory(DIR.toFile())
                        .redirectErrorStream(true).redirectOutput(log.toFile());
                pb.environment().put("BOLT_PORT", Integer.toString(server.boundPort()));
                Process p = pb.start();
                boolean finished = p.waitFor(90, TimeUnit.SECONDS);
                if (!finished) {
                    p.destroyForcibly();
                }
                String output = Files.readString(log, StandardCharsets.UTF_8);
                assertThat(finished).as("smoke script finished in time; output:%n%s", output).isTrue();
                assertThat(p.exitValue()).as("smoke script output:%n%s", output).isZero();
                assertThat(output).contains(" passed, 0 failed");
            } finally {
                Files.deleteIfExists(log);
            }
        }
    }

    private static boolean nodeAvailable() {
        try {
            Process p = new ProcessBuilder("node", "--version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
