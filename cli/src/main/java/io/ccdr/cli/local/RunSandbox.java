package io.ccdr.cli.local;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The fresh two-cluster sandbox a drill or a fault run works on: made in the operator's
 * {@code --dir} (which must not hold one yet) or in a new temporary directory, on the first free
 * port block unless a base port is given, and started. {@link #finish} afterwards leaves it running
 * ({@code --keep}), deletes a passing run's temporary sandbox, or stops the servers and keeps the
 * directory with its logs.
 */
public final class RunSandbox {
    /** The operator's {@code --dir} already holds a sandbox: a usage error, exit status 2. */
    public static final class DirectoryInUse extends Exception {
        DirectoryInUse(String message) {
            super(message);
        }
    }

    private final Sandbox sandbox;
    private final Path dir;
    private final boolean temporary;
    private final double startSeconds;

    private RunSandbox(Sandbox sandbox, Path dir, boolean temporary, double startSeconds) {
        this.sandbox = sandbox;
        this.dir = dir;
        this.temporary = temporary;
        this.startSeconds = startSeconds;
    }

    /** The directory {@code dir} (or a new temporary one when null) for a fresh sandbox. */
    public static Path directory(Path dir, String command) throws IOException, DirectoryInUse {
        if (dir == null) {
            return Files.createTempDirectory("ccdr-" + command + "-").resolve("sandbox");
        }
        Path d = dir.toAbsolutePath().normalize();
        if (Sandbox.exists(d)) {
            throw new DirectoryInUse(d + " already holds a sandbox; a " + command + " needs a fresh one (ccdr local destroy --dir " + d
                    + ", or choose another --dir)");
        }
        return d;
    }

    /** Creates and starts two clusters of three servers in {@code d}, printing progress to {@code out}. */
    public static RunSandbox start(Path d, boolean temporary, Integer basePort, String heap, PrintWriter out) {
        long begin = System.nanoTime();
        SandboxLayout layout = SandboxLayout.of(basePort == null ? SandboxLayout.DEFAULT_BASE_PORT : basePort, 2, 3).withHeap(heap);
        if (basePort == null) {
            layout = layout.withBasePort(PortCheck.findFreeBasePort(layout, SandboxLayout.DEFAULT_BASE_PORT, 32000));
        }
        out.println("sandbox " + d + " (base port " + layout.basePort() + ", heap " + heap + " per server)");
        out.flush();
        Sandbox sandbox = Sandbox.create(d, layout).onProgress(line -> {
            out.println("  " + line);
            out.flush();
        });
        try {
            sandbox.start(Duration.ofSeconds(180));
        } catch (RuntimeException e) {
            out.println("the sandbox did not start; servers stopped, logs kept in " + d);
            out.flush();
            try {
                sandbox.close();
            } catch (RuntimeException ignored) {
                // the start failure is the one to report
            }
            throw e;
        }
        double startSeconds = Math.round((System.nanoTime() - begin) / 1e8) / 10.0;
        out.println("sandbox up in " + startSeconds + " s: a " + sandbox.boltUri("a") + ", b " + sandbox.boltUri("b") + " (user neo4j, password "
                + Sandbox.PASSWORD + ")");
        out.flush();
        return new RunSandbox(sandbox, d, temporary, startSeconds);
    }

    public Sandbox sandbox() {
        return sandbox;
    }

    public double startSeconds() {
        return startSeconds;
    }

    /**
     * {@code keep} leaves everything running. Otherwise the servers stop; a temporary sandbox of a
     * passing run is deleted, while a failing run's (and a {@code --dir} the operator chose) stays for its logs.
     */
    public void finish(boolean keep, boolean passed, PrintWriter out) {
        try {
            if (keep) {
                out.println("sandbox left running (--keep): ccdr local status --dir " + dir + "; remove it with ccdr local destroy --dir " + dir);
            } else if (passed && temporary) {
                sandbox.destroy();
                Files.deleteIfExists(dir.getParent());
            } else {
                sandbox.close();
                out.println("servers stopped; sandbox, logs and reports kept in " + dir + " (ccdr local destroy --dir " + dir + ")");
            }
        } catch (SandboxException | IOException e) {
            out.println("could not clean up " + dir + ": " + e.getMessage());
        }
        out.flush();
    }
}
