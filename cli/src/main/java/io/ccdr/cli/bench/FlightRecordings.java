package io.ccdr.cli.bench;

import jdk.jfr.Configuration;
import jdk.jfr.Recording;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * JDK Flight Recorder recordings of the measured phase of a benchmark ({@code --profile DIR}):
 * one per server process, started and stopped from outside with {@code jcmd <pid> JFR.start} /
 * {@code JFR.stop} (the JDK's own tool next to the {@code java} that runs the bench), and one of
 * this JVM, the load generator, through the {@code jdk.jfr} API. Each uses the JDK's {@code profile}
 * settings (method sampling every 10-20 ms, allocation, locks, I/O) and is written when it stops,
 * to {@code DIR/<name>.jfr}; open them with JDK Mission Control or {@code jfr print}.
 */
final class FlightRecordings implements AutoCloseable {
    static final String NAME = "ccdr-bench";
    static final String CLIENT = "bench-client";
    private static final long JCMD_TIMEOUT_SECONDS = 60;

    private final Path dir;
    private final Path jcmd;
    private final Map<String, Long> servers = new LinkedHashMap<>();
    private Recording client;
    private boolean running;

    /** @param servers server name to pid; recordings are written to {@code dir/<name>.jfr} and {@code dir/bench-client.jfr} */
    FlightRecordings(Path dir, Map<String, Long> servers) {
        this.dir = dir.toAbsolutePath().normalize();
        this.servers.putAll(servers);
        this.jcmd = jcmd();
        if (!servers.isEmpty() && !Files.isExecutable(jcmd)) {
            throw new IllegalStateException("--profile needs the JDK's jcmd to record the server processes; there is none at " + jcmd
                    + " (run the bench with a JDK's java, not a JRE)");
        }
    }

    /** The {@code jcmd} of the JDK this JVM runs on (servers are launched with the same {@code java}). */
    static Path jcmd() {
        Path java = ProcessHandle.current().info().command().map(Path::of).orElse(Path.of(System.getProperty("java.home"), "bin", "java"));
        return java.resolveSibling("jcmd");
    }

    Path file(String name) {
        return dir.resolve(name + ".jfr");
    }

    /** Starts every recording; the files appear when {@link #stop()} is called. */
    void start() throws IOException {
        Files.createDirectories(dir);
        for (Map.Entry<String, Long> s : servers.entrySet()) {
            Files.deleteIfExists(file(s.getKey()));
            jcmd(s.getValue(), "JFR.start", "name=" + NAME, "settings=profile", "filename=" + file(s.getKey()));
        }
        try {
            client = new Recording(Configuration.getConfiguration("profile"));
        } catch (ParseException e) {
            throw new IOException("the JDK's JFR 'profile' settings cannot be read: " + e.getMessage(), e);
        }
        client.setName(NAME);
        client.setDestination(file(CLIENT));
        client.start();
        running = true;
    }

    /** Stops every recording, which writes its file; returns the files written. */
    List<Path> stop() throws IOException {
        if (!running) {
            return List.of();
        }
        running = false;
        List<Path> written = new ArrayList<>();
        IOException failure = null;
        for (Map.Entry<String, Long> s : servers.entrySet()) {
            try {
                jcmd(s.getValue(), "JFR.stop", "name=" + NAME);
                if (Files.isRegularFile(file(s.getKey()))) {
                    written.add(file(s.getKey()));
                }
            } catch (IOException e) {
                failure = failure == null ? e : failure;
            }
        }
        client.stop();
        client.close();
        written.add(file(CLIENT));
        if (failure != null) {
            throw failure;
        }
        return written;
    }

    private void jcmd(long pid, String... command) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(jcmd.toString());
        cmd.add(Long.toString(pid));
        cmd.addAll(List.of(command));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String output;
        try {
            output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!p.waitFor(JCMD_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", cmd) + " did not finish within " + JCMD_TIMEOUT_SECONDS + " s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new IOException("interrupted while running " + String.join(" ", cmd), e);
        }
        // jcmd exits 0 even when the diagnostic command itself failed; those failures name themselves in the output
        if (p.exitValue() != 0 || output.contains("Exception") || output.contains("Could not")) {
            throw new IOException(String.join(" ", cmd) + " failed (exit " + p.exitValue() + "): " + output);
        }
    }

    /** Stops whatever is still recording (a failed run), without writing anything if that fails too. */
    @Override
    public void close() {
        if (running) {
            try {
                stop();
            } catch (IOException e) {
                // the run has already failed; the partial recordings are not worth a second error
            }
        }
    }
}
