package io.ccdr.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The server's one metrics registry: a Prometheus registry with Micrometer's JVM and process binders and the ccdr
 * meters ({@link DatabaseMetrics}, {@link ReplicaMetrics}, {@link BoltMetrics}, {@link CertificateExpiryMetrics})
 * named under the configured prefix.
 *
 * <p>The prefix applies to ccdr's own meters only. JVM and process meters keep Micrometer's standard names
 * ({@code jvm_memory_used_bytes}, {@code process_cpu_usage}, {@code system_cpu_count}…) so that stock JVM dashboards
 * and alerts work unchanged; ccdr meters stay unambiguous through their prefix.
 *
 * <p>With {@code server.metrics.enabled=false} the registry denies every meter: binders still work (the server needs
 * no special cases) but register nothing, and a scrape is empty.
 */
public final class Metrics implements AutoCloseable {
    private final MetricsConfig config;
    private final PrometheusMeterRegistry registry;
    private final List<AutoCloseable> closeableBinders = new ArrayList<>();
    /** Keys of live bindings ("database/neo4j", …), so that a second bind of the same thing fails loudly. */
    private final Set<String> bound = ConcurrentHashMap.newKeySet();

    private Metrics(MetricsConfig config) {
        this.config = Objects.requireNonNull(config, "config");
        this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        if (!config.enabled()) {
            registry.config().meterFilter(MeterFilter.deny());
            return;
        }
        List<MeterBinder> binders = List.of(new JvmMemoryMetrics(), new JvmGcMetrics(), new JvmThreadMetrics(),
                new ClassLoaderMetrics(), new ProcessorMetrics(), new UptimeMetrics(), new FileDescriptorMetrics());
        for (MeterBinder binder : binders) {
            binder.bindTo(registry);
            if (binder instanceof AutoCloseable c) {
                closeableBinders.add(c); // JvmGcMetrics holds GC notification listeners
            }
        }
    }

    /** Creates the registry for these settings and binds the JVM and process meters (when enabled). */
    public static Metrics create(MetricsConfig config) {
        return new Metrics(config);
    }

    public MetricsConfig config() {
        return config;
    }

    /** The registry, for meters a component wants beyond the ones ccdr defines. */
    public MeterRegistry registry() {
        return registry;
    }

    /** The full Micrometer name of a ccdr meter: {@code <prefix>.<relativeName>}, see {@link MeterNames}. */
    public String name(String relativeName) {
        return config.prefix() + "." + relativeName;
    }

    /** All meters in the Prometheus text exposition format 0.0.4. */
    public String scrape() {
        return registry.scrape();
    }

    void claim(String key) {
        if (!bound.add(key)) {
            throw new IllegalStateException("metrics already bound for " + key + "; close the previous binding first");
        }
    }

    void release(String key) {
        bound.remove(key);
    }

    @Override
    public void close() {
        for (AutoCloseable c : closeableBinders) {
            try {
                c.close();
            } catch (Exception ignored) {
                // best effort: nothing useful to do with a failing listener removal at shutdown
            }
        }
        registry.close();
    }
}
