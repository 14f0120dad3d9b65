package io.ccdr.cli.bench;

import java.util.Arrays;

/** Collects latencies in microseconds, or other samples (one recorder per thread, merged at the end). */
final class LatencyRecorder {
    private long[] samples = new long[1 << 14];
    private int count;

    void record(long micros) {
        if (count == samples.length) {
            samples = Arrays.copyOf(samples, samples.length * 2);
        }
        samples[count++] = micros;
    }

    int count() {
        return count;
    }

    static long[] merge(Iterable<LatencyRecorder> recorders) {
        int total = 0;
        for (LatencyRecorder r : recorders) {
            total += r.count;
        }
        long[] all = new long[total];
        int at = 0;
        for (LatencyRecorder r : recorders) {
            System.arraycopy(r.samples, 0, all, at, r.count);
            at += r.count;
        }
        Arrays.sort(all);
        return all;
    }

    static double percentileMillis(long[] sorted, double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        return percentile(sorted, p) / 1000.0;
    }

    /** The nearest-rank percentile of sorted samples, or -1 when there are none. */
    static long percentile(long[] sorted, double p) {
        if (sorted.length == 0) {
            return -1;
        }
        int i = (int) Math.min(sorted.length - 1, Math.ceil(p / 100.0 * sorted.length) - 1);
        return sorted[Math.max(0, i)];
    }
}
