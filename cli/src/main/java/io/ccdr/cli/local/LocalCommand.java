package io.ccdr.cli.local;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * {@code ccdr local …}: a sandbox of one or two local clusters, every server its own process on
 * loopback. Thin wrappers over {@link Sandbox}; exit code 0 on success, 1 when the sandbox
 * operation failed (the message says which server and why), 2 for usage errors.
 */
@Command(name = "local", mixinStandardHelpOptions = true,
        description = {"Run a sandbox of local clusters (a1 a2 a3, b1 b2 b3) as separate server processes on 127.0.0.1.",
                "Ports: base + cluster*100 + server*10 + (0 bolt, 1 cluster, 2 raft, 3 metrics)."},
        subcommands = {CommandLine.HelpCommand.class, LocalCommand.Start.class, LocalCommand.Status.class, LocalCommand.Stop.class,
                LocalCommand.Kill.class, LocalCommand.Restart.class, LocalCommand.Destroy.class})
public final class LocalCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** {@code --dir}, shared by every subcommand. */
    static final class DirOption {
        @Option(names = "--dir", paramLabel = "DIR", defaultValue = "ccdr-local",
                description = "sandbox directory (default: ${DEFAULT-VALUE} in the current directory)")
        Path dir;
    }

    /** Runs a sandbox operation, turning its failure into a message on stderr and exit code 1. */
    abstract static class Sub implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;
        @Mixin
        DirOption dir;

        PrintWriter out() {
            return spec.commandLine().getOut();
        }

        @Override
        public final Integer call() {
            try {
                execute();
                out().flush();
                return 0;
            } catch (SandboxException e) {
                out().flush();
                PrintWriter err = spec.commandLine().getErr();
                err.println("ccdr local " + spec.name() + ": " + e.getMessage());
                err.flush();
                return 1;
            }
        }

        abstract void execute();

        Sandbox open() {
            return Sandbox.open(dir.dir).onProgress(out()::println);
        }

        void printStatus(Sandbox sandbox) {
            out().print(StatusTable.render(sandbox.status()));
            for (String cluster : sandbox.layout().clusterNames()) {
                out().println("cluster " + cluster + ": " + sandbox.boltUri(cluster) + "  (user neo4j, password " + Sandbox.PASSWORD + ")");
            }
        }
    }

    @Command(name = "start", mixinStandardHelpOptions = true,
            description = {"Create the sandbox (if DIR has none) and start every server that is not running, then wait until all are ready.",
                    "An existing sandbox keeps its data and shape; --clusters, --servers and --base-port must then match it."})
    static final class Start extends Sub {
        @Option(names = "--clusters", paramLabel = "N", description = "number of clusters, 1 or 2 (default 1)")
        Integer clusters;
        @Option(names = "--servers", paramLabel = "N", description = "servers per cluster, 1-9 (default 3)")
        Integer servers;
        @Option(names = "--base-port", paramLabel = "P", description = "first port of the layout (default " + SandboxLayout.DEFAULT_BASE_PORT + ")")
        Integer basePort;
        @Option(names = "--heap", paramLabel = "SIZE", description = "maximum heap of each server JVM (default " + SandboxLayout.DEFAULT_HEAP + ")")
        String heap;
        @Option(names = "--wait", paramLabel = "SECONDS", defaultValue = "120", description = "how long to wait for every server to be ready (default ${DEFAULT-VALUE})")
        int waitSeconds;

        @Override
        void execute() {
            Optional<SandboxState> existing = SandboxState.load(dir.dir.toAbsolutePath().normalize());
            SandboxLayout base = existing.map(SandboxState::layout).orElse(SandboxLayout.of(SandboxLayout.DEFAULT_BASE_PORT, 1, 3));
            SandboxLayout layout = new SandboxLayout(
                    basePort == null ? base.basePort() : basePort,
                    clusters == null ? base.clusters() : clusters,
                    servers == null ? base.serversPerCluster() : servers,
                    heap == null ? base.heap() : heap,
                    base.settings());
            Sandbox sandbox = Sandbox.create(dir.dir, layout).onProgress(out()::println);
            out().println((existing.isPresent() ? "sandbox " : "created sandbox ") + sandbox.directory() + ": " + Sandbox.describe(layout));
            out().flush();
            List<String> started = sandbox.start(Duration.ofSeconds(waitSeconds));
            if (started.isEmpty()) {
                out().println("every server was already running");
            }
            printStatus(sandbox);
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true,
            description = "Show every server: process state, addresses and, for running servers, the role and last committed transaction of each database.")
    static final class Status extends Sub {
        @Option(names = "--json", description = "print the status as JSON (for scripts)")
        boolean json;

        @Override
        void execute() {
            Sandbox sandbox = open();
            if (json) {
                out().print(StatusTable.json(sandbox.status()));
            } else {
                printStatus(sandbox);
            }
        }
    }

    @Command(name = "stop", mixinStandardHelpOptions = true,
            description = "Stop servers gracefully (SIGTERM; SIGKILL after 20 s). No SERVER stops all.")
    static final class Stop extends Sub {
        @Parameters(paramLabel = "SERVER", arity = "0..*", description = "servers to stop, e.g. a2 b1")
        List<String> servers = new ArrayList<>();

        @Override
        void execute() {
            open().stop(servers);
        }
    }

    @Command(name = "kill", mixinStandardHelpOptions = true, description = "Kill servers with SIGKILL (kill -9): no shutdown, no flush.")
    static final class Kill extends Sub {
        @Parameters(paramLabel = "SERVER", arity = "1..*", description = "servers to kill, e.g. a2")
        List<String> servers = new ArrayList<>();

        @Override
        void execute() {
            open().kill(servers);
        }
    }

    @Command(name = "restart", mixinStandardHelpOptions = true,
            description = "Start stopped, killed or crashed servers again with their data, and wait until they are ready.")
    static final class Restart extends Sub {
        @Parameters(paramLabel = "SERVER", arity = "1..*", description = "servers to restart, e.g. a2")
        List<String> servers = new ArrayList<>();
        @Option(names = "--wait", paramLabel = "SECONDS", defaultValue = "120", description = "how long to wait for readiness (default ${DEFAULT-VALUE})")
        int waitSeconds;

        @Override
        void execute() {
            Sandbox sandbox = open();
            sandbox.restart(servers, Duration.ofSeconds(waitSeconds));
            printStatus(sandbox);
        }
    }

    @Command(name = "destroy", mixinStandardHelpOptions = true,
            description = "Stop every server and delete the sandbox directory (only a directory that holds sandbox.json).")
    static final class Destroy extends Sub {
        @Override
        void execute() {
            open().destroy();
        }
    }
}
