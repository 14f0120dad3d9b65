package io.ccdr.cli.promote;

import io.ccdr.cli.console.ConnectionOptions;
import io.ccdr.cli.console.Drivers;
import io.ccdr.cli.console.Errors;
import org.neo4j.driver.Driver;
import org.neo4j.driver.Record;
import org.neo4j.driver.Session;
import org.neo4j.driver.exceptions.Neo4jException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code ccdr promote}: promotes a replica database (disaster recovery), for scripts. Calls
 * {@code internal.dbms.promoteReplicaDatabase} (or {@code ...WithTopology}) and prints what the
 * replica had and what it last heard of its upstream: the writes the promotion may have lost.
 */
@Command(name = "promote", mixinStandardHelpOptions = true,
        description = {"Promote a replica database to a standard, writable database. One way: it never follows an upstream again.",
                "Exit status: 0 promoted, 1 refused or failed (ERROR <code>: <message>), 2 usage error."})
public final class PromoteCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = {"-c", "--cluster"}, required = true, paramLabel = "URI", description = "the cluster holding the replica, e.g. neo4j://b1:7687")
    String cluster;

    @Option(names = {"-d", "--database"}, required = true, paramLabel = "NAME", description = "the replica database")
    String database;

    @Option(names = "--primaries", paramLabel = "N", description = "topology after promotion (with --secondaries)")
    Integer primaries;

    @Option(names = "--secondaries", paramLabel = "M", description = "topology after promotion (with --primaries)")
    Integer secondaries;

    @Option(names = "--fence", description = "also make the old upstream read-only (now if reachable, else as soon as it answers)")
    boolean fence;

    @CommandLine.Mixin
    ConnectionOptions connection;

    @Override
    public Integer call() {
        var out = spec.commandLine().getOut();
        var err = spec.commandLine().getErr();
        if ((primaries == null) != (secondaries == null)) {
            err.println("ccdr promote: give both --primaries and --secondaries, or neither");
            return 2;
        }
        long started = System.nanoTime();
        try (Driver driver = Drivers.open(cluster, connection, Duration.ofSeconds(5));
             Session s = Drivers.causalSession(driver, "system")) {
            Map<String, Object> params = new HashMap<>(Map.of("name", database, "options", Map.of("fence", fence)));
            String query;
            if (primaries != null) {
                params.put("p", primaries);
                params.put("s", secondaries);
                query = "CALL internal.dbms.promoteReplicaDatabaseWithTopology($name, $p, $s, $options)";
            } else {
                query = "CALL internal.dbms.promoteReplicaDatabase($name, $options)";
            }
            Record r = s.run(query, params).single();
            long millis = (System.nanoTime() - started) / 1_000_000;
            out.println("Promoted '" + database + "' at txId " + r.get("promotedAtTxId").asLong() + " (chain hash "
                    + r.get("chainHash").asString() + ") in " + millis + " ms; it is writable now.");
            out.println("Former upstream: " + r.get("upstream").asString());
            if (r.get("upstreamLastKnownTxId").isNull()) {
                out.println("Upstream last heard: never during this leader's term; how much was missed is unknown.");
            } else {
                out.println("Upstream last heard at txId " + r.get("upstreamLastKnownTxId").asLong() + " (committed "
                        + r.get("upstreamLastKnownCommitTime") + "); possibly missed transactions: "
                        + r.get("possiblyMissedTransactions").asLong() + ". Last applied commit: " + r.get("lastAppliedCommitTime"));
            }
            out.println("Fencing: " + r.get("fenceStatus").asString());
            return 0;
        } catch (Neo4jException e) {
            err.println(Errors.errorLine(e));
            return 1;
        } catch (IllegalArgumentException e) {
            err.println("ccdr promote: " + e.getMessage());
            return 2;
        }
    }
}
