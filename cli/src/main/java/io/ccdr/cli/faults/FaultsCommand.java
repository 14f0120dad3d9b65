package io.ccdr.cli.faults;

import io.ccdr.cli.drill.DrillReport;
import io.ccdr.cli.local.RunSandbox;
import io.ccdr.cli.local.SandboxException;
import io.ccdr.cli.local.SandboxServer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;

/** {@code ccdr faults}: the seeded fault suite. */
@Command(name = "faults", mixinStandardHelpOptions = true, subcommands = FaultsCommand.Run.class,
        description = "Seeded fault runs on a local two-cluster sandbox, checked by an independent checker (ccdr faults run --help).")
public final class FaultsCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getOut());
        return 2;
    }

    @Command(name = "run", mixinStandardHelpOptions = true,
            description = {"Start two clusters of three server processes (mutual TLS) with a replica in b of a's neo4j, reached through",
                    "faulty links; write through the official driver while a nemesis injects the seed's faults (kill -9 and restart,",
                    "SIGSTOP, cut or blackholed link between the clusters); then heal, and check C1-C6: no acknowledged write lost or",
                    "doubled, the replica a prefix of the upstream on every member, convergence, one writer per lineage, lag recovery,",
                    "metrics that agree. The plan is printed first; --seed N repeats it.",
                    "Exit status: 0 PASS, 1 FAIL, 2 usage error."})
    static final class Run implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--seed", paramLabel = "N", description = "seed of the fault plan (default: random; printed every run)")
        Long seed;

        @Option(names = "--duration", paramLabel = "TIME", defaultValue = "120s", description = "how long faults are injected: 90s, 2m, or seconds (default ${DEFAULT-VALUE})")
        String duration;

        @Option(names = "--faults", paramLabel = "LIST", defaultValue = "kill,pause,link",
                description = "faults to choose from: kill, pause, link (= cut and blackhole), cut, blackhole (default ${DEFAULT-VALUE})")
        String faults;

        @Option(names = "--rate", paramLabel = "N", defaultValue = "50", description = "application writes per second (default ${DEFAULT-VALUE})")
        int rate;

        @Option(names = "--dir", paramLabel = "DIR", description = "sandbox directory, empty or missing (default: a new temporary directory)")
        Path dir;

        @Option(names = "--json", paramLabel = "FILE", description = "also write the report as JSON to FILE")
        Path json;

        @Option(names = "--keep", description = "leave the sandbox running afterwards (ccdr local status/destroy --dir DIR)")
        boolean keep;

        @Option(names = "--base-port", paramLabel = "P", description = "first sandbox port (default: the first free layout)")
        Integer basePort;

        @Option(names = "--heap", paramLabel = "SIZE", defaultValue = "384m", description = "heap of each of the six server JVMs (default ${DEFAULT-VALUE})")
        String heap;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            long s = seed != null ? seed : ThreadLocalRandom.current().nextLong(1, 1_000_000_000L);
            Duration d;
            Set<FaultPlan.Kind> kinds;
            try {
                d = parseDuration(duration);
                kinds = FaultPlan.kinds(faults);
            } catch (IllegalArgumentException e) {
                err.println("ccdr faults run: " + e.getMessage());
                return 2;
            }
            if (rate < 1 || rate > 2000) {
                err.println("ccdr faults run: --rate must be between 1 and 2000");
                return 2;
            }
            boolean temporary = dir == null;
            Path sandboxDir;
            try {
                sandboxDir = RunSandbox.directory(dir, "faults");
            } catch (RunSandbox.DirectoryInUse e) {
                err.println("ccdr faults run: " + e.getMessage());
                return 2;
            } catch (IOException e) {
                err.println("ccdr faults run: cannot create a temporary directory: " + e.getMessage());
                return 1;
            }
            out.println("ccdr faults run, seed " + s + " (repeat with --seed " + s + "), " + d.toSeconds() + " s of faults from " + kinds);
            out.flush();
            long begin = System.nanoTime();
            DrillReport report;
            RunSandbox run = null;
            try {
                run = RunSandbox.start(sandboxDir, temporary, basePort, heap, out);
                List<String> servers = run.sandbox().layout().servers().stream().map(SandboxServer::name).toList();
                FaultPlan plan = FaultPlan.generate(s, d, kinds, servers);
                report = new FaultRun(run.sandbox(), plan, rate, out).run();
                report.figure("sandboxStartSeconds", "sandbox start (s)", run.startSeconds());
            } catch (SandboxException e) {
                report = new DrillReport("faults", s);
                report.aborted("sandbox: " + e.getMessage());
            }
            report.figure("totalSeconds", "total (s)", Math.round((System.nanoTime() - begin) / 1e8) / 10.0);
            report.publish(out, err, json, "ccdr faults run");
            if (run != null) {
                run.finish(keep, report.passed(), out);
            }
            return report.passed() ? 0 : 1;
        }
    }

    /** {@code 90s}, {@code 2m}, {@code 1m30s} or plain seconds; at least 10 s. */
    static Duration parseDuration(String text) {
        String t = text.trim().toUpperCase(Locale.ROOT);
        Duration d;
        try {
            d = t.matches("\\d+") ? Duration.ofSeconds(Long.parseLong(t)) : Duration.parse("PT" + t);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("--duration '" + text + "' is not a duration such as 90s, 2m or 1m30s");
        }
        if (d.compareTo(Duration.ofSeconds(10)) < 0) {
            throw new IllegalArgumentException("--duration '" + text + "' is shorter than 10 s");
        }
        return d;
    }
}
