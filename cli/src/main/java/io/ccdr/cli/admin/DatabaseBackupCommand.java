package io.ccdr.cli.admin;

import io.ccdr.cli.console.Progress;
import io.ccdr.node.backup.BackupChains;
import io.ccdr.node.backup.BackupException;
import io.ccdr.node.backup.BackupHeader;
import io.ccdr.node.backup.OnlineBackup;
import io.ccdr.node.config.HostPort;
import io.ccdr.tls.SslPolicy;
import io.ccdr.tls.SslPolicyConfig;
import io.ccdr.tls.TlsException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code ccdr admin database backup}: one online backup run (see {@link OnlineBackup}); the options
 * are {@code neo4j-admin database backup}'s.
 */
@Command(name = "backup", mixinStandardHelpOptions = true, description = {
        "Back up a database online over the transaction stream into one artefact file, DATABASE-<UTC timestamp>.backup.",
        "FULL: a store copy plus the transactions after it. DIFF: the transactions since the newest artefact in --to-path.",
        "AUTO (default): DIFF when --to-path holds a chain of this database, else FULL; also FULL when a DIFF is behind retention.",
        "Exit codes: 0 done, 1 usage, 2 unreachable, 3 not trusted, 4 no such database, 5 behind retention, 6 another history,",
        "7 damaged artefact, 8 nothing to continue, 9 local I/O (e.g. disk full)."})
final class DatabaseBackupCommand extends ConsoleCommand implements Callable<Integer> {
    @Parameters(index = "0", arity = "0..1", paramLabel = "DATABASE", description = "the database to back up")
    String databaseArg;

    @Option(names = "--database", paramLabel = "NAME", description = "the database to back up (instead of the DATABASE argument)")
    String databaseOption;

    @Option(names = "--from", required = true, split = ",", paramLabel = "HOST:PORT",
            description = "the servers' server.cluster.advertised_address values (a follower is preferred; the next is used when one fails)")
    List<String> from = new ArrayList<>();

    @Option(names = "--to-path", required = true, paramLabel = "DIR", description = "the directory for the artefacts")
    Path toPath;

    @Option(names = "--type", defaultValue = "AUTO", paramLabel = "AUTO|FULL|DIFF", description = "default: ${DEFAULT-VALUE}")
    OnlineBackup.Type type;

    @Option(names = "--tls-dir", paramLabel = "DIR",
            description = "SSL policy directory (private.key, public.crt, trusted/, revoked/) for mutual TLS with the cluster port")
    Path tlsDir;

    @Option(names = "--compress", description = "deflate store and transaction blocks")
    boolean compress;

    @Option(names = "--keep-chains", paramLabel = "N",
            description = "after a successful backup, delete the artefacts of this database's chains older than the N newest")
    Integer keepChains;

    @Option(names = "--metrics-file", paramLabel = "FILE",
            description = "after a successful backup, write its time, size and last txId here in Prometheus text format "
                    + "(e.g. node_exporter's textfile directory: /var/lib/node_exporter/textfile/ccdr-backup-shop.prom)")
    Path metricsFile;

    @Option(names = "--timeout", defaultValue = "PT30S", paramLabel = "DURATION",
            description = "give up when no address makes progress for this long (ISO-8601, default ${DEFAULT-VALUE})")
    Duration timeout;

    @Override
    public Integer call() {
        if (keepChains != null && keepChains < 1) {
            err().println("ccdr admin database backup: --keep-chains must be at least 1");
            return 1;
        }
        String database = databaseOption != null ? databaseOption : databaseArg;
        if (database == null || (databaseOption != null && databaseArg != null && !databaseOption.equals(databaseArg))) {
            err().println("ccdr admin database backup: name one database (DATABASE or --database=NAME)");
            return 1;
        }
        List<HostPort> addresses = new ArrayList<>();
        try {
            for (String a : from) {
                addresses.add(HostPort.parse(a, "127.0.0.1", 6000));
            }
        } catch (IllegalArgumentException e) {
            err().println("ccdr admin database backup: --from " + e.getMessage());
            return 1;
        }
        SslPolicy tls = null;
        try {
            if (tlsDir != null) {
                if (!Files.isDirectory(tlsDir)) {
                    err().println("ccdr admin database backup: --tls-dir " + tlsDir + " is not a directory");
                    return 1;
                }
                tls = SslPolicy.load(SslPolicyConfig.forDirectory(SslPolicyConfig.CLUSTER, tlsDir), Duration.ofHours(1));
            }
        } catch (TlsException | IllegalArgumentException e) {
            err().println("ccdr admin database backup: cannot load the SSL policy in " + tlsDir + ": " + e.getMessage());
            return 1;
        }
        PrintWriter out = out();
        Progress[] bar = {null};
        String[] phase = {""};
        try {
            OnlineBackup.Outcome o = new OnlineBackup(new OnlineBackup.Options(database, addresses, toPath, type, compress, tls, timeout))
                    .run((p, done, total) -> {
                        if (!p.equals(phase[0])) {
                            if (bar[0] != null) {
                                bar[0].finish();
                            }
                            phase[0] = p;
                            bar[0] = Progress.forConsole(out, p, p.equals("store copy") ? "bytes" : "txIds");
                        }
                        bar[0].update(done, total);
                    });
            if (bar[0] != null) {
                bar[0].finish();
            }
            o.notes().forEach(n -> out.println("note: " + n));
            BackupHeader h = o.header();
            out.println(h.kind() + " backup of " + h.database() + " written to " + o.file() + ": txId " + h.startTxId() + ".." + h.endTxId()
                    + " (" + h.transactionCount() + " transactions, chain hash " + h.endChainHashHex() + ")");
            if (metricsFile != null) {
                try {
                    BackupMetricsFile.write(metricsFile, h, Files.size(o.file()), System.currentTimeMillis());
                } catch (java.io.IOException e) {
                    // the artefact is complete and valid; only the report of it failed
                    err().println("ccdr admin database backup: the backup succeeded but --metrics-file " + metricsFile + " cannot be written: "
                            + e.getMessage());
                    return BackupExitCodes.code(BackupException.Reason.IO);
                }
            }
            if (keepChains != null) {
                List<Path> deleted = BackupChains.scan(toPath).prune(h.lineageId(), keepChains);
                deleted.forEach(f -> out.println("deleted " + f + " (older than the " + keepChains + " newest chain(s))"));
            }
            return 0;
        } catch (BackupException e) {
            if (bar[0] != null) {
                bar[0].finish();
            }
            return BackupExitCodes.fail(err(), "database backup", e);
        } finally {
            if (tls != null) {
                tls.close();
            }
        }
    }
}
