package io.ccdr.metrics;

import java.net.InetSocketAddress;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Metrics settings, named as in Neo4j 5 so that an operator's {@code neo4j.conf} habits carry over.
 *
 * <table>
 *   <caption>Settings</caption>
 *   <tr><th>setting</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>{@code server.metrics.enabled}</td><td>{@code true}</td>
 *       <td>collect metrics at all; {@code false} makes every meter a no-op</td></tr>
 *   <tr><td>{@code server.metrics.prometheus.enabled}</td><td>{@code false}</td>
 *       <td>open the HTTP endpoint: {@code /metrics} in the Prometheus text format and the health endpoints.
 *       Off by default as in Neo4j: an optional endpoint on a fixed port must not be what stops the second
 *       server on a host from starting. Deployments that watch replication lag (they all should) turn it on,
 *       as the sandbox, the drills and the runbooks do.</td></tr>
 *   <tr><td>{@code server.metrics.prometheus.endpoint}</td><td>{@code localhost:2004}</td>
 *       <td>{@code host:port} the HTTP endpoint binds to when enabled; {@code [::1]:2004} for IPv6 literals,
 *       {@code :2004} for localhost; port 0 picks a free port (tests)</td></tr>
 *   <tr><td>{@code server.metrics.prefix}</td><td>{@code neo4j}</td>
 *       <td>prefix of every ccdr meter name ({@code <prefix>.database.transaction.committed}); dashboards and
 *       alert rules shipped with ccdr assume {@code neo4j}</td></tr>
 * </table>
 *
 * @param enabled            {@code server.metrics.enabled}
 * @param prometheusEnabled  {@code server.metrics.prometheus.enabled}
 * @param endpointHost       host part of {@code server.metrics.prometheus.endpoint}
 * @param endpointPort       port part of {@code server.metrics.prometheus.endpoint}, 0..65535
 * @param prefix             {@code server.metrics.prefix}
 */
public record MetricsConfig(boolean enabled, boolean prometheusEnabled, String endpointHost, int endpointPort,
                            String prefix) {

    public static final String ENABLED = "server.metrics.enabled";
    public static final String PROMETHEUS_ENABLED = "server.metrics.prometheus.enabled";
    public static final String PROMETHEUS_ENDPOINT = "server.metrics.prometheus.endpoint";
    public static final String PREFIX = "server.metrics.prefix";

    public static final String DEFAULT_ENDPOINT = "localhost:2004";
    public static final String DEFAULT_PREFIX = "neo4j";

    /**
     * Dot-separated words of letters, digits and underscores, starting with a letter: it must survive Micrometer's
     * Prometheus naming convention unchanged (dots become underscores) and match what the shipped dashboards use.
     */
    private static final Pattern PREFIX_PATTERN = Pattern.compile("[A-Za-z][A-Za-z0-9_]*(\\.[A-Za-z][A-Za-z0-9_]*)*");
    private static final Pattern HOST_PATTERN = Pattern.compile("[A-Za-z0-9._-]{1,253}");

    private static final Set<String> NAMES = Set.of(ENABLED, PROMETHEUS_ENABLED, PROMETHEUS_ENDPOINT, PREFIX);

    public MetricsConfig {
        Objects.requireNonNull(endpointHost, "endpointHost");
        Objects.requireNonNull(prefix, "prefix");
        if (endpointPort < 0 || endpointPort > 65535) {
            throw new IllegalArgumentException("endpoint port out of range 0..65535: " + endpointPort);
        }
        if (!PREFIX_PATTERN.matcher(prefix).matches() || prefix.length() > 64) {
            throw new IllegalArgumentException("invalid metrics prefix '" + prefix + "'");
        }
    }

    /** The defaults: meters on, the HTTP endpoint off (as in Neo4j), {@code localhost:2004}, prefix {@code neo4j}. */
    public static MetricsConfig defaults() {
        return parse(Map.of());
    }

    /** The setting names this record reads; any other key in the map given to {@link #parse} is ignored. */
    public static Set<String> settingNames() {
        return NAMES;
    }

    /**
     * Reads the metrics settings from a server configuration map (which may hold any other settings too).
     *
     * @throws IllegalArgumentException naming the setting and the offending value when a value is malformed
     */
    public static MetricsConfig parse(Map<String, String> settings) {
        Objects.requireNonNull(settings, "settings");
        boolean enabled = parseBoolean(settings, ENABLED, true);
        boolean prometheus = parseBoolean(settings, PROMETHEUS_ENABLED, false);
        String endpoint = value(settings, PROMETHEUS_ENDPOINT, DEFAULT_ENDPOINT);
        String prefix = value(settings, PREFIX, DEFAULT_PREFIX);
        if (!PREFIX_PATTERN.matcher(prefix).matches() || prefix.length() > 64) {
            throw invalid(PREFIX, prefix, "expected dot-separated words of letters, digits and '_', starting with a letter");
        }
        String host;
        String portText;
        if (endpoint.startsWith("[")) {
            int close = endpoint.indexOf(']');
            if (close < 0 || close + 1 >= endpoint.length() || endpoint.charAt(close + 1) != ':') {
                throw invalid(PROMETHEUS_ENDPOINT, endpoint, "expected [ipv6]:port");
            }
            host = endpoint.substring(1, close);
            portText = endpoint.substring(close + 2);
            if (host.isEmpty() || !host.matches("[0-9A-Fa-f:.%a-zA-Z]+")) {
                throw invalid(PROMETHEUS_ENDPOINT, endpoint, "invalid IPv6 literal");
            }
        } else {
            int colon = endpoint.lastIndexOf(':');
            if (colon < 0 || endpoint.indexOf(':') != colon) {
                throw invalid(PROMETHEUS_ENDPOINT, endpoint, "expected host:port");
            }
            host = colon == 0 ? "localhost" : endpoint.substring(0, colon);
            portText = endpoint.substring(colon + 1);
            if (!HOST_PATTERN.matcher(host).matches()) {
                throw invalid(PROMETHEUS_ENDPOINT, endpoint, "invalid host '" + host + "'");
            }
        }
        int port;
        try {
            port = Integer.parseInt(portText);
        } catch (NumberFormatException e) {
            throw invalid(PROMETHEUS_ENDPOINT, endpoint, "port is not a number");
        }
        if (port < 0 || port > 65535) {
            throw invalid(PROMETHEUS_ENDPOINT, endpoint, "port out of range 0..65535");
        }
        return new MetricsConfig(enabled, prometheus, host, port, prefix);
    }

    /** {@code true} when {@code /metrics} should be served: metrics on and the Prometheus exposition on. */
    public boolean prometheusServed() {
        return enabled && prometheusEnabled;
    }

    /**
     * {@code true} when the HTTP endpoint is opened at all: {@code server.metrics.prometheus.enabled}. It carries the
     * health endpoints too, which are answered even with {@code server.metrics.enabled=false} (then {@code /metrics}
     * is 404), so a load balancer's probes do not depend on meters being collected.
     */
    public boolean endpointEnabled() {
        return prometheusEnabled;
    }

    /** The (unresolved until bind) socket address of the HTTP endpoint. */
    public InetSocketAddress endpoint() {
        return new InetSocketAddress(endpointHost, endpointPort);
    }

    /** The endpoint as it would be written in the configuration, e.g. {@code localhost:2004}. */
    public String endpointText() {
        return (endpointHost.indexOf(':') >= 0 ? "[" + endpointHost + "]" : endpointHost) + ":" + endpointPort;
    }

    private static String value(Map<String, String> settings, String key, String dflt) {
        String v = settings.get(key);
        if (v == null) {
            return dflt;
        }
        v = v.trim();
        if (v.isEmpty()) {
            throw invalid(key, v, "empty value");
        }
        return v;
    }

    private static boolean parseBoolean(Map<String, String> settings, String key, boolean dflt) {
        String v = value(settings, key, Boolean.toString(dflt));
        return switch (v.toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw invalid(key, v, "expected true or false");
        };
    }

    private static IllegalArgumentException invalid(String key, String value, String why) {
        return new IllegalArgumentException("Invalid value '" + value + "' for setting '" + key + "': " + why);
    }
}
