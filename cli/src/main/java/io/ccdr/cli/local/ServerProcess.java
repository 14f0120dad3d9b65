package io.ccdr.cli.local;

import io.ccdr.cli.local.SandboxState.Intent;
import io.ccdr.cli.local.SandboxState.ServerRecord;

import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One sandbox server's process and files: {@code DIR/<server>/ccdr.conf}, {@code server.log}
 * (stdout and stderr, appended across restarts), {@code data/} and {@code server.exit}.
 *
 * <p>Servers must outlive the {@code ccdr local} command that starts them, and a later command
 * must still be able to say whether one crashed and with which exit code. So each server runs as
 * {@code setsid sh -c 'java …; echo $? > server.exit'}: {@code setsid} puts it in its own session,
 * out of reach of the terminal's Ctrl-C and hang-up; the shell records the JVM's exit code where
 * a later, unrelated process can read it. The recorded pid is the JVM's own (a child of the
 * shell), so stop and kill signal the server itself. Unix only.
 */
public final class ServerProcess {
    public static final String CONF = "ccdr.conf";
    public static final String LOG = "server.log";
    public static final String DATA = "data";
    static final String EXIT = "server.exit";

    private static final String SHELL = "/bin/sh";
    private static final List<Path> SETSID = List.of(Path.of("/usr/bin/setsid"), Path.of("/bin/setsid"));
    /** $1 = exit file, then the java command line. */
    private static final String WRAPPER = "exitfile=$1; shift; \"$@\"; code=$?; echo \"$code\" > \"$exitfile\"; exit \"$code\"";
    private static final Duration FIND_JVM_TIMEOUT = Duration.ofSeconds(10);

    private final SandboxServer server;
    private final Path dir;

    ServerProcess(Path sandboxDir, SandboxServer server) {
        this.server = server;
        this.dir = sandboxDir.toAbsolutePath().resolve(server.name());
    }

    public Path directory() {
        return dir;
    }

    public Path conf() {
        return dir.resolve(CONF);
    }

    public Path log() {
        return dir.resolve(LOG);
    }

    public Path data() {
        return dir.resolve(DATA);
    }

    Path exitFile() {
        return dir.resolve(EXIT);
    }

    /** Writes {@code ccdr.conf} in the order given, with a header saying where it came from. */
    void writeConfiguration(Map<String, String> settings) {
        StringBuilder b = new StringBuilder();
        b.append("# ccdr local sandbox: server ").append(server.name()).append(" of cluster ").append(server.cluster()).append('\n');
        b.append("# Written when the sandbox was created; kept (with your edits) across stop, kill and restart.\n");
        settings.forEach((k, v) -> b.append(k).append('=').append(escape(v)).append('\n'));
        try {
            Files.createDirectories(dir);
            Files.writeString(conf(), b.toString());
        } catch (IOException e) {
            throw new SandboxException("cannot write " + conf() + ": " + e.getMessage(), e);
        }
    }

    /** java.util.Properties escaping for values: backslashes, line breaks, leading blanks. */
    static String escape(String v) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            switch (c) {
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case ' ' -> b.append(i == 0 ? "\\ " : " ");
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    /** Launches the server; returns once its JVM exists. Readiness is a separate wait. */
    ServerRecord start(Launcher launcher, String heap) {
        try {
            Files.createDirectories(dir);
            Files.deleteIfExists(exitFile());
            Files.writeString(log(), "---- ccdr local: starting " + server.name() + " at " + Instant.now() + "\n",
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new SandboxException("cannot prepare " + dir + ": " + e.getMessage(), e);
        }
        long offset = sizeOf(log());
        List<String> cmd = new ArrayList<>();
        SETSID.stream().filter(Files::isExecutable).findFirst().ifPresent(p -> cmd.add(p.toString()));
        cmd.addAll(List.of(SHELL, "-c", WRAPPER, "ccdr-" + server.name(), exitFile().toString()));
        cmd.addAll(launcher.javaCommand(heap, conf()));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log().toFile()))
                .redirectErrorStream(true);
        // CCDR_<key> variables override server settings (see ServerConfig). One exported in the
        // operator's shell for a real server would silently rewire every sandbox server, so the
        // sandbox's ccdr.conf files are the only source of settings.
        pb.environment().keySet().removeIf(k -> k.startsWith("CCDR_"));
        Process wrapper;
        try {
            wrapper = pb.start();
        } catch (IOException e) {
            throw new SandboxException("cannot start " + server.name() + ": " + e.getMessage(), e);
        }
        Optional<ProcessHandle> jvm = findJvm(wrapper, launcher.java());
        if (jvm.isEmpty()) {
            // Gone before we saw it (a JVM that rejects its options exits within milliseconds):
            // recorded as running without a pid, so it shows as exited(code) from server.exit.
            return new ServerRecord(null, null, Intent.RUNNING, offset);
        }
        Instant started = jvm.get().info().startInstant().orElse(Instant.now());
        return new ServerRecord(jvm.get().pid(), started, Intent.RUNNING, offset);
    }

    /** The JVM the wrapper shell forks: the descendant whose executable is {@code java}; empty if the wrapper exited first. */
    private Optional<ProcessHandle> findJvm(Process wrapper, Path java) {
        Path javaReal = realPath(java);
        long deadline = System.nanoTime() + FIND_JVM_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            Optional<ProcessHandle> jvm = wrapper.descendants()
                    .filter(h -> h.info().command().map(c -> realPath(Path.of(c)).equals(javaReal)).orElse(false))
                    .findFirst();
            if (jvm.isPresent()) {
                return jvm;
            }
            if (!wrapper.isAlive()) {
                return Optional.empty();
            }
            pause(Duration.ofMillis(10));
        }
        wrapper.destroyForcibly();
        throw new SandboxException(server.name() + ": the java process did not appear within " + FIND_JVM_TIMEOUT.toSeconds()
                + " s; last lines of " + log() + ":\n" + String.join("\n", lastLines(10)));
    }

    private static Path realPath(Path p) {
        try {
            return p.toRealPath();
        } catch (IOException e) {
            return p.toAbsolutePath().normalize();
        }
    }

    /** The live process of {@code record}, if it is still the one we started (guards against pid reuse). */
    static Optional<ProcessHandle> live(ServerRecord record) {
        if (record.pid() == null) {
            return Optional.empty();
        }
        return ProcessHandle.of(record.pid()).filter(ProcessHandle::isAlive).filter(h -> {
            Optional<Instant> start = h.info().startInstant();
            return start.isEmpty() || record.startedAt() == null
                    || Duration.between(start.get(), record.startedAt()).abs().compareTo(Duration.ofSeconds(1)) < 0;
        });
    }

    /** Combines the live process with the recorded intent: an unexpected death is {@code exited(code)}. */
    ServerState observe(ServerRecord record) {
        if (live(record).isPresent()) {
            return ServerState.RUNNING;
        }
        return switch (record.intent()) {
            case STOPPED -> ServerState.STOPPED;
            case KILLED -> ServerState.KILLED;
            case RUNNING -> ServerState.exited(recordedExitCode().orElse(null));
        };
    }

    Optional<Integer> recordedExitCode() {
        try {
            return Optional.of(Integer.parseInt(Files.readString(exitFile()).trim()));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** Waits until {@code process} has exited; false if it is still alive at the deadline. */
    static boolean awaitExit(ProcessHandle process, Duration timeout) {
        try {
            process.onExit().get(Math.max(1, timeout.toMillis()), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return !process.isAlive();
        } catch (ExecutionException e) {
            return !process.isAlive();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !process.isAlive();
        }
    }

    /** True once a line starting with {@code ready:} was written at or after {@code offset}. */
    boolean readySince(long offset) {
        long size = sizeOf(log());
        if (size <= offset) {
            return false;
        }
        try (RandomAccessFile f = new RandomAccessFile(log().toFile(), "r")) {
            f.seek(offset);
            byte[] bytes = new byte[(int) Math.min(size - offset, 16 << 20)];
            f.readFully(bytes);
            String text = new String(bytes, StandardCharsets.UTF_8);
            return text.startsWith("ready:") || text.contains("\nready:");
        } catch (IOException e) {
            return false;
        }
    }

    /** The last {@code n} lines of the log (from its last 16 KiB), for error messages. */
    List<String> lastLines(int n) {
        long size = sizeOf(log());
        if (size == 0) {
            return List.of("(log is empty)");
        }
        try (RandomAccessFile f = new RandomAccessFile(log().toFile(), "r")) {
            long from = Math.max(0, size - 16384);
            f.seek(from);
            byte[] bytes = new byte[(int) (size - from)];
            f.readFully(bytes);
            List<String> lines = new ArrayList<>(Arrays.asList(new String(bytes, StandardCharsets.UTF_8).split("\n")));
            if (from > 0 && !lines.isEmpty()) {
                lines.remove(0); // probably cut in the middle
            }
            return lines.subList(Math.max(0, lines.size() - n), lines.size());
        } catch (IOException e) {
            return List.of("(cannot read " + log() + ": " + e.getMessage() + ")");
        }
    }

    static String exitDescription(int code) {
        if (code > 128 && code < 160) {
            return "exit code " + code + ", signal " + (code - 128);
        }
        return switch (code) {
            case 2 -> "exit code 2: configuration error";
            case 3 -> "exit code 3: out of memory";
            default -> "exit code " + code;
        };
    }

    private static long sizeOf(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            return 0;
        }
    }

    static void pause(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SandboxException("interrupted");
        }
    }
}
