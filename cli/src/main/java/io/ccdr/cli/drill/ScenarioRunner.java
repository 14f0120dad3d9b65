package io.ccdr.cli.drill;

import io.ccdr.cli.CcdrCommand;
import io.ccdr.cli.local.Launcher;
import io.ccdr.cli.local.Sandbox;
import io.ccdr.cli.local.SandboxServer;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs a scenario script from {@code scenarios/} against a sandbox the drill started: {@code bash FILE}
 * with the environment the scripts read when they are pointed at existing clusters (see
 * {@code scenarios/README.md}), plus {@code CCDR}, a launcher for this very build, so the script's
 * {@code ccdr} commands run the same code as the sandbox's servers. The script's last line that
 * starts with {@code PASS} or {@code FAIL} is its verdict; its exit status must agree.
 */
final class ScenarioRunner {
    private static final Pattern VERDICT = Pattern.compile("^(PASS|FAIL)\\b(.*)$");

    /** The script's verdict line and exit status; {@code passed} needs both. */
    record Result(int exitCode, String verdictLine, Map<String, String> figures) {
        boolean passed() {
            return exitCode == 0 && verdictLine != null && verdictLine.startsWith("PASS");
        }
    }

    private ScenarioRunner() {
    }

    /** The variables a scenario script reads; with them set it uses these clusters instead of starting a sandbox. */
    static Map<String, String> environment(Sandbox sandbox, Path launcherScript, long seed) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("CCDR", launcherScript.toString());
        env.put("CCDR_SANDBOX", sandbox.directory().toString());
        env.put("CCDR_SEED", String.valueOf(seed));
        env.put("NEO4J_USERNAME", "neo4j");
        env.put("NEO4J_PASSWORD", Sandbox.PASSWORD);
        for (String cluster : List.of("a", "b")) {
            List<SandboxServer> servers = sandbox.layout().serversOf(cluster);
            String c = cluster.toUpperCase(java.util.Locale.ROOT);
            env.put("CCDR_" + c + "_URI", sandbox.boltUri(cluster));
            env.put("CCDR_" + c + "_ADDRESSES", String.join(",", servers.stream().map(s -> s.clusterAddress().toString()).toList()));
            env.put("CCDR_" + c + "_BOLT", String.join(",", servers.stream().map(s -> s.boltAddress().toString()).toList()));
            env.put("CCDR_" + c + "_SERVERS", String.join(" ", servers.stream().map(SandboxServer::name).toList()));
        }
        return env;
    }

    /**
     * Writes {@code DIR/ccdr}: a launcher that runs this JVM's java with this process's classpath,
     * i.e. exactly the build that runs the drill (under Maven tests as well as from the distribution).
     */
    static Path writeLauncher(Path dir) throws IOException {
        Launcher current = Launcher.current();
        Path script = dir.resolve("ccdr");
        String body = "#!/usr/bin/env bash\n# written by ccdr drill: this build's ccdr command\nexec " + quote(current.java().toString())
                + " ${CCDR_JAVA_OPTS:-} -XX:TieredStopAtLevel=1 -Xshare:auto"
                + " -Dorg.apache.ratis.thirdparty.io.netty.allocator.useCacheForAllThreads=false -cp " + quote(current.classpath()) + " "
                + CcdrCommand.class.getName() + " \"$@\"\n";
        Files.writeString(script, body);
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        return script;
    }

    private static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    static Result run(Path scenario, Map<String, String> env, Path workDir, PrintWriter out) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder("bash", scenario.toAbsolutePath().toString()).directory(workDir.toFile()).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        String verdict = null;
        Map<String, String> figures = new LinkedHashMap<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                out.println("  | " + line);
                out.flush();
                Matcher m = VERDICT.matcher(line);
                if (m.matches()) {
                    verdict = line;
                    figures = figures(m.group(2));
                }
            }
        }
        return new Result(p.waitFor(), verdict, figures);
    }

    /** {@code key=value} pairs of a verdict line: the scenario's measured figures. */
    static Map<String, String> figures(String rest) {
        Map<String, String> out = new LinkedHashMap<>();
        Matcher m = Pattern.compile("([A-Za-z_][A-Za-z0-9_.-]*)=(\\S+)").matcher(rest);
        while (m.find()) {
            out.put(m.group(1), m.group(2));
        }
        return out;
    }
}
