package io.ccdr.cli.failback;

import io.ccdr.cli.console.ConnectionOptions;
import io.ccdr.cli.console.Drivers;
import io.ccdr.cli.console.Errors;
import org.neo4j.driver.Driver;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code ccdr failback}: the seed's failback sequence as one checked, resumable command. Prints the
 * plan, then one progress line per step; on failure prints what happened, where each cluster stands
 * and the exact command that resumes it.
 */
@Command(name = "failback", mixinStandardHelpOptions = true,
        description = {"Make the main cluster's database primary again after a promotion in the DR cluster, and the DR cluster follow it.",
                "Each step checks its precondition and is skipped when already done, so re-running the same command resumes.",
                "Exit status: 0 done (or plan printed), 1 a step failed (state and resume command printed), 2 usage error."})
public final class FailbackCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--main", required = true, paramLabel = "URI", description = "the main cluster (A), e.g. neo4j://a1:7687")
    String mainUri;

    @Option(names = "--dr", required = true, paramLabel = "URI", description = "the DR cluster (B) holding the promoted database")
    String drUri;

    @Option(names = {"-d", "--database"}, required = true, paramLabel = "NAME", description = "the promoted database in the DR cluster")
    String drDatabase;

    @Option(names = "--main-database", required = true, paramLabel = "NAME", description = "the database's name in the main cluster")
    String mainDatabase;

    @Option(names = "--dr-replica", paramLabel = "NAME", description = "name of the new replica in the DR cluster (default: the --database name)")
    String drReplica;

    @Option(names = "--main-addresses", required = true, split = ",", paramLabel = "HOST:PORT",
            description = "the main cluster's server.cluster.advertised_address values (the DR replica follows these)")
    List<String> mainAddresses;

    @Option(names = "--dr-addresses", required = true, split = ",", paramLabel = "HOST:PORT",
            description = "the DR cluster's server.cluster.advertised_address values (the main replica follows these)")
    List<String> drAddresses;

    @Option(names = "--main-primaries", defaultValue = "3", description = "primaries of the database in the main cluster (default ${DEFAULT-VALUE})")
    int mainPrimaries;

    @Option(names = "--dr-primaries", defaultValue = "3", description = "primaries of the new replica in the DR cluster (default ${DEFAULT-VALUE})")
    int drPrimaries;

    @Option(names = "--max-lag", defaultValue = "100", paramLabel = "TXS",
            description = "stop writes in the DR cluster only once the main replica is at most this many transactions behind (default ${DEFAULT-VALUE})")
    long maxLag;

    @Option(names = "--timeout", defaultValue = "600", paramLabel = "SECONDS", description = "longest wait of any step (default ${DEFAULT-VALUE})")
    long timeoutSeconds;

    @Option(names = "--export", paramLabel = "FILE",
            description = "where transactions of an old main database that the DR side never received are exported (JSON lines; "
                    + "default failback-divergent-<database>-<time>.jsonl)")
    Path export;

    @Option(names = "--discard-divergent", description = "proceed even when those transactions cannot be exported (they are lost)")
    boolean discardDivergent;

    @Option(names = "--dry-run", description = "print the plan only")
    boolean dryRun;

    @Option(names = "--stop-after", hidden = true, defaultValue = "0", description = "stop as if interrupted after this step (tests)")
    int stopAfter;

    @CommandLine.Mixin
    ConnectionOptions connection;

    @Override
    public Integer call() {
        var out = spec.commandLine().getOut();
        var err = spec.commandLine().getErr();
        FailbackPlan plan;
        try {
            Path exportFile = export != null ? export : Path.of("failback-divergent-" + mainDatabase + "-"
                    + Instant.now().toString().replace(':', '-') + ".jsonl");
            plan = new FailbackPlan(mainUri, drUri, mainDatabase, drDatabase, drReplica == null ? drDatabase : drReplica, mainAddresses,
                    drAddresses, mainPrimaries, drPrimaries, maxLag, Duration.ofSeconds(timeoutSeconds), discardDivergent, exportFile);
            Drivers.parse(mainUri);
            Drivers.parse(drUri);
        } catch (IllegalArgumentException e) {
            err.println("ccdr failback: " + e.getMessage());
            return 2;
        }
        if (dryRun) {
            new FailbackSequence(plan, null, null, out, 0).printPlan();
            return 0;
        }
        try (Driver main = Drivers.open(mainUri, connection, Duration.ofSeconds(5));
             Driver dr = Drivers.open(drUri, connection, Duration.ofSeconds(5))) {
            FailbackSequence sequence = new FailbackSequence(plan, main, dr, out, stopAfter);
            sequence.printPlan();
            try {
                sequence.run();
                out.flush();
                return 0;
            } catch (FailbackException e) {
                err.println("FAILED: " + e.getMessage());
                try {
                    err.println("State: " + sequence.state());
                } catch (RuntimeException unreachable) {
                    err.println("State: unknown (" + Errors.oneLine(unreachable) + ")");
                }
                err.println("Resume with: " + resumeCommand(plan));
                return 1;
            }
        } catch (IllegalArgumentException e) {
            err.println("ccdr failback: " + e.getMessage());
            return 2;
        }
    }

    /** The same command, with the export file fixed so that a resumed run reuses it; the password is never printed. */
    private String resumeCommand(FailbackPlan plan) {
        List<String> args = new ArrayList<>(List.of("ccdr", "failback", "--main", mainUri, "--dr", drUri, "--database", drDatabase,
                "--main-database", mainDatabase, "--dr-replica", plan.drReplica(), "--main-addresses", String.join(",", mainAddresses),
                "--dr-addresses", String.join(",", drAddresses), "--main-primaries", String.valueOf(mainPrimaries),
                "--dr-primaries", String.valueOf(drPrimaries), "--max-lag", String.valueOf(maxLag), "--export", plan.exportFile().toString()));
        if (discardDivergent) {
            args.add("--discard-divergent");
        }
        if (connection.trustCa() != null) {
            args.add("--trust-ca");
            args.add(connection.trustCa().toString());
        }
        args.add("-u");
        args.add(connection.username());
        return String.join(" ", args) + "   # password from $NEO4J_PASSWORD or -p";
    }
}
