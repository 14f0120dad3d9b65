package io.ccdr.cli.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code ccdr bench backup} at a tiny size on a one-server cluster over mutual TLS: FULL under
 * writes, DIFF, seed, and figures that agree with each other. Not a measurement.
 */
class BackupBenchSmokeTest {
    @TempDir
    Path dir;

    @Test
    void aRunTakesAFullUnderWritesADiffOfTheTransactionsAskedForAndSeedsFromTheChain() throws Exception {
        StringWriter output = new StringWriter();
        BackupBench.Result r = new BackupBench(new BackupBench.Setup(1, true, 4, dir.resolve("bench")), new PrintWriter(output, true))
                .run(4 << 20, 1000, 500, 1, 300, Duration.ofSeconds(1));

        assertThat(r.loaded().storeBytes()).isGreaterThanOrEqualTo(4 << 20);
        assertThat(r.writesAlone()).isPositive();
        assertThat(r.runs()).singleElement().satisfies(run -> {
            assertThat(run.storeBytes()).as("store files in the FULL").isGreaterThan(r.loaded().storeBytes() / 2);
            assertThat(run.artefactBytes()).isGreaterThan(run.storeBytes());
            assertThat(run.fullMegabytesPerSecond()).isPositive();
            assertThat(run.writesDuringFull()).as("writers kept committing during the FULL").isPositive();
            assertThat(run.diffTransactions()).as("the DIFF holds what was written after the FULL").isGreaterThanOrEqualTo(300);
            assertThat(run.seedSeconds()).isPositive();
        });
        assertThat(output.toString()).contains("writes without a backup").contains("run 1: FULL");
    }
}
