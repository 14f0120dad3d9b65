package io.ccdr.node;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Bounded waiting on a condition, for tests that need time to pass. */
public final class Eventually {
    private Eventually() {
    }

    public static void eventually(Duration timeout, String what, BooleanSupplier condition) {
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end) {
            try {
                if (condition.getAsBoolean()) {
                    return;
                }
            } catch (RuntimeException e) {
                // not yet
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting for: " + what);
            }
        }
        if (!condition.getAsBoolean()) {
            throw new AssertionError("timed out after " + timeout.toSeconds() + " s waiting for: " + what);
        }
    }
}
