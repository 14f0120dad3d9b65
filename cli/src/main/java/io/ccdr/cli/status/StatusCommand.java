package io.ccdr.cli.status;

import io.ccdr.cli.console.ConnectionOptions;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code ccdr status}: the operator's view of one or more clusters, from their {@code system}
 * databases. With several clusters an unreachable one is marked and the others are still shown:
 * in a DR incident the surviving cluster is the one the operator needs to see.
 */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = {"Show the servers and databases of one or more clusters (SHOW SERVERS, SHOW DATABASES YIELD *).",
                "Exit status: 0 every cluster answered, 1 a cluster is unreachable (one line per cluster on standard error), "
                        + "2 usage error."})
public final class StatusCommand implements Callable<Integer> {
    private static final String CLEAR = "\033[H\033[2J";

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = {"-c", "--cluster"}, paramLabel = "URI", required = true,
            description = "a cluster's address (neo4j://host:port, neo4j+s://...), repeatable for several clusters")
    List<String> clusters = new ArrayList<>();

    @Mixin
    ConnectionOptions connection;

    @Option(names = {"-w", "--watch"}, description = "redraw until interrupted (Ctrl-C)")
    boolean watch;

    @Option(names = {"-i", "--interval"}, paramLabel = "SECONDS", defaultValue = "2",
            description = "seconds between redraws with --watch (default ${DEFAULT-VALUE})")
    double interval;

    @Option(names = {"-n", "--count"}, paramLabel = "N",
            description = "with --watch, stop after N screens (default: until interrupted); the exit status is that of the last")
    Integer count;

    @Override
    public Integer call() {
        if (interval < 0.1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--interval must be at least 0.1 seconds, got " + interval);
        }
        if (count != null && (count < 1 || !watch)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--count needs --watch and a value of at least 1");
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        List<ClusterProbe> probes = new ArrayList<>();
        try {
            for (String address : clusters) {
                probes.add(new ClusterProbe(address, connection));
            }
            // Redraw in place only for a person at a terminal; a log or a pipe gets every screen in turn.
            boolean terminal = watch && System.console() != null;
            int shown = 0;
            while (true) {
                List<ClusterSnapshot> snapshots = probes.stream().map(ClusterProbe::probe).toList();
                if (terminal) {
                    out.print(CLEAR);
                } else if (shown > 0) {
                    out.println();
                }
                out.print(StatusScreen.render(Instant.now(), snapshots));
                out.flush();
                shown++;
                boolean last = !watch || (count != null && shown >= count);
                if (last) {
                    return report(snapshots, err);
                }
                try {
                    Thread.sleep((long) (interval * 1000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return report(snapshots, err);
                }
            }
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        } finally {
            probes.forEach(ClusterProbe::close);
        }
    }

    private static int report(List<ClusterSnapshot> snapshots, PrintWriter err) {
        int code = 0;
        for (ClusterSnapshot s : snapshots) {
            if (!s.reachable()) {
                err.println("ccdr status: cluster " + s.address() + " unreachable: " + s.error());
                code = 1;
            }
        }
        err.flush();
        return code;
    }
}
