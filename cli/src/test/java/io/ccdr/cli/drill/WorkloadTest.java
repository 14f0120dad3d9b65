package io.ccdr.cli.drill;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WorkloadTest {
    @Test
    void anIdleWorkloadSeesTheWholeWindowAsUnavailable() {
        Workload w = new Workload(1, 10);
        assertThat(w.longestGapMillis(0, 2_000_000_000L)).isEqualTo(2000);
        assertThat(w.firstAckSince(0)).isEmpty();
        assertThat(w.ackedCount()).isZero();
    }

    @Test
    void rateAndThreadsMustBePositive() {
        assertThatThrownBy(() -> new Workload(0, 10)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Workload(1, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
