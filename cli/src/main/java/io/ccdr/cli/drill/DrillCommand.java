package io.ccdr.cli.drill;

import io.ccdr.cli.local.Sandbox;
import io.ccdr.cli.local.SandboxException;
import io.ccdr.cli.local.RunSandbox;
import io.ccdr.cli.local.SandboxLayout;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;

/**
 * {@code ccdr drill}: a disaster-recovery drill on a fresh local sandbox of two 3-server clusters
 * (mutual TLS, a CA per cluster, cross-trusted). Without {@code --scenario} it runs the default drill
 * (failover and failback under an application write load, {@link DefaultDrill}); with it, a scenario
 * script pointed at the sandbox ({@link ScenarioRunner}). Prints each step and a report ending in
 * {@code PASS} or {@code FAIL}; exit status 0 only for PASS.
 */
@Command(name = "drill", mixinStandardHelpOptions = true, subcommands = WorkloadCommand.class,
        description = {"Run a disaster-recovery drill on a fresh local sandbox (clusters a and b, 3 servers each, mutual TLS):",
                "replica of a's neo4j in b, application writes, kill -9 of cluster a, promotion of b's replica (fenced), verification,",
                "restart of a and failback, with RPO, RTO and failback write unavailability measured and invariants checked.",
                "Exit status: 0 PASS, 1 FAIL (an invariant failed or the drill could not finish), 2 usage error."})
public final class DrillCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--dir", paramLabel = "DIR", description = "sandbox directory, empty or missing (default: a new temporary directory)")
    Path dir;

    @Option(names = "--scenario", paramLabel = "FILE", description = "run this scenario script (scenarios/*.sh) against the sandbox instead of the default drill")
    Path scenario;

    @Option(names = "--json", paramLabel = "FILE", description = "also write the report as JSON to FILE")
    Path json;

    @Option(names = "--keep", description = "leave the sandbox running afterwards (ccdr local status/destroy --dir DIR)")
    boolean keep;

    @Option(names = "--seed", paramLabel = "N", description = "seed for the drill's fault timing (default: random; printed every run)")
    Long seed;

    @Option(names = "--base-port", paramLabel = "P", description = "first sandbox port (default: the first free layout from "
            + SandboxLayout.DEFAULT_BASE_PORT + ")")
    Integer basePort;

    @Option(names = "--heap", paramLabel = "SIZE", defaultValue = "384m", description = "heap of each of the six server JVMs (default ${DEFAULT-VALUE})")
    String heap;

    @Option(names = "--rate", paramLabel = "N", defaultValue = "25", description = "application writes per second (default ${DEFAULT-VALUE})")
    int rate;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        long s = seed != null ? seed : ThreadLocalRandom.current().nextLong(1, 1_000_000_000L);
        if (scenario != null && !Files.isReadable(scenario)) {
            err.println("ccdr drill: --scenario " + scenario + ": no such readable file");
            return 2;
        }
        if (rate < 1 || rate > 5000) {
            err.println("ccdr drill: --rate must be between 1 and 5000");
            return 2;
        }
        boolean temporary = dir == null;
        Path d;
        try {
            d = RunSandbox.directory(dir, "drill");
        } catch (RunSandbox.DirectoryInUse e) {
            err.println("ccdr drill: " + e.getMessage());
            return 2;
        } catch (IOException e) {
            err.println("ccdr drill: cannot create a temporary directory: " + e.getMessage());
            return 1;
        }
        out.println("ccdr drill " + (scenario == null ? "(default: failover and failback)" : scenario) + ", seed " + s
                + " (repeat with --seed " + s + ")");
        out.flush();

        long begin = System.nanoTime();
        DrillReport report;
        RunSandbox run = null;
        try {
            run = RunSandbox.start(d, temporary, basePort, heap, out);
            if (scenario == null) {
                report = new DefaultDrill(run.sandbox(), s, rate, d, out).run();
            } else {
                report = runScenario(run.sandbox(), d, s, out);
            }
            report.figure("sandboxStartSeconds", "sandbox start (s)", run.startSeconds());
        } catch (SandboxException | IOException e) {
            report = new DrillReport(scenario == null ? "failover-and-failback" : scenario.getFileName().toString(), s);
            report.aborted("sandbox: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            report = new DrillReport("interrupted", s);
            report.aborted("interrupted");
        }
        report.figure("totalSeconds", "total (s)", Math.round((System.nanoTime() - begin) / 1e8) / 10.0);
        report.publish(out, err, json, "ccdr drill");
        if (run != null) {
            run.finish(keep, report.passed(), out);
        }
        return report.passed() ? 0 : 1;
    }

    private DrillReport runScenario(Sandbox sandbox, Path d, long s, PrintWriter out) throws IOException, InterruptedException {
        DrillReport report = new DrillReport(scenario.getFileName().toString(), s);
        Path launcher = ScenarioRunner.writeLauncher(d);
        out.println("running bash " + scenario + " with CCDR=" + launcher + " and the sandbox's addresses in CCDR_A_* / CCDR_B_*");
        out.flush();
        long started = System.nanoTime();
        ScenarioRunner.Result r = ScenarioRunner.run(scenario, ScenarioRunner.environment(sandbox, launcher, s), d, out);
        report.figure("scenarioSeconds", "scenario (s)", Math.round((System.nanoTime() - started) / 1e8) / 10.0);
        r.figures().forEach(report::figure);
        report.check("scenario verdict", r.passed(), (r.verdictLine() == null ? "no PASS/FAIL line" : r.verdictLine())
                + " (exit status " + r.exitCode() + ")");
        return report;
    }
}
