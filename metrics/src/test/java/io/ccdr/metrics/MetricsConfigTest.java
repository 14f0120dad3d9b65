package io.ccdr.metrics;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MetricsConfigTest {

    @Test
    void defaults() {
        MetricsConfig c = MetricsConfig.parse(Map.of("unrelated.setting", "whatever"));
        // Neo4j's defaults: meters on, the Prometheus endpoint off
        assertThat(c).isEqualTo(new MetricsConfig(true, false, "localhost", 2004, "neo4j"));
        assertThat(c).isEqualTo(MetricsConfig.defaults());
        assertThat(c.endpointText()).isEqualTo("localhost:2004");
        assertThat(c.endpointEnabled()).isFalse();
        assertThat(c.prometheusServed()).isFalse();
        assertThat(MetricsConfig.settingNames()).containsExactlyInAnyOrder("server.metrics.enabled",
                "server.metrics.prometheus.enabled", "server.metrics.prometheus.endpoint", "server.metrics.prefix");
    }

    @Test
    void parsesEverySetting() {
        MetricsConfig c = MetricsConfig.parse(Map.of(
                "server.metrics.enabled", " TRUE ",
                "server.metrics.prometheus.enabled", "false",
                "server.metrics.prometheus.endpoint", "0.0.0.0:0",
                "server.metrics.prefix", "ccdr.dr"));
        assertThat(c).isEqualTo(new MetricsConfig(true, false, "0.0.0.0", 0, "ccdr.dr"));
        assertThat(c.prometheusServed()).isFalse();
        assertThat(c.endpointEnabled()).isFalse();
        MetricsConfig on = MetricsConfig.parse(Map.of("server.metrics.prometheus.enabled", "true"));
        assertThat(on.endpointEnabled()).isTrue();
        assertThat(on.prometheusServed()).isTrue();
        // meters off: the endpoint still opens for the health checks, /metrics is not served
        MetricsConfig metersOff = MetricsConfig.parse(Map.of("server.metrics.enabled", "false", "server.metrics.prometheus.enabled", "true"));
        assertThat(metersOff.endpointEnabled()).isTrue();
        assertThat(metersOff.prometheusServed()).isFalse();
    }

    @Test
    void endpointForms() {
        assertThat(endpoint("[::1]:2004")).isEqualTo(new MetricsConfig(true, false, "::1", 2004, "neo4j"));
        assertThat(endpoint("[::1]:2004").endpointText()).isEqualTo("[::1]:2004");
        assertThat(endpoint(":2005").endpointHost()).isEqualTo("localhost");
        assertThat(endpoint("metrics.example.com:65535").endpointPort()).isEqualTo(65535);
    }

    @Test
    void errorsNameTheSettingAndTheValue() {
        assertInvalid("server.metrics.enabled", "yes", "expected true or false");
        assertInvalid("server.metrics.prometheus.enabled", "1", "expected true or false");
        assertInvalid("server.metrics.enabled", "  ", "empty value");
        assertInvalid("server.metrics.prometheus.endpoint", "localhost", "expected host:port");
        assertInvalid("server.metrics.prometheus.endpoint", "localhost:http", "port is not a number");
        assertInvalid("server.metrics.prometheus.endpoint", "localhost:65536", "port out of range");
        assertInvalid("server.metrics.prometheus.endpoint", "localhost:-1", "port out of range");
        assertInvalid("server.metrics.prometheus.endpoint", "::1:2004", "expected host:port");
        assertInvalid("server.metrics.prometheus.endpoint", "[::1]2004", "expected [ipv6]:port");
        assertInvalid("server.metrics.prometheus.endpoint", "bad host:2004", "invalid host");
        assertInvalid("server.metrics.prefix", "1neo4j", "expected dot-separated words");
        assertInvalid("server.metrics.prefix", "neo4j-", "expected dot-separated words");
        assertInvalid("server.metrics.prefix", "neo4j..x", "expected dot-separated words");
    }

    private static MetricsConfig endpoint(String value) {
        return MetricsConfig.parse(Map.of("server.metrics.prometheus.endpoint", value));
    }

    private static void assertInvalid(String key, String value, String why) {
        assertThatThrownBy(() -> MetricsConfig.parse(Map.of(key, value)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'" + key + "'")
                .hasMessageContaining("'" + value.trim() + "'")
                .hasMessageContaining(why);
    }
}
