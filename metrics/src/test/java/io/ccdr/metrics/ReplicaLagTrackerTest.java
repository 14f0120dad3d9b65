package io.ccdr.metrics;

import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The lag contract, event by event, on a hand-driven clock. */
class ReplicaLagTrackerTest {
    /** Local clock; the upstream's clock is {@code SKEW} ms behind it. */
    private static final class ManualClock extends Clock {
        long millis = 1_000_000;

        @Override public ZoneOffset getZone() { return ZoneOffset.UTC; }
        @Override public Clock withZone(java.time.ZoneId zone) { return this; }
        @Override public Instant instant() { return Instant.ofEpochMilli(millis); }
        @Override public long millis() { return millis; }
        void advance(long ms) { millis += ms; }
    }

    private static final long SKEW = 5_000; // upstream clock runs 5 s behind ours
    private final ManualClock clock = new ManualClock();
    private final ReplicaLagTracker lag = new ReplicaLagTracker(clock, 10, Duration.ofSeconds(3));

    private long upstreamNow() {
        return clock.millis - SKEW;
    }

    @Test
    void unknownBeforeFirstContact() {
        assertThat(lag.lagSeconds()).isNaN();
        assertThat(lag.upstreamLastCommittedTxId()).isEqualTo(-1);
        assertThat(lag.appliedTxId()).isEqualTo(10);
    }

    @Test
    void idleUpstreamIsZeroAndStaysZero() {
        lag.onUpstreamPosition(10, upstreamNow());
        assertThat(lag.lagSeconds()).isZero();
        for (int i = 0; i < 100; i++) { // 100 s of heartbeats, no transactions
            clock.advance(1_000);
            lag.onUpstreamPosition(10, upstreamNow());
            assertThat(lag.lagSeconds()).isZero();
        }
    }

    @Test
    void behindIsTheAgeOfTheOldestUnappliedTransactionCorrectedForSkew() {
        lag.onUpstreamPosition(10, upstreamNow());
        lag.onReceived(11, upstreamNow() - 200); // committed upstream 200 ms ago
        clock.advance(300);
        lag.onReceived(12, upstreamNow());
        assertThat(lag.upstreamLastCommittedTxId()).isEqualTo(12);
        assertThat(lag.lagSeconds()).isCloseTo(0.5, within(1e-9));
        lag.onApplied(11);
        assertThat(lag.lagSeconds()).isCloseTo(0.001, within(1e-9)); // 12 committed just now: >0, not 0
        clock.advance(1_000);
        assertThat(lag.lagSeconds()).isCloseTo(1.0, within(1e-9));
        lag.onApplied(12);
        assertThat(lag.lagSeconds()).isZero();
    }

    @Test
    void linkDownNeverReadsZeroAndGrows() {
        lag.onUpstreamPosition(10, upstreamNow());
        clock.advance(1_000);
        lag.onUpstreamPosition(10, upstreamNow()); // caught up, confirmed at t0+1s
        lag.onDisconnected();
        assertThat(lag.lagSeconds()).isPositive();
        clock.advance(10_000);
        assertThat(lag.lagSeconds()).isCloseTo(10.0, within(1e-9));
        clock.advance(50_000);
        assertThat(lag.lagSeconds()).isCloseTo(60.0, within(1e-9));
        // reconnect: still caught up, lag back to 0
        lag.onUpstreamPosition(10, upstreamNow());
        assertThat(lag.lagSeconds()).isZero();
    }

    @Test
    void silenceBeyondTheHeartbeatTimeoutCountsAsDown() {
        lag.onUpstreamPosition(10, upstreamNow());
        clock.advance(3_000);
        assertThat(lag.lagSeconds()).isZero(); // within the timeout
        clock.advance(1_000);
        assertThat(lag.lagSeconds()).isCloseTo(4.0, within(1e-9));
    }

    @Test
    void behindByTransactionsNotReceivedReportsTheWorstCaseWithoutDipping() {
        lag.onUpstreamPosition(10, upstreamNow()); // caught up at t0
        lag.onDisconnected();
        clock.advance(30_000);
        assertThat(lag.lagSeconds()).isCloseTo(30.0, within(1e-9));
        // reconnect: the upstream announces 20 transactions we have not received yet; no dip to ~0
        lag.onUpstreamPosition(30, upstreamNow());
        assertThat(lag.lagSeconds()).isCloseTo(30.0, within(1e-9));
        clock.advance(500);
        // the backlog arrives: now the exact age of txId 11, committed 25 s after t0
        lag.onReceived(11, upstreamNow() - 5_500);
        assertThat(lag.lagSeconds()).isCloseTo(5.5, within(1e-9));
        for (long tx = 12; tx <= 30; tx++) {
            lag.onReceived(tx, upstreamNow());
        }
        lag.onApplied(30);
        assertThat(lag.lagSeconds()).isZero();
    }

    @Test
    void catchingUpWhileTheLinkIsDownIsCaughtUpOnlyAsOfTheLastContact() {
        lag.onUpstreamPosition(10, upstreamNow());
        lag.onReceived(11, upstreamNow());
        lag.onReceived(12, upstreamNow());
        long lastContact = clock.millis;
        lag.onDisconnected();
        clock.advance(2_000);
        lag.onApplied(12); // applied everything we had, but the upstream may have moved on
        clock.advance(3_000);
        assertThat(lag.lagSeconds()).isCloseTo((clock.millis - lastContact) / 1000.0, within(1e-9));
    }

    @Test
    void catchUpEstimator() {
        CatchUpEstimator eta = new CatchUpEstimator(1_000_000_000L, 30_000_000_000L);
        long t = 0;
        eta.observe(0, t);
        assertThat(eta.etaSeconds(100, t)).isNaN();
        assertThat(eta.etaSeconds(0, t)).isZero();
        for (int i = 1; i <= 10; i++) {
            t += 1_000_000_000L;
            eta.observe(i * 50L, t); // 50 tx/s
        }
        assertThat(eta.etaSeconds(500, t)).isCloseTo(10.0, within(1e-6));
        eta.observe(500, t + 100); // too close to the last sample: ignored
        assertThat(eta.etaSeconds(500, t)).isCloseTo(10.0, within(1e-6));
        // stalled for longer than the half-life: no meaningful estimate
        assertThat(eta.etaSeconds(500, t + 31_000_000_000L)).isNaN();
    }

    @Test
    void catchUpEstimateCountsWhatTheUpstreamCommitsMeanwhile() {
        CatchUpEstimator eta = new CatchUpEstimator(1_000_000_000L, 30_000_000_000L);
        long t = 0;
        eta.observe(0, t);
        eta.observeUpstream(10_000, t);
        for (int i = 1; i <= 10; i++) {
            t += 1_000_000_000L;
            eta.observe(i * 8_000L, t); // applies 8,000 tx/s
            eta.observeUpstream(10_000 + i * 6_000L, t); // while the upstream commits 6,000 tx/s
        }
        long lag = 10_000; // the ETA is lag / (apply rate - upstream rate) = 10,000 / 2,000
        assertThat(eta.etaSeconds(lag, t)).as("10,000 behind, gaining 2,000 a second").isCloseTo(5.0, within(1e-6));
        CatchUpEstimator losing = new CatchUpEstimator(1_000_000_000L, 30_000_000_000L);
        losing.observe(0, 0);
        losing.observeUpstream(0, 0);
        losing.observe(1_000, 1_000_000_000L);
        losing.observeUpstream(2_000, 1_000_000_000L);
        assertThat(losing.etaSeconds(1_000, 1_000_000_000L)).as("falling behind: no ETA").isNaN();
    }
}
