package io.ccdr.cli.bench;

import io.ccdr.cli.CcdrCommand;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Each mode of {@code ccdr bench replica} at tiny sizes on one-server clusters: the benchmark's
 * plumbing works and its figures are consistent. Not a measurement: the numbers are not checked
 * against targets.
 */
class ReplicaBenchSmokeTest {
    @TempDir
    Path dir;

    private final StringWriter output = new StringWriter();

    private ReplicaBench bench(String name) {
        return new ReplicaBench(new ReplicaBench.Setup(1, 1, true, 4, dir.resolve(name)), new PrintWriter(output, true));
    }

    @Test
    void lagIsMeasuredForEveryPacedTransactionOnTheReplica() throws Exception {
        ReplicaBench.LagResult r = bench("lag").lag(Duration.ZERO, Duration.ofSeconds(1), 0.5, java.util.OptionalDouble.empty(), Duration.ofMillis(300),
                Duration.ofSeconds(2));

        assertThat(r.maxRate()).isPositive();
        assertThat(r.targetRate()).isEqualTo(r.maxRate() * 0.5);
        assertThat(r.measured()).isPositive();
        assertThat(r.unseen()).as("paced transactions the replica never showed").isZero();
        assertThat(r.p99Ms()).isGreaterThanOrEqualTo(r.p50Ms());
        assertThat(r.maxMs()).isGreaterThanOrEqualTo(r.p99Ms());
        assertThat(r.samples()).isPositive();
        assertThat(r.p50Tx()).isNotNegative();
        assertThat(r.p99Tx()).isBetween(r.p50Tx(), r.maxTx());
        assertThat(r.diagnostics().applyStepsPerSecond()).isPositive();
        assertThat(r.diagnostics().transactionsPerStep()).isGreaterThanOrEqualTo(1.0);
        assertThat(r.diagnostics().notWritableFraction()).as("the subscription was sampled").isBetween(0.0, 1.0);
        assertThat(output.toString()).contains("replica created and caught up").contains("upstream maximum");
    }

    @Test
    void catchUpStartsFromTheTxIdWhereTheLinkWasCutAndEndsOnTheUpstreamsChainHash() throws Exception {
        ReplicaBench.CatchUpResult r = bench("catchup").catchUp(Duration.ZERO, 1500);

        assertThat(r.transactions()).isEqualTo(1500);
        assertThat(r.upstreamTxId() - r.pausedAtTxId()).isEqualTo(1500);
        assertThat(r.sameChainHash()).isTrue();
        assertThat(r.upstreamRate()).isPositive();
        assertThat(r.firstApplyMs()).isNotNegative().isLessThanOrEqualTo(r.catchUpSeconds() * 1000);
        assertThat(r.rateApplying()).isGreaterThanOrEqualTo(r.rateFromResume());
        assertThat(output.toString()).contains("link to the upstream cut with the replica at txId " + r.pausedAtTxId());
    }

    @Test
    void storeCopyCopiesTheWholeStoreAtTheUpstreamsTxId() throws Exception {
        ReplicaBench.StoreCopyResult r = bench("storecopy").storeCopy(4 << 20, 1000, 500, 1, 2);

        assertThat(r.storeBytes()).isGreaterThanOrEqualTo(4 << 20);
        assertThat(r.copies()).hasSize(2).allSatisfy(c -> {
            assertThat(c.txId()).isEqualTo(r.txId());
            // SST files only (memtables are flushed into them by the checkpoint), so close to the live size
            assertThat(c.bytes()).isGreaterThan(r.storeBytes() / 2);
            assertThat(c.megabytesPerSecond()).isPositive();
        });
        assertThat(r.median()).isIn(r.copies());
    }

    @Test
    void theCommandIsWiredUnderBenchAndRejectsBadArguments() {
        CommandLine cmd = CcdrCommand.commandLine();
        StringWriter err = new StringWriter();
        cmd.setErr(new PrintWriter(err, true));
        int code = cmd.execute("bench", "replica", "--mode", "lag", "--load", "1.5");
        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("--load must be in (0, 1]");

        code = cmd.execute("bench", "replica", "--mode", "sideways");
        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("lag, catchup, storecopy");
    }
}
