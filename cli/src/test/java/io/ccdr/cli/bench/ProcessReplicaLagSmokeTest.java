package io.ccdr.cli.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.OptionalDouble;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code ccdr bench replica --mode lag --processes} at tiny sizes on one-server clusters (two server
 * processes, launched with this test JVM's classpath): the replica is created, every paced write is
 * seen on it from outside, and the lag, rate and CPU figures are consistent. Not a measurement: no
 * figure is compared with a target.
 */
class ProcessReplicaLagSmokeTest {
    @TempDir
    Path dir;

    @Test
    @Timeout(240)
    void everyPacedWriteIsSeenOnTheReplicaAndBothClustersCpuIsMeasured() throws Exception {
        StringWriter output = new StringWriter();
        ProcessReplicaLag.Setup setup = new ProcessReplicaLag.Setup(1, true, "256m", 4, null, dir.resolve("jfr"), Duration.ofMillis(1),
                Duration.ofMillis(500));

        ProcessReplicaLag.Result r = new ProcessReplicaLag(setup, new PrintWriter(output, true)).run(Duration.ZERO, Duration.ofSeconds(1),
                0.5, OptionalDouble.of(40), Duration.ofMillis(300), Duration.ofSeconds(2));

        assertThat(r.maxRate()).isPositive();
        assertThat(r.targetRate()).isEqualTo(40);
        assertThat(r.achievedRate()).isPositive();
        assertThat(r.measured()).isPositive();
        assertThat(r.unseen()).as("paced transactions the replica never showed").isZero();
        assertThat(r.p50Ms()).isPositive();
        assertThat(r.p99Ms()).isGreaterThanOrEqualTo(r.p50Ms());
        assertThat(r.maxMs()).isGreaterThanOrEqualTo(r.p99Ms());
        assertThat(r.polls()).isPositive();
        assertThat(r.pollRoundTripP50Ms()).isPositive();
        assertThat(r.replicaLeader()).isEqualTo("b1");

        ProcessReplicaLag.Cpu cpu = r.cpu();
        assertThat(cpu.perServer()).containsOnlyKeys("a1", "b1");
        assertThat(cpu.clusterANanos()).isPositive();
        assertThat(cpu.clusterBNanos()).isPositive();
        assertThat(cpu.committed()).isPositive();
        assertThat(cpu.replicated()).isPositive();
        assertThat(cpu.aMsPerCommitted()).isPositive();
        assertThat(cpu.bMsPerReplicated()).isPositive();
        assertThat(cpu.ratio()).isPositive();
        assertThat(r.baseline()).isNotNull();
        assertThat(r.baseline().readerPollsPerSecond()).isPositive();
        assertThat(r.recordings()).extracting(p -> p.getFileName().toString())
                .containsExactlyInAnyOrder("a1.jfr", "b1.jfr", "bench-client.jfr");
        assertThat(r.recordings()).allSatisfy(p -> assertThat(p).isNotEmptyFile());
        assertThat(output.toString()).contains("replica 'neo4j-replica' created in cluster b").contains("upstream maximum through the driver")
                .contains("ms per replicated transaction").contains("  a1 pid ").contains("  b1 pid ");
    }
}
