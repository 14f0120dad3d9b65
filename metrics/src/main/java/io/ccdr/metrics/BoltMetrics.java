package io.ccdr.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

/**
 * Bolt server meters: connections, query latency and failures by Neo4j status code. One per server; the Bolt
 * server calls the record methods from its I/O threads (all are lock-free after the first failure of a code).
 */
public final class BoltMetrics implements AutoCloseable {
    /** Failure codes are tag values: at most this many distinct ones, the rest are counted as {@value #OTHER}. */
    static final int MAX_STATUS_CODES = 200;
    static final String OTHER = "other";
    private static final Pattern STATUS = Pattern.compile("Neo\\.[A-Za-z]+\\.[A-Za-z]+\\.[A-Za-z]+");

    private final BoundMeters meters;
    private final Counter opened;
    private final Counter closed;
    private final AtomicLong running = new AtomicLong();
    private final Timer queryLatency;
    private final ConcurrentMap<String, Counter> failures = new ConcurrentHashMap<>();

    private BoltMetrics(Metrics metrics) {
        meters = new BoundMeters(metrics, "bolt", Tags.empty());
        try {
            opened = meters.counter(MeterNames.BOLT_CONNECTIONS_OPENED, "Bolt connections accepted");
            closed = meters.counter(MeterNames.BOLT_CONNECTIONS_CLOSED, "Bolt connections closed");
            meters.gauge(MeterNames.BOLT_CONNECTIONS_RUNNING, "Bolt connections open", running::get);
            queryLatency = meters.timer(MeterNames.BOLT_QUERY_LATENCY, "Time from RUN until the result is consumed",
                    MeterNames.QUERY_BUCKETS);
        } catch (RuntimeException e) {
            meters.close();
            throw e;
        }
    }

    /** Registers the Bolt meters. @throws IllegalStateException if already bound on this registry */
    public static BoltMetrics bind(Metrics metrics) {
        return new BoltMetrics(Objects.requireNonNull(metrics, "metrics"));
    }

    public void connectionOpened() {
        opened.increment();
        running.incrementAndGet();
    }

    public void connectionClosed() {
        closed.increment();
        running.updateAndGet(v -> v > 0 ? v - 1 : 0);
    }

    public void recordQuery(Duration latency) {
        queryLatency.record(Names.nonNegative(latency));
    }

    /**
     * A request failed with {@code statusCode} ({@code Neo.ClientError.Statement.SyntaxError}…). Anything that is not
     * shaped like a Neo4j status code, and codes beyond the first {@value #MAX_STATUS_CODES}, count as
     * {@value #OTHER}: a tag value must never come from unbounded input.
     */
    public void recordFailure(String statusCode) {
        String code = statusCode != null && statusCode.length() <= 128 && STATUS.matcher(statusCode).matches()
                ? statusCode : OTHER;
        Counter c = failures.get(code);
        if (c == null) {
            if (meters.isClosed()) {
                return; // late failure on a connection that outlived the Bolt server's metrics
            }
            if (failures.size() >= MAX_STATUS_CODES) {
                code = OTHER;
            }
            c = failures.computeIfAbsent(code, k -> meters.counter(MeterNames.BOLT_FAILURES,
                    "Bolt requests failed, by status code", null, Tags.of(MeterNames.TAG_STATUS, k)));
        }
        c.increment();
    }

    @Override
    public void close() {
        meters.close();
    }
}
