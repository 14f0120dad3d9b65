package io.ccdr.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.DoubleSupplier;

/**
 * The meters of one binding (one database, one replica, one SSL policy), so that {@link #close()} removes exactly
 * those from the registry when the database is dropped. Gauges read their source at scrape time; a source that
 * throws yields NaN for that scrape (logged once per gauge) rather than breaking the whole scrape.
 */
final class BoundMeters implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(BoundMeters.class);

    private final Metrics metrics;
    private final String key;
    private final Tags tags;
    private final List<Meter> meters = new ArrayList<>();
    private final AtomicBoolean closed = new AtomicBoolean();

    BoundMeters(Metrics metrics, String key, Tags tags) {
        this.metrics = metrics;
        this.key = key;
        this.tags = tags;
        metrics.claim(key);
    }

    private MeterRegistry registry() {
        return metrics.registry();
    }

    synchronized Gauge gauge(String relativeName, String description, String baseUnit, Tags extra,
                             DoubleSupplier value) {
        AtomicBoolean warned = new AtomicBoolean();
        String name = metrics.name(relativeName);
        Gauge g = Gauge.builder(name, () -> {
                    try {
                        return value.getAsDouble();
                    } catch (RuntimeException e) {
                        if (warned.compareAndSet(false, true)) {
                            LOG.warn("Metric source for {} {} failed; reporting NaN: {}", name, tags, e.toString());
                        }
                        return Double.NaN;
                    }
                })
                .description(description).baseUnit(baseUnit).tags(tags).tags(extra)
                .register(registry());
        meters.add(g);
        return g;
    }

    Gauge gauge(String relativeName, String description, DoubleSupplier value) {
        return gauge(relativeName, description, null, Tags.empty(), value);
    }

    synchronized Counter counter(String relativeName, String description, String baseUnit, Tags extra) {
        Counter c = Counter.builder(metrics.name(relativeName)).description(description).baseUnit(baseUnit)
                .tags(tags).tags(extra).register(registry());
        meters.add(c);
        return c;
    }

    Counter counter(String relativeName, String description) {
        return counter(relativeName, description, null, Tags.empty());
    }

    synchronized Timer timer(String relativeName, String description, Duration[] buckets) {
        Timer t = Timer.builder(metrics.name(relativeName)).description(description).tags(tags)
                .serviceLevelObjectives(buckets)
                .register(registry());
        meters.add(t);
        return t;
    }

    boolean isClosed() {
        return closed.get();
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        synchronized (this) {
            for (Meter m : meters) {
                registry().remove(m);
            }
            meters.clear();
        }
        metrics.release(key);
    }
}
