package io.ccdr.cli.faults;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.EnumSet;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FaultPlanTest {
    private static final List<String> SERVERS = List.of("a1", "a2", "a3", "b1", "b2", "b3");

    @Test
    void theSeedFixesThePlan() {
        FaultPlan one = FaultPlan.generate(42, Duration.ofSeconds(120), EnumSet.allOf(FaultPlan.Kind.class), SERVERS);
        FaultPlan two = FaultPlan.generate(42, Duration.ofSeconds(120), EnumSet.allOf(FaultPlan.Kind.class), SERVERS);
        FaultPlan other = FaultPlan.generate(43, Duration.ofSeconds(120), EnumSet.allOf(FaultPlan.Kind.class), SERVERS);
        assertThat(one).isEqualTo(two);
        assertThat(one.describe()).isEqualTo(two.describe());
        assertThat(other.faults()).isNotEqualTo(one.faults());
    }

    @Test
    void faultsFollowOneAnotherAndHealBeforeTheEnd() {
        for (long seed = 1; seed <= 50; seed++) {
            FaultPlan plan = FaultPlan.generate(seed, Duration.ofSeconds(60), EnumSet.allOf(FaultPlan.Kind.class), SERVERS);
            assertThat(plan.faults()).isNotEmpty();
            long previousEnd = 0;
            for (FaultPlan.Fault f : plan.faults()) {
                assertThat(f.at().toMillis()).isGreaterThanOrEqualTo(previousEnd + (previousEnd == 0 ? 3_000 : 2_000));
                previousEnd = f.at().plus(f.hold()).toMillis();
                assertThat(previousEnd).isLessThanOrEqualTo(60_000);
                assertThat(f.server() != null).isEqualTo(f.kind() == FaultPlan.Kind.KILL || f.kind() == FaultPlan.Kind.PAUSE);
                if (f.server() != null) {
                    assertThat(SERVERS).contains(f.server());
                }
            }
        }
    }

    @Test
    void onlyTheNamedFaultsAreChosen() {
        FaultPlan plan = FaultPlan.generate(7, Duration.ofSeconds(300), FaultPlan.kinds("pause"), SERVERS);
        assertThat(plan.faults()).extracting(FaultPlan.Fault::kind).containsOnly(FaultPlan.Kind.PAUSE);
        assertThat(FaultPlan.kinds("kill, link")).containsExactlyInAnyOrder(FaultPlan.Kind.KILL, FaultPlan.Kind.CUT, FaultPlan.Kind.BLACKHOLE);
        assertThatThrownBy(() -> FaultPlan.kinds("kill,disk")).hasMessageContaining("unknown fault 'disk'");
        assertThatThrownBy(() -> FaultPlan.kinds(",")).hasMessageContaining("names no fault");
    }

    @Test
    void durationsReadAsOperatorsWriteThem() {
        assertThat(FaultsCommand.parseDuration("90s")).isEqualTo(Duration.ofSeconds(90));
        assertThat(FaultsCommand.parseDuration("2m")).isEqualTo(Duration.ofMinutes(2));
        assertThat(FaultsCommand.parseDuration("1m30s")).isEqualTo(Duration.ofSeconds(90));
        assertThat(FaultsCommand.parseDuration("45")).isEqualTo(Duration.ofSeconds(45));
        assertThatThrownBy(() -> FaultsCommand.parseDuration("5s")).hasMessageContaining("shorter than 10 s");
        assertThatThrownBy(() -> FaultsCommand.parseDuration("soon")).hasMessageContaining("not a duration");
    }
}
