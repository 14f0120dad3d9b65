package io.ccdr.cli.local;

import io.ccdr.cli.CcdrCommand;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * How sandbox servers are launched: which {@code java}, which classpath, which extra JVM options.
 * {@link #current()} reuses the running CLI's own JVM and classpath, so a sandbox always runs the
 * exact build that launched it; tests pass an explicit classpath.
 */
public record Launcher(Path java, String classpath, List<String> jvmOptions) {

    /** Ratis' shaded Netty caches buffers per thread by default; see the field notes. */
    static final String NETTY_NO_THREAD_CACHE = "-Dorg.apache.ratis.thirdparty.io.netty.allocator.useCacheForAllThreads=false";

    public Launcher {
        if (classpath == null || classpath.isBlank()) {
            throw new SandboxException("no classpath to launch servers with");
        }
        jvmOptions = List.copyOf(jvmOptions);
    }

    /** The java binary and classpath of this process. */
    public static Launcher current() {
        return withClasspath(System.getProperty("java.class.path"));
    }

    /** This process's java binary with the given classpath. */
    public static Launcher withClasspath(String classpath) {
        Path java = ProcessHandle.current().info().command().map(Path::of)
                .filter(Files::isExecutable)
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java"));
        return new Launcher(java, classpath, List.of());
    }

    /**
     * The server's java command line. {@code -XX:+ExitOnOutOfMemoryError}: a sandbox server that
     * ran out of heap should show up as {@code exited(3)}, not limp on with stalled Raft timers.
     * The heap is committed and touched once at start ({@code -Xms} = {@code -Xmx},
     * {@code -XX:+AlwaysPreTouch}, as Neo4j's default configuration and sizing advice have it): a heap
     * that grows under load makes the apply path take the kernel's first-touch page faults instead
     * (in a catch-up profile, page faults were 28 % of a replica member's apply thread, 13 % with the
     * heap pretouched; docs/benchmarks.md).
     */
    List<String> javaCommand(String heap, Path conf) {
        List<String> cmd = new ArrayList<>();
        cmd.add(java.toString());
        cmd.add("-Xms" + heap);
        cmd.add("-Xmx" + heap);
        cmd.add("-XX:+AlwaysPreTouch");
        cmd.add("-XX:+ExitOnOutOfMemoryError");
        cmd.add(NETTY_NO_THREAD_CACHE);
        cmd.addAll(jvmOptions);
        cmd.add("-cp");
        cmd.add(classpath);
        cmd.add(CcdrCommand.class.getName());
        cmd.add("server");
        cmd.add("--conf");
        cmd.add(conf.toString());
        return cmd;
    }
}
