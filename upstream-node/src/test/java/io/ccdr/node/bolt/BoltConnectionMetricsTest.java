package io.ccdr.node.bolt;

import io.ccdr.metrics.BoltMetrics;
import io.ccdr.metrics.Metrics;
import io.ccdr.metrics.MetricsConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.OutputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.ccdr.node.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Bolt connection counters as Prometheus sees them: every accepted TCP connection counts as opened (also those that
 * fail or never finish the handshake) and exactly once as closed, whoever closes it.
 */
@Timeout(30)
class BoltConnectionMetricsTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    private Metrics metrics;
    private BoltMetrics boltMetrics;
    private BoltServer server;
    private int port;

    /** The test backend plus the connection events, forwarded to the Bolt meters as the node's backend does. */
    private static final class MeteredBackend implements BoltBackend {
        private final TestBackend delegate = new TestBackend();
        private final BoltMetrics metrics;

        MeteredBackend(BoltMetrics metrics) {
            this.metrics = metrics;
        }

        @Override
        public String authenticate(Map<String, Object> authToken) {
            return delegate.authenticate(authToken);
        }

        @Override
        public BoltTransaction begin(TransactionRequest request) {
            return delegate.begin(request);
        }

        @Override
        public RoutingTable route(Map<String, Object> routingContext, String database, List<String> bookmarks, String principal) {
            return delegate.route(routingContext, database, bookmarks, principal);
        }

        @Override
        public String serverAgent() {
            return delegate.serverAgent();
        }

        @Override
        public void connectionOpened() {
            metrics.connectionOpened();
        }

        @Override
        public void connectionClosed() {
            metrics.connectionClosed();
        }
    }

    @BeforeEach
    void start() {
        metrics = Metrics.create(MetricsConfig.parse(Map.of()));
        boltMetrics = BoltMetrics.bind(metrics);
        server = new BoltServer(new MeteredBackend(boltMetrics)).start(BoltConfig.defaults("127.0.0.1", 0)
                .withHandshakeTimeout(Duration.ofMillis(300))
                .withThreads(1, 2));
        port = server.boundPort();
    }

    @AfterEach
    void stop() {
        server.close();
        boltMetrics.close();
        metrics.close();
    }

    @Test
    void everyAcceptedConnectionIsCountedOpenedAndClosedExactlyOnce() throws Exception {
        assertThat(exposed("neo4j_bolt_connections_opened_total")).isEqualTo(0);

        // a driver-like client that logs in, one that sends garbage instead of the Bolt magic (the server closes it),
        // and one that connects and says nothing (closed by the handshake timeout)
        RawBoltClient loggedIn = RawBoltClient.connected(port);
        try (Socket garbage = new Socket("127.0.0.1", port)) {
            OutputStream out = garbage.getOutputStream();
            out.write("GET / HTTP/1.1\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            out.flush();
            garbage.setSoTimeout(5_000);
            assertThat(garbage.getInputStream().read()).as("server closes a non-Bolt connection").isEqualTo(-1);
        }
        Socket silent = new Socket("127.0.0.1", port);
        silent.setSoTimeout(5_000);
        assertThat(silent.getInputStream().read()).as("server closes a connection that never shakes hands").isEqualTo(-1);

        eventually(WAIT, "3 opened, 2 closed", () -> exposed("neo4j_bolt_connections_opened_total") == 3
                && exposed("neo4j_bolt_connections_closed_total") == 2);
        assertThat(exposed("neo4j_bolt_connections_running")).isEqualTo(1);
        assertThat(server.connectionCount()).isEqualTo(1);

        // the client hangs up
        loggedIn.close();
        silent.close();
        eventually(WAIT, "all closed", () -> exposed("neo4j_bolt_connections_closed_total") == 3);
        assertThat(exposed("neo4j_bolt_connections_running")).isZero();
        assertThat(exposed("neo4j_bolt_connections_opened_total")).isEqualTo(3);
    }

    @Test
    void connectionsClosedByServerShutdownAreCounted() throws Exception {
        RawBoltClient a = RawBoltClient.connected(port);
        RawBoltClient b = RawBoltClient.connected(port);
        eventually(WAIT, "2 running", () -> exposed("neo4j_bolt_connections_running") == 2);
        server.close();
        assertThat(exposed("neo4j_bolt_connections_closed_total")).isEqualTo(2);
        assertThat(exposed("neo4j_bolt_connections_running")).isZero();
        a.close();
        b.close();
    }

    @Test
    void aFailingListenerNeverCostsTheClientItsConnection() throws Exception {
        server.close();
        TestBackend throwing = new TestBackend();
        BoltBackend failing = new BoltBackend() {
            @Override
            public String authenticate(Map<String, Object> authToken) {
                return throwing.authenticate(authToken);
            }

            @Override
            public BoltTransaction begin(TransactionRequest request) {
                return throwing.begin(request);
            }

            @Override
            public RoutingTable route(Map<String, Object> c, String database, List<String> bookmarks, String principal) {
                return throwing.route(c, database, bookmarks, principal);
            }

            @Override
            public String serverAgent() {
                return throwing.serverAgent();
            }

            @Override
            public void connectionOpened() {
                throw new IllegalStateException("metrics broken");
            }

            @Override
            public void connectionClosed() {
                throw new IllegalStateException("metrics broken");
            }
        };
        server = new BoltServer(failing).start(BoltConfig.defaults("127.0.0.1", 0).withThreads(1, 2));
        try (RawBoltClient c = RawBoltClient.connected(server.boundPort())) {
            c.send(0x10, "RETURN 1 AS x", Map.of(), Map.of()); // RUN
            assertThat(c.read().tag()).isEqualTo(RawBoltClient.SUCCESS);
        }
    }

    /** The value of an unlabelled series in the Prometheus exposition (what a scrape of /metrics returns). */
    private long exposed(String series) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(metrics.scrape());
        if (!m.find()) {
            throw new AssertionError(series + " not exposed");
        }
        return (long) Double.parseDouble(m.group(1));
    }
}
