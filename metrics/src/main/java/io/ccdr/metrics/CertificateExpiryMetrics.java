package io.ccdr.metrics;

import io.micrometer.core.instrument.Tags;

import java.time.Instant;
import java.util.Objects;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * {@value MeterNames#SSL_CERTIFICATE_EXPIRY} for one SSL policy (tag {@value MeterNames#TAG_POLICY}): the notAfter of
 * the certificate the policy currently serves, in seconds since the epoch. The supplier is read at every scrape,
 * so a reloaded certificate shows at once; it returns {@code null} when the policy has no certificate loaded
 * (the gauge then reads NaN).
 */
public final class CertificateExpiryMetrics implements AutoCloseable {
    private static final Pattern POLICY = Pattern.compile("[a-z][a-z0-9_.-]{0,62}");
    private final BoundMeters meters;

    private CertificateExpiryMetrics(Metrics metrics, String policy, Supplier<Instant> notAfter) {
        meters = new BoundMeters(metrics, "ssl/" + policy, Tags.of(MeterNames.TAG_POLICY, policy));
        meters.gauge(MeterNames.SSL_CERTIFICATE_EXPIRY, "Certificate notAfter, seconds since the epoch", () -> {
            Instant t = notAfter.get();
            return t == null ? Double.NaN : t.getEpochSecond();
        });
    }

    /** @param policy the {@code dbms.ssl.policy.<scope>} scope: {@code bolt}, {@code cluster}, {@code https}… */
    public static CertificateExpiryMetrics bind(Metrics metrics, String policy, Supplier<Instant> notAfter) {
        Objects.requireNonNull(metrics, "metrics");
        Objects.requireNonNull(notAfter, "notAfter");
        if (policy == null || !POLICY.matcher(policy).matches()) {
            throw new IllegalArgumentException("invalid SSL policy scope: '" + policy + "'");
        }
        return new CertificateExpiryMetrics(metrics, policy, notAfter);
    }

    @Override
    public void close() {
        meters.close();
    }
}
