package io.ccdr.node;

import io.ccdr.node.config.ServerConfig;
import io.ccdr.node.embedded.EmbeddedCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The metrics and health HTTP endpoint of a real server: off by default as in Neo4j, so servers sharing
 * a host do not collide on it; when on, a taken address stops start-up with one line naming the setting.
 */
class MetricsEndpointTest {
    private static final Duration READY = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    /** A one-server cluster on free loopback ports; metrics settings are left to the test. */
    private static Map<String, String> single(Path data) throws IOException {
        List<Integer> ports = EmbeddedCluster.freePorts(3);
        Map<String, String> s = new HashMap<>();
        s.put("server.directories.data", data.toString());
        s.put("server.default_listen_address", "127.0.0.1");
        s.put("server.default_advertised_address", "127.0.0.1");
        s.put("server.cluster.raft.listen_address", ":" + ports.get(0));
        s.put("server.cluster.listen_address", ":" + ports.get(1));
        s.put("server.bolt.listen_address", ":" + ports.get(2));
        s.put("dbms.security.auth_enabled", "false");
        return s;
    }

    @Test
    void serversSharingAHostWithDefaultMetricsSettingsAllStartAndOpenNoHttpEndpoint() throws Exception {
        // every server would want localhost:2004 if the endpoint were on by default
        try (CcdrServer one = CcdrServer.start(ServerConfig.of(single(dir.resolve("one")), dir));
             CcdrServer two = CcdrServer.start(ServerConfig.of(single(dir.resolve("two")), dir))) {
            assertThat(one.awaitReady(READY)).isTrue();
            assertThat(two.awaitReady(READY)).isTrue();
            assertThat(one.metricsPort()).isEqualTo(-1);
            assertThat(two.metricsPort()).isEqualTo(-1);
            // meters are still collected, for whoever turns the endpoint on later or reads them in process
            assertThat(one.metrics().scrape()).contains("neo4j_database_transaction_last_committed_tx_id");
        }
    }

    @Test
    void whenEnabledItServesMetricsAndHealth() throws Exception {
        Map<String, String> s = single(dir.resolve("data"));
        s.put("server.metrics.prometheus.enabled", "true");
        s.put("server.metrics.prometheus.endpoint", "127.0.0.1:0");
        try (CcdrServer server = CcdrServer.start(ServerConfig.of(s, dir))) {
            assertThat(server.awaitReady(READY)).isTrue();
            assertThat(server.metricsPort()).isPositive();
            Eventually.eventually(READY, "neo4j writable on its only server", () -> status(server, "/db/neo4j/cluster/writable") == 200);
            HttpResponse<String> metrics = get(server, "/metrics");
            assertThat(metrics.statusCode()).isEqualTo(200);
            assertThat(metrics.body()).contains("neo4j_database_transaction_last_committed_tx_id{database=\"neo4j\"");
        }
    }

    @Test
    void healthStaysUpWithMetersOff() throws Exception {
        Map<String, String> s = single(dir.resolve("data"));
        s.put("server.metrics.enabled", "false");
        s.put("server.metrics.prometheus.enabled", "true");
        s.put("server.metrics.prometheus.endpoint", "127.0.0.1:0");
        try (CcdrServer server = CcdrServer.start(ServerConfig.of(s, dir))) {
            assertThat(server.awaitReady(READY)).isTrue();
            Eventually.eventually(READY, "neo4j available", () -> status(server, "/db/neo4j/cluster/available") == 200);
            assertThat(get(server, "/metrics").statusCode()).isEqualTo(404);
        }
    }

    @Test
    void aTakenEndpointStopsStartUpWithOneLineNamingTheSettingAndTheAddress() throws Exception {
        Map<String, String> s = single(dir.resolve("data"));
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)); // held by this test until the end
            String address = "127.0.0.1:" + taken.getLocalPort();
            s.put("server.metrics.prometheus.enabled", "true");
            s.put("server.metrics.prometheus.endpoint", address);
            assertThatThrownBy(() -> CcdrServer.start(ServerConfig.of(s, dir)))
                    .hasMessageContaining("server.metrics.prometheus.endpoint=" + address);

            // what the operator sees from `ccdr server --conf`: exit status 1 and one line
            Path conf = dir.resolve("ccdr.conf");
            Files.writeString(conf, s.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining("\n")));
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            int status;
            try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
                status = ServerMain.run(conf, out);
            }
            String printed = bytes.toString(StandardCharsets.UTF_8);
            assertThat(status).isEqualTo(1);
            assertThat(printed.lines()).singleElement().asString()
                    .startsWith("Failed to start: Cannot bind server.metrics.prometheus.endpoint=" + address + ": ")
                    .contains("server.metrics.prometheus.enabled=false");
        }
    }

    /** The status code, or -1 while the request fails. */
    private static int status(CcdrServer server, String path) {
        try {
            return get(server, path).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private static HttpResponse<String> get(CcdrServer server, String path) throws IOException, InterruptedException {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.metricsPort() + path))
                .timeout(Duration.ofSeconds(10)).GET().build();
        return client.send(request, HttpResponse.BodyHandlers.ofString());
    }
}
