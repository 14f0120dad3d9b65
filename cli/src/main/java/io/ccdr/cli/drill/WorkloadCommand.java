package io.ccdr.cli.drill;

import io.ccdr.cli.console.ConnectionOptions;
import io.ccdr.cli.console.Drivers;
import org.neo4j.driver.Driver;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code ccdr drill workload}: the drill's application for scenario scripts. Writes
 * {@code CREATE (:DrillWrite {id})}, one per auto-commit transaction, never retrying an id, and logs
 * every outcome as a line {@code ack|fail ID EPOCH_MILLIS TARGET} so a script can compute RPO, RTO
 * and unavailability with awk. Runs until {@code --duration} is over or it is terminated (SIGTERM
 * flushes the log).
 */
@Command(name = "workload", mixinStandardHelpOptions = true,
        description = {"Write to a database at a steady rate and log each write's outcome (for scenario scripts).",
                "Log lines: 'ack ID EPOCH_MS TARGET' for an acknowledged write, 'fail ID EPOCH_MS TARGET ERROR' for one whose outcome is unknown."})
public final class WorkloadCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--target", required = true, paramLabel = "NAME=URI#DATABASE",
            description = "where to write, e.g. a=neo4j://127.0.0.1:20000#neo4j; repeat to list where writes move with --follow-writer")
    List<String> targets;

    @Option(names = "--follow-writer", description = "after a failed write, move to the next --target (an application that knows both clusters)")
    boolean followWriter;

    @Option(names = "--rate", defaultValue = "50", paramLabel = "N", description = "writes per second (default ${DEFAULT-VALUE})")
    int rate;

    @Option(names = "--threads", defaultValue = "2", paramLabel = "N", description = "writer threads (default ${DEFAULT-VALUE})")
    int threads;

    @Option(names = "--first-id", defaultValue = "1", paramLabel = "N", description = "first id (use distinct ranges for several runs on one database)")
    long firstId;

    @Option(names = "--duration", paramLabel = "SECONDS", description = "stop after this long (default: until terminated)")
    Long duration;

    @Option(names = "--log", required = true, paramLabel = "FILE", description = "outcome log (appended)")
    Path log;

    @CommandLine.Mixin
    ConnectionOptions connection;

    @Override
    public Integer call() throws IOException, InterruptedException {
        PrintWriter err = spec.commandLine().getErr();
        List<Driver> drivers = new ArrayList<>();
        List<Workload.Target> ts = new ArrayList<>();
        try {
            for (String t : targets) {
                int eq = t.indexOf('=');
                int hash = t.lastIndexOf('#');
                if (eq < 1 || hash < eq) {
                    err.println("ccdr drill workload: --target " + t + ": expected NAME=URI#DATABASE");
                    return 2;
                }
                Driver d = Drivers.open(t.substring(eq + 1, hash), connection, Duration.ofSeconds(2), Duration.ZERO);
                drivers.add(d);
                ts.add(new Workload.Target(t.substring(0, eq), d, t.substring(hash + 1)));
            }
        } catch (IllegalArgumentException e) {
            drivers.forEach(Driver::close);
            err.println("ccdr drill workload: " + e.getMessage());
            return 2;
        }
        if (log.toAbsolutePath().getParent() != null) {
            Files.createDirectories(log.toAbsolutePath().getParent());
        }
        CountDownLatch stop = new CountDownLatch(1);
        try (PrintWriter logOut = new PrintWriter(Files.newBufferedWriter(log, java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.APPEND))) {
            Workload app = new Workload(threads, rate, firstId, (line) -> {
                synchronized (logOut) {
                    logOut.println(line);
                    logOut.flush();
                }
            });
            Thread hook = new Thread(() -> {
                stop.countDown();
                app.close();
            }, "workload-stop");
            Runtime.getRuntime().addShutdownHook(hook);
            app.direct(followWriter ? Workload.Mode.FOLLOW_WRITER : Workload.Mode.FIXED, ts.get(0),
                    ts.subList(1, ts.size()).toArray(Workload.Target[]::new));
            app.start();
            if (duration != null) {
                stop.await(duration, TimeUnit.SECONDS);
            } else {
                stop.await();
            }
            app.close();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // terminated: the hook is running
            }
            Map<String, Integer> errors = app.errors();
            spec.commandLine().getOut().println("acknowledged " + app.ackedCount() + ", failed " + app.unknown().size()
                    + (errors.isEmpty() ? "" : " " + errors));
        } finally {
            drivers.forEach(Driver::close);
        }
        return 0;
    }
}
