package io.ccdr.cli.console;

import java.io.PrintWriter;
import java.util.Locale;

/**
 * Progress of a long operation (a catch-up, a copy) towards a moving target: on a terminal one
 * redrawn bar with rate and ETA, otherwise a plain line at most every {@code interval}, so logs and
 * scripts get readable lines rather than carriage returns.
 */
public final class Progress {
    private static final int WIDTH = 30;
    private final PrintWriter out;
    private final String what;
    private final String unit;
    private final boolean terminal;
    private final long intervalNanos;
    private final long startNanos = System.nanoTime();
    private long startDone = -1;
    private long lastPrintNanos;
    private boolean drawn;

    public Progress(PrintWriter out, String what, String unit, boolean terminal, java.time.Duration interval) {
        this.out = out;
        this.what = what;
        this.unit = unit;
        this.terminal = terminal;
        this.intervalNanos = interval.toNanos();
    }

    /** A progress line for this process's standard output: a bar when it is a terminal. */
    public static Progress forConsole(PrintWriter out, String what, String unit) {
        boolean terminal = System.console() != null;
        return new Progress(out, what, unit, terminal, java.time.Duration.ofMillis(terminal ? 200 : 1000));
    }

    /** Reports {@code done} of {@code total} (the target may move); prints only when the interval has passed. */
    public void update(long done, long total) {
        long now = System.nanoTime();
        if (startDone < 0) {
            startDone = done;
        }
        if (drawn && now - lastPrintNanos < intervalNanos) {
            return;
        }
        lastPrintNanos = now;
        drawn = true;
        String line = line(done, total, (now - startNanos) / 1e9);
        if (terminal) {
            out.print("\r" + line + "   ");
        } else {
            out.println(line);
        }
        out.flush();
    }

    /** Ends a terminal bar's line. */
    public void finish() {
        if (terminal && drawn) {
            out.println();
            out.flush();
        }
    }

    String line(long done, long total, double seconds) {
        double rate = seconds > 0 ? (done - startDone) / seconds : 0;
        long left = Math.max(0, total - done);
        String eta = left == 0 ? "0s" : rate > 0 ? Math.round(left / rate) + "s" : "?";
        double fraction = total <= 0 ? 1 : Math.min(1, Math.max(0, (double) done / total));
        int filled = (int) Math.round(fraction * WIDTH);
        String bar = terminal ? "[" + "#".repeat(filled) + ".".repeat(WIDTH - filled) + "] " : "";
        return String.format(Locale.ROOT, "      %s%s: %d/%d %s (%d behind), %.0f %s/s, ETA %s", bar, what, done, total, unit, left, rate, unit, eta);
    }
}
