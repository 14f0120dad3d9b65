package io.ccdr.node.raft;

import org.apache.ratis.metrics.LongCounter;
import org.apache.ratis.metrics.MetricRegistries;
import org.apache.ratis.metrics.MetricRegistryInfo;
import org.apache.ratis.metrics.RatisMetricRegistry;
import org.apache.ratis.metrics.Timekeeper;
import org.apache.ratis.util.TimeDuration;

import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Ratis's metrics, discarded. Ratis times and counts every append, request and gRPC message
 * through its {@link MetricRegistries} service; with its default (Dropwizard) implementation that
 * cost ~5 % of a leader's CPU under a driver write load (decaying-reservoir timers on every
 * append, see {@code docs/benchmarks.md}), for figures ccdr never exports. ccdr reports the Raft
 * state operators need (applied index, term, leader, lag) through its own Micrometer meters
 * ({@code io.ccdr.metrics}), so this registry keeps nothing. Registered as the
 * {@code org.apache.ratis.metrics.MetricRegistries} service of this module.
 */
public final class DiscardingRaftMetrics extends MetricRegistries {
    private static final Timekeeper.Context NO_TIME = () -> 0L;
    private static final Timekeeper NO_TIMER = () -> NO_TIME;
    private static final LongCounter NO_COUNTER = new LongCounter() {
        @Override
        public void inc(long n) {
        }

        @Override
        public void dec(long n) {
        }

        @Override
        public long getCount() {
            return 0;
        }
    };

    @Override
    public void clear() {
    }

    @Override
    public RatisMetricRegistry create(MetricRegistryInfo info) {
        return new Discarding(info);
    }

    @Override
    public boolean remove(MetricRegistryInfo info) {
        return false;
    }

    @Override
    public Optional<RatisMetricRegistry> get(MetricRegistryInfo info) {
        return Optional.empty();
    }

    @Override
    public Set<MetricRegistryInfo> getMetricRegistryInfos() {
        return Set.of();
    }

    @Override
    public Collection<RatisMetricRegistry> getMetricRegistries() {
        return List.of();
    }

    @Override
    public void addReporterRegistration(Consumer<RatisMetricRegistry> onAdd, Consumer<RatisMetricRegistry> onRemove) {
    }

    @Override
    public void enableJmxReporter() {
    }

    @Override
    public void enableConsoleReporter(TimeDuration period) {
    }

    private record Discarding(MetricRegistryInfo info) implements RatisMetricRegistry {
        @Override
        public Timekeeper timer(String name) {
            return NO_TIMER;
        }

        @Override
        public LongCounter counter(String name) {
            return NO_COUNTER;
        }

        @Override
        public boolean remove(String name) {
            return false;
        }

        @Override
        public <T> void gauge(String name, Supplier<Supplier<T>> gauge) {
        }

        @Override
        public MetricRegistryInfo getMetricRegistryInfo() {
            return info;
        }
    }
}
