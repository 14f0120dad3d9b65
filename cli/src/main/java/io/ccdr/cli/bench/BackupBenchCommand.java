package io.ccdr.cli.bench;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.function.ToDoubleFunction;

/** {@code ccdr bench backup}: online backup and seeding (issue #15) on a local cluster in this JVM; see {@link BackupBench}. */
@Command(name = "backup", mixinStandardHelpOptions = true,
        description = {"Measure online backups on a local cluster in this JVM, over mutual TLS unless --no-tls: load a store of "
                + "--store-mb, then --runs times a FULL backup while --writers keep writing (their rate with and without it), a DIFF of "
                + "--diff-transactions small transactions, and CREATE DATABASE ... OPTIONS {seedURI} from the chain (each server restores "
                + "its own copy). Prints each run and the medians."})
public final class BackupBenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--servers", defaultValue = "3", description = "primaries of the cluster (default ${DEFAULT-VALUE})")
    int servers;

    @Option(names = "--tls", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "mutual TLS on Raft and the cluster port, so on the backup's store copy and stream (a throwaway CA; default on)")
    boolean tls;

    @Option(names = "--store-mb", defaultValue = "1024", description = "store size to load first, MiB (default ${DEFAULT-VALUE})")
    int storeMb;

    @Option(names = "--value-bytes", defaultValue = "1000", description = "bytes of the random string property per loaded node (default ${DEFAULT-VALUE})")
    int valueBytes;

    @Option(names = "--batch", defaultValue = "1000", description = "nodes per load transaction (default ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--writers", defaultValue = "16", description = "concurrent writers of small transactions (default ${DEFAULT-VALUE})")
    int writers;

    @Option(names = "--writes-window", defaultValue = "10", description = "seconds of the write rate measured without a backup (default ${DEFAULT-VALUE})")
    int writesWindowSeconds;

    @Option(names = "--diff-transactions", defaultValue = "10000", description = "small transactions each DIFF carries (default ${DEFAULT-VALUE})")
    long diffTransactions;

    @Option(names = "--runs", defaultValue = "3", description = "FULL + DIFF + seed runs on the loaded store; medians reported (default ${DEFAULT-VALUE})")
    int runs;

    @Option(names = "--dir", description = "data directory (default: a temporary directory, deleted afterwards)")
    Path dir;

    @Override
    public Integer call() throws Exception {
        if (servers < 1 || storeMb < 1 || valueBytes < 1 || batch < 1 || writers < 1 || writesWindowSeconds < 1 || diffTransactions < 1 || runs < 1) {
            throw new ParameterException(spec.commandLine(), "every count and size must be positive");
        }
        PrintWriter out = spec.commandLine().getOut();
        out.printf("ccdr bench backup: %d primaries in this JVM; %d cores, max heap %d MiB; mutual TLS %s%n", servers,
                Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory() >> 20, tls ? "on" : "off");
        out.flush();
        BackupBench.Result r = new BackupBench(new BackupBench.Setup(servers, tls, writers, dir), out)
                .run((long) storeMb << 20, valueBytes, batch, runs, diffTransactions, Duration.ofSeconds(writesWindowSeconds));
        out.printf("median of %d: FULL %.1f MB/s; writes during the FULL %.0f %% of %.0f tx/s; DIFF of %.0f transactions %.2f s; seed %.1f MB/s per server%n",
                r.runs().size(), median(r, BackupBench.Run::fullMegabytesPerSecond), 100 * median(r, BackupBench.Run::writesDuringFull) / r.writesAlone(),
                r.writesAlone(), median(r, BackupBench.Run::diffTransactions), median(r, BackupBench.Run::diffSeconds),
                median(r, BackupBench.Run::seedMegabytesPerSecond));
        return 0;
    }

    private static double median(BackupBench.Result r, ToDoubleFunction<BackupBench.Run> f) {
        double[] v = r.runs().stream().mapToDouble(f).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }
}
