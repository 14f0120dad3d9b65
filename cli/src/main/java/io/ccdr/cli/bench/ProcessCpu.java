package io.ccdr.cli.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

/**
 * CPU time of whole processes as the kernel accounts it: {@code utime + stime} from
 * {@code /proc/<pid>/stat} (fields 14 and 15, every thread of the process, including threads that
 * have ended), converted from clock ticks to nanoseconds. Resolution is one tick (10 ms at the usual
 * {@code USER_HZ} of 100) per process, so windows of a few seconds are needed for per-transaction
 * figures. Linux only.
 */
final class ProcessCpu {
    /** {@code getconf CLK_TCK}; 100 (Linux's USER_HZ on every mainstream architecture) if that cannot be run. */
    static final long TICKS_PER_SECOND = clockTicks();

    private ProcessCpu() {
    }

    /** The CPU time {@code pid} has used so far, or empty when it has no {@code /proc} entry (gone, or not Linux). */
    static OptionalLong nanos(long pid) {
        String stat;
        try {
            stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            return OptionalLong.empty();
        }
        return OptionalLong.of(parseTicks(stat) * (1_000_000_000L / TICKS_PER_SECOND));
    }

    /**
     * {@code utime + stime} in ticks from one {@code /proc/<pid>/stat} line. The second field, the
     * command name in parentheses, may itself hold blanks and parentheses, so fields are counted
     * from the last {@code ')'}: after it come field 3 (state) onwards.
     */
    static long parseTicks(String stat) {
        int close = stat.lastIndexOf(')');
        if (close < 0) {
            throw new IllegalArgumentException("not a /proc/<pid>/stat line: " + stat);
        }
        String[] f = stat.substring(close + 1).trim().split("\\s+");
        // f[0] is field 3 (state), so field n is f[n - 3]: utime = f[11], stime = f[12]
        if (f.length < 13) {
            throw new IllegalArgumentException("too few fields in /proc/<pid>/stat: " + stat);
        }
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    /** CPU nanoseconds of each named process now; a process without a {@code /proc} entry is left out. */
    static Map<String, Long> snapshot(Map<String, Long> pids) {
        Map<String, Long> out = new LinkedHashMap<>();
        pids.forEach((name, pid) -> nanos(pid).ifPresent(n -> out.put(name, n)));
        return out;
    }

    /** Per name, CPU nanoseconds used between two snapshots (names missing from either are left out). */
    static Map<String, Long> between(Map<String, Long> before, Map<String, Long> after) {
        Map<String, Long> out = new LinkedHashMap<>();
        before.forEach((name, b) -> {
            Long a = after.get(name);
            if (a != null) {
                out.put(name, a - b);
            }
        });
        return out;
    }

    private static long clockTicks() {
        try {
            Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
            String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
            if (p.waitFor(5, TimeUnit.SECONDS) && p.exitValue() == 0) {
                long ticks = Long.parseLong(text);
                if (ticks > 0 && 1_000_000_000L % ticks == 0) {
                    return ticks;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // fall through to the default
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 100;
    }
}
