package io.ccdr.metrics;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Every ccdr meter, as Prometheus sees it through {@code GET /metrics}: exact names, labels, types and values. */
class MetricsExpositionTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private Metrics metrics;
    private MetricsHttpServer server;

    @BeforeEach
    void start() throws Exception {
        metrics = Metrics.create(MetricsConfig.parse(Map.of("server.metrics.prometheus.enabled", "true",
                "server.metrics.prometheus.endpoint", "127.0.0.1:0")));
        server = MetricsHttpServer.start(metrics.config(), metrics, HealthSource.none());
    }

    @AfterEach
    void stop() {
        server.close();
        metrics.close();
    }

    private Exposition scrape() throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + server.boundPort() + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
        return Exposition.parse(r.body());
    }

    @Test
    void databaseMeters() throws Exception {
        FakeSources.Database src = new FakeSources.Database(42, true);
        src.activeTransactions = 3;
        src.storeSizeBytes = 1_048_576;
        src.term = 7;
        src.commitIndex = 100;
        src.appliedIndex = 99;
        try (DatabaseMetrics db = DatabaseMetrics.bind(metrics, "neo4j", src)) {
            db.recordCommit(Duration.ofMillis(3));
            db.recordCommit(Duration.ofMillis(30));
            db.recordRollback();
            db.recordAppend(Duration.ofMillis(1));
            db.recordCommit(Duration.ofMillis(-5)); // clock step: counted, recorded as 0
            Exposition e = scrape();
            String l = "{database=\"neo4j\"}";
            assertGauge(e, "neo4j_database_transaction_last_committed_tx_id", l, 42);
            assertGauge(e, "neo4j_database_transaction_active", l, 3);
            assertGauge(e, "neo4j_database_store_size_total_bytes", l, 1_048_576);
            assertGauge(e, "neo4j_database_cluster_raft_is_leader", l, 1);
            assertGauge(e, "neo4j_database_cluster_raft_term", l, 7);
            assertGauge(e, "neo4j_database_cluster_raft_commit_index", l, 100);
            assertGauge(e, "neo4j_database_cluster_raft_applied_index", l, 99);
            assertCounter(e, "neo4j_database_transaction_committed_total", l, 3);
            assertCounter(e, "neo4j_database_transaction_rollbacks_total", l, 1);
            assertThat(e.types).containsEntry("neo4j_database_cluster_raft_commit_latency_seconds", "histogram")
                    .containsEntry("neo4j_database_cluster_raft_append_latency_seconds", "histogram");
            assertThat(e.value("neo4j_database_cluster_raft_commit_latency_seconds_count" + l)).isEqualTo(3.0);
            assertThat(e.value("neo4j_database_cluster_raft_commit_latency_seconds_bucket{database=\"neo4j\",le=\"0.005\"}"))
                    .isEqualTo(2.0);
            assertThat(e.value("neo4j_database_cluster_raft_commit_latency_seconds_bucket{database=\"neo4j\",le=\"0.025\"}"))
                    .isEqualTo(2.0);
            assertThat(e.value("neo4j_database_cluster_raft_commit_latency_seconds_bucket{database=\"neo4j\",le=\"0.05\"}"))
                    .isEqualTo(3.0);
            assertThat(e.value("neo4j_database_cluster_raft_commit_latency_seconds_bucket{database=\"neo4j\",le=\"+Inf\"}"))
                    .isEqualTo(3.0);
            assertThat(e.value("neo4j_database_cluster_raft_append_latency_seconds_count" + l)).isEqualTo(1.0);
            // the values are read at scrape time
            src.lastCommittedTxId = 43;
            src.leader = false;
            src.storeSizeBytes = -1; // unknown
            Exposition e2 = scrape();
            assertThat(e2.value("neo4j_database_transaction_last_committed_tx_id" + l)).isEqualTo(43.0);
            assertThat(e2.value("neo4j_database_cluster_raft_is_leader" + l)).isEqualTo(0.0);
            assertThat(e2.value("neo4j_database_store_size_total_bytes" + l)).isNaN();
        }
        // close() removes the database's meters (database dropped)
        assertThat(scrape().hasSeriesStartingWith("neo4j_database_")).isFalse();
    }

    @Test
    void replicaMeters() throws Exception {
        FakeSources.Replica src = new FakeSources.Replica();
        try (ReplicaMetrics r = ReplicaMetrics.bind(metrics, "orders", src)) {
            String l = "{database=\"orders\"}";
            Exposition before = scrape();
            assertThat(before.value("neo4j_database_replica_upstream_last_committed_tx_id" + l)).isNaN();
            assertThat(before.value("neo4j_database_replica_lag_transactions" + l)).isNaN();
            assertThat(before.value("neo4j_database_replica_stream_state{database=\"orders\",state=\"disconnected\"}"))
                    .isEqualTo(1.0);

            src.upstreamLastCommittedTxId = 1000;
            src.appliedTxId = 900;
            src.lagSeconds = 12.5;
            src.state = StreamState.CONNECTED;
            src.eta = 4;
            r.recordReceived(4096, 10);
            r.recordReceived(100, 0);
            r.recordReconnect();
            r.recordStoreCopy();
            r.recordStoreCopy();
            Exposition e = scrape();
            assertGauge(e, "neo4j_database_replica_upstream_last_committed_tx_id", l, 1000);
            assertGauge(e, "neo4j_database_replica_lag_transactions", l, 100);
            assertGauge(e, "neo4j_database_replica_lag_seconds", l, 12.5);
            assertGauge(e, "neo4j_database_replica_catchup_eta_seconds", l, 4);
            assertCounter(e, "neo4j_database_replica_received_bytes_total", l, 4196);
            assertCounter(e, "neo4j_database_replica_received_transactions_total", l, 10);
            assertCounter(e, "neo4j_database_replica_reconnects_total", l, 1);
            assertCounter(e, "neo4j_database_replica_store_copies_total", l, 2);
            assertThat(e.types).containsEntry("neo4j_database_replica_stream_state", "gauge");
            for (StreamState s : StreamState.values()) {
                assertThat(e.value("neo4j_database_replica_stream_state{database=\"orders\",state=\"" + s.tagValue() + "\"}"))
                        .as(s.name()).isEqualTo(s == StreamState.CONNECTED ? 1.0 : 0.0);
            }
            // an upstream figure older than a batch just applied never shows as negative lag
            src.appliedTxId = 1001;
            assertThat(scrape().value("neo4j_database_replica_lag_transactions" + l)).isEqualTo(0.0);
            assertThatThrownBy(() -> r.recordReceived(-1, 0)).isInstanceOf(IllegalArgumentException.class);
        }
        assertThat(scrape().hasSeriesStartingWith("neo4j_database_replica_")).isFalse();
    }

    @Test
    void boltMeters() throws Exception {
        try (BoltMetrics b = BoltMetrics.bind(metrics)) {
            b.connectionOpened();
            b.connectionOpened();
            b.connectionOpened();
            b.connectionClosed();
            b.recordQuery(Duration.ofMillis(7));
            b.recordFailure("Neo.ClientError.Statement.SyntaxError");
            b.recordFailure("Neo.ClientError.Statement.SyntaxError");
            b.recordFailure("Neo.TransientError.Transaction.BookmarkTimeout");
            b.recordFailure("'; DROP TABLE x; --{\"}"); // never a tag value
            b.recordFailure(null);
            Exposition e = scrape();
            assertCounter(e, "neo4j_bolt_connections_opened_total", "", 3);
            assertCounter(e, "neo4j_bolt_connections_closed_total", "", 1);
            assertGauge(e, "neo4j_bolt_connections_running", "", 2);
            assertThat(e.types).containsEntry("neo4j_bolt_query_latency_seconds", "histogram");
            assertThat(e.value("neo4j_bolt_query_latency_seconds_bucket{le=\"0.01\"}")).isEqualTo(1.0);
            assertThat(e.value("neo4j_bolt_query_latency_seconds_bucket{le=\"0.005\"}")).isEqualTo(0.0);
            assertThat(e.types).containsEntry("neo4j_bolt_failures_total", "counter");
            assertThat(e.value("neo4j_bolt_failures_total{status=\"Neo.ClientError.Statement.SyntaxError\"}")).isEqualTo(2.0);
            assertThat(e.value("neo4j_bolt_failures_total{status=\"Neo.TransientError.Transaction.BookmarkTimeout\"}"))
                    .isEqualTo(1.0);
            assertThat(e.value("neo4j_bolt_failures_total{status=\"other\"}")).isEqualTo(2.0);
            assertThat(e.samples.keySet().stream().filter(s -> s.startsWith("neo4j_bolt_failures_total"))).hasSize(3);
        }
    }

    @Test
    void boltFailureCodesAreBounded() {
        try (BoltMetrics b = BoltMetrics.bind(metrics)) {
            for (int i = 0; i < BoltMetrics.MAX_STATUS_CODES + 50; i++) {
                b.recordFailure("Neo.ClientError.Generated.Code" + (char) ('a' + i % 26) + (char) ('a' + i / 26));
            }
            long series = metrics.registry().find("neo4j.bolt.failures").counters().size();
            assertThat(series).isBetween((long) BoltMetrics.MAX_STATUS_CODES, (long) BoltMetrics.MAX_STATUS_CODES + 1);
            assertThat(metrics.registry().find("neo4j.bolt.failures").tag("status", "other").counter().count())
                    .isEqualTo(50.0);
        }
    }

    @Test
    void certificateExpiry() throws Exception {
        Instant notAfter = Instant.parse("2027-01-01T00:00:00Z");
        Instant[] current = {notAfter};
        try (CertificateExpiryMetrics c = CertificateExpiryMetrics.bind(metrics, "bolt", () -> current[0]);
             CertificateExpiryMetrics none = CertificateExpiryMetrics.bind(metrics, "cluster", () -> null)) {
            Exposition e = scrape();
            assertGauge(e, "neo4j_ssl_certificate_expiry_seconds", "{policy=\"bolt\"}", notAfter.getEpochSecond());
            assertThat(e.value("neo4j_ssl_certificate_expiry_seconds{policy=\"cluster\"}")).isNaN();
            current[0] = notAfter.plusSeconds(86400); // certificate reloaded
            assertThat(scrape().value("neo4j_ssl_certificate_expiry_seconds{policy=\"bolt\"}"))
                    .isEqualTo((double) notAfter.getEpochSecond() + 86400);
        }
        assertThatThrownBy(() -> CertificateExpiryMetrics.bind(metrics, "Bolt Policy", () -> null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Bolt Policy");
    }

    @Test
    void jvmAndProcessMetricsKeepStandardNames() throws Exception {
        Exposition e = scrape();
        for (String series : new String[]{"jvm_memory_used_bytes", "jvm_gc_", "jvm_threads_live_threads",
                "jvm_classes_loaded_classes", "system_cpu_count", "process_cpu_usage", "process_uptime_seconds",
                "process_files_open_files"}) {
            assertThat(e.hasSeriesStartingWith(series)).as(series).isTrue();
        }
    }

    @Test
    void failingSourceReadsNaNAndDoesNotBreakTheScrape() throws Exception {
        FakeSources.Database ok = new FakeSources.Database(5, false);
        DatabaseMetricsSource broken = new FakeSources.Database(0, false) {
            @Override
            public long lastCommittedTxId() {
                throw new IllegalStateException("store closed");
            }
        };
        try (DatabaseMetrics a = DatabaseMetrics.bind(metrics, "good", ok);
             DatabaseMetrics b = DatabaseMetrics.bind(metrics, "bad", broken)) {
            Exposition e = scrape();
            assertThat(e.value("neo4j_database_transaction_last_committed_tx_id{database=\"good\"}")).isEqualTo(5.0);
            assertThat(e.value("neo4j_database_transaction_last_committed_tx_id{database=\"bad\"}")).isNaN();
        }
    }

    @Test
    void bindingTwiceFailsAndCloseReleases() {
        FakeSources.Database src = new FakeSources.Database(1, true);
        DatabaseMetrics first = DatabaseMetrics.bind(metrics, "neo4j", src);
        assertThatThrownBy(() -> DatabaseMetrics.bind(metrics, "neo4j", src))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("database/neo4j");
        first.close();
        first.close(); // idempotent
        DatabaseMetrics.bind(metrics, "neo4j", src).close();
        assertThatThrownBy(() -> DatabaseMetrics.bind(metrics, "bad name", src))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bad name");
    }

    @Test
    void prefixAppliesToCcdrMetersOnly() throws Exception {
        try (Metrics m = Metrics.create(MetricsConfig.parse(Map.of("server.metrics.prefix", "ccdr.dr")));
             DatabaseMetrics db = DatabaseMetrics.bind(m, "neo4j", new FakeSources.Database(9, true))) {
            Exposition e = Exposition.parse(m.scrape());
            assertThat(e.value("ccdr_dr_database_transaction_last_committed_tx_id{database=\"neo4j\"}")).isEqualTo(9.0);
            assertThat(e.hasSeriesStartingWith("neo4j_")).isFalse();
            assertThat(e.hasSeriesStartingWith("jvm_memory_used_bytes")).isTrue();
        }
    }

    @Test
    void disabledMetricsRegisterNothing() throws Exception {
        MetricsConfig off = MetricsConfig.parse(Map.of("server.metrics.enabled", "false",
                "server.metrics.prometheus.enabled", "true", "server.metrics.prometheus.endpoint", "127.0.0.1:0"));
        try (Metrics m = Metrics.create(off);
             DatabaseMetrics db = DatabaseMetrics.bind(m, "neo4j", new FakeSources.Database(9, true));
             BoltMetrics bolt = BoltMetrics.bind(m);
             MetricsHttpServer s = MetricsHttpServer.start(off, m, HealthSource.none())) {
            db.recordCommit(Duration.ofMillis(1));
            bolt.recordFailure("Neo.ClientError.Statement.SyntaxError");
            assertThat(m.scrape()).isBlank();
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + s.boundPort() + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(404);
        }
    }

    @Test
    void bindFailureNamesTheSetting() throws Exception {
        InetSocketAddress taken = server.boundAddress();
        assertThatThrownBy(() -> MetricsHttpServer.start(taken, metrics, HealthSource.none()))
                .isInstanceOf(java.net.BindException.class)
                .hasMessageContaining("server.metrics.prometheus.endpoint=" + taken.getHostString() + ":" + taken.getPort() + ": ")
                .hasMessageContaining("server.metrics.prometheus.enabled=false")
                .satisfies(t -> assertThat(t.getMessage()).as("one line").doesNotContain("\n"));
    }

    @Test
    void unresolvableHostNamesTheSetting() {
        MetricsConfig bad = MetricsConfig.parse(Map.of("server.metrics.prometheus.endpoint", "no-such-host.invalid:0"));
        assertThatThrownBy(() -> MetricsHttpServer.start(bad, metrics, HealthSource.none()))
                .isInstanceOf(java.net.UnknownHostException.class)
                .hasMessageContaining("server.metrics.prometheus.endpoint=no-such-host.invalid:0");
    }

    private static void assertGauge(Exposition e, String name, String labels, double value) {
        assertThat(e.types).as(name).containsEntry(name, "gauge");
        assertThat(e.value(name + labels)).as(name + labels).isEqualTo(value);
    }

    private static void assertCounter(Exposition e, String name, String labels, double value) {
        assertThat(e.types).as(name).containsEntry(name, "counter");
        assertThat(e.value(name + labels)).as(name + labels).isEqualTo(value);
    }
}
