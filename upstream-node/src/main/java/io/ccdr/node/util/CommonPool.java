package io.ccdr.node.util;

/**
 * The JDK's common fork-join pool, sized before anything starts it.
 *
 * <p>{@code CompletableFuture}'s {@code *Async} methods without an executor run on the common pool
 * only when its parallelism is above 1. Its default is the number of cores minus one, so on a
 * 2-core machine it is 1, and the JDK then starts <em>a new thread for every such task</em>. Ratis
 * does this on each log append ({@code thenComposeAsync} in the follower's append path): measured
 * on 2 cores, 14 % of a follower's CPU went into starting those threads (docs/benchmarks.md).
 *
 * <p>The price: the pool is bounded, so nothing may block in it for long. ccdr's own blocking work
 * runs on executors of its own (e.g. {@code EmbeddedCluster} starts each server on its own thread).
 */
public final class CommonPool {
    static final String PARALLELISM = "java.util.concurrent.ForkJoinPool.common.parallelism";

    private CommonPool() {
    }

    /**
     * Gives the common pool at least 2 threads unless the JVM was told otherwise. Effective only
     * when called before the pool is first used: first thing in {@code main}.
     */
    public static void ensureParallelism() {
        if (System.getProperty(PARALLELISM) == null) {
            System.setProperty(PARALLELISM, String.valueOf(Math.max(2, Runtime.getRuntime().availableProcessors() - 1)));
        }
    }
}
