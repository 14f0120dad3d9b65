package io.ccdr.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The shipped dashboard and alert rules against a real Prometheus scraping two "clusters" (two registries, two
 * HTTP endpoints): every PromQL expression in both files must return data, and the alerts must fire and resolve as
 * their sources change. Skipped (with the reason) when no {@code prometheus} binary is installed; run
 * {@code scripts/install-prometheus.sh} to get one.
 */
class PrometheusIntegrationTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static final Duration BUDGET = Duration.ofSeconds(50);

    @TempDir
    Path tmp;

    private Instant deadline;
    private String prom;

    @Test
    @Timeout(60)
    void dashboardQueriesAndAlertRulesWorkAgainstRealPrometheus() throws Exception {
        Optional<Path> binary = Tools.find("prometheus");
        Tools.requireIfDemanded(binary, "prometheus");
        assumeTrue(binary.isPresent(),
                "prometheus binary not found on PATH (or at $PROMETHEUS_BIN): run scripts/install-prometheus.sh to run this test");
        deadline = Instant.now().plus(BUDGET);

        // ---- cluster a: upstream of neo4j; "orders" has lost its leader; bolt certificate expires in 7 days
        MetricsConfig cfg = MetricsConfig.parse(Map.of("server.metrics.prometheus.endpoint", "127.0.0.1:0"));
        List<AutoCloseable> closeables = new ArrayList<>();
        Process process = null;
        Thread killer = null;
        ScheduledExecutorService load = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "commit-load");
            t.setDaemon(true);
            return t;
        });
        try {
            Metrics a = add(closeables, Metrics.create(cfg));
            FakeSources.Database aNeo4j = new FakeSources.Database(1000, true);
            DatabaseMetrics aNeo4jMetrics = add(closeables, DatabaseMetrics.bind(a, "neo4j", aNeo4j));
            add(closeables, DatabaseMetrics.bind(a, "orders", new FakeSources.Database(50, false)));
            add(closeables, CertificateExpiryMetrics.bind(a, "bolt", () -> Instant.now().plus(Duration.ofDays(7))));
            add(closeables, CertificateExpiryMetrics.bind(a, "cluster", () -> Instant.now().plus(Duration.ofDays(300))));
            MetricsHttpServer aHttp = add(closeables, MetricsHttpServer.start(cfg, a, HealthSource.none()));

            // ---- cluster b: replicas of a; neo4j lags, orders is disconnected, audit has a broken chain
            Metrics b = add(closeables, Metrics.create(cfg));
            FakeSources.Database bNeo4j = new FakeSources.Database(900, true);
            add(closeables, DatabaseMetrics.bind(b, "neo4j", bNeo4j));
            add(closeables, DatabaseMetrics.bind(b, "orders", new FakeSources.Database(40, true)));
            add(closeables, DatabaseMetrics.bind(b, "audit", new FakeSources.Database(7, true)));
            FakeSources.Replica lagging = replica(1000, 900, 120, StreamState.CONNECTED);
            lagging.eta = 30;
            ReplicaMetrics bNeo4jReplica = add(closeables, ReplicaMetrics.bind(b, "neo4j", lagging));
            add(closeables, ReplicaMetrics.bind(b, "orders", replica(50, 40, 300, StreamState.DISCONNECTED)));
            add(closeables, ReplicaMetrics.bind(b, "audit", replica(9, 7, 30, StreamState.BROKEN_CHAIN)));
            MetricsHttpServer bHttp = add(closeables, MetricsHttpServer.start(cfg, b, HealthSource.none()));

            // commits, appends and replica traffic keep flowing so that rate() and histogram_quantile() have data
            load.scheduleAtFixedRate(() -> {
                aNeo4j.lastCommittedTxId++;
                aNeo4jMetrics.recordCommit(Duration.ofMillis(2 + aNeo4j.lastCommittedTxId % 20));
                aNeo4jMetrics.recordAppend(Duration.ofMillis(1));
                bNeo4jReplica.recordReceived(512, 1);
                if (aNeo4j.lastCommittedTxId % 10 == 0) {
                    bNeo4jReplica.recordReconnect();
                    bNeo4jReplica.recordStoreCopy();
                }
            }, 0, 50, TimeUnit.MILLISECONDS);

            // ---- Prometheus with a test copy of the rules whose `for:` durations are 1s
            Path rulesSrc = Tools.moduleDir().resolve("prometheus/ccdr-alerts.yml");
            Path rules = tmp.resolve("rules.yml");
            Files.writeString(rules, Files.readString(rulesSrc).replaceAll("(?m)^(\\s*for:\\s*)\\S+\\s*$", "$11s"));
            int port = freePort();
            prom = "http://127.0.0.1:" + port;
            Path config = tmp.resolve("prometheus.yml");
            Files.writeString(config, """
                    global:
                      scrape_interval: 1s
                      scrape_timeout: 1s
                      evaluation_interval: 1s
                    rule_files:
                      - %s
                    scrape_configs:
                      - job_name: ccdr
                        static_configs:
                          - targets: ['127.0.0.1:%d']
                            labels: {cluster: a}
                          - targets: ['127.0.0.1:%d']
                            labels: {cluster: b}
                    """.formatted(rules, aHttp.boundPort(), bHttp.boundPort()));
            Path log = tmp.resolve("prometheus.log");
            process = new ProcessBuilder(binary.get().toString(), "--config.file=" + config,
                    "--storage.tsdb.path=" + tmp.resolve("data"), "--web.listen-address=127.0.0.1:" + port,
                    "--log.level=warn")
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            Process p = process;
            killer = new Thread(p::destroyForcibly); // if the JVM dies first, do not leave Prometheus behind
            Runtime.getRuntime().addShutdownHook(killer);

            await("Prometheus ready (log: " + log + ")", () -> p.isAlive() && status("/-/ready") == 200, () -> read(log));
            await("both targets up", () -> {
                JsonNode targets = api("/api/v1/targets?state=active").path("data").path("activeTargets");
                int up = 0;
                for (JsonNode t : targets) {
                    up += t.path("health").asText().equals("up") ? 1 : 0;
                }
                return up == 2;
            }, () -> api("/api/v1/targets").toString());

            // ---- every PromQL expression of the dashboard and of the rules returns data
            Map<String, String> expressions = new LinkedHashMap<>();
            for (String e : Tools.dashboardExpressions(Tools.moduleDir().resolve("grafana/ccdr-dashboard.json"))) {
                expressions.put("dashboard: " + e, Tools.substituteGrafanaVariables(e));
            }
            for (String e : Tools.ruleExpressions(rulesSrc)) {
                expressions.put("rule: " + e, e);
            }
            assertThat(expressions.keySet().stream().filter(k -> k.startsWith("rule:"))).hasSize(5);
            assertThat(expressions.keySet().stream().filter(k -> k.startsWith("dashboard:"))).hasSizeGreaterThanOrEqualTo(13);
            Map<String, String> empty = new LinkedHashMap<>(expressions);
            await("every expression returns data", () -> {
                empty.entrySet().removeIf(e -> hasData(e.getValue()));
                return empty.isEmpty();
            }, () -> "no data for: " + String.join("\n  ", empty.keySet()));
            // the p99 is a real number (buckets filled), not NaN from empty rates
            await("p99 commit latency is finite", () -> {
                JsonNode r = query("histogram_quantile(0.99, sum by (cluster, database, le) "
                        + "(rate(neo4j_database_cluster_raft_commit_latency_seconds_bucket{cluster=\"a\",database=\"neo4j\"}[10s])))");
                return r.size() == 1 && Double.isFinite(Double.parseDouble(r.get(0).path("value").get(1).asText()));
            }, () -> query("neo4j_database_cluster_raft_commit_latency_seconds_bucket").toString());

            // ---- the alerts fire exactly where the sources say so
            await("all five alerts firing", () -> {
                List<Map<String, String>> firing = firingAlerts();
                return firing.contains(alert("ReplicaLagHigh", "b", "neo4j"))
                        && firing.contains(alert("ReplicaStreamDisconnected", "b", "orders"))
                        && firing.contains(alert("ReplicaBrokenChain", "b", "audit"))
                        && firing.contains(alert("DatabaseNoLeader", "a", "orders"))
                        && firing.stream().anyMatch(f -> f.get("alertname").equals("CertificateExpiringSoon"));
            }, () -> firingAlerts().toString());
            // exactly these: the disconnected replica's lag (300 s, growing while the link is down, by contract)
            // also raises ReplicaLagHigh; the broken-chain replica's 30 s does not; healthy things stay quiet
            assertThat(firingAlerts()).containsExactlyInAnyOrder(
                    alert("ReplicaLagHigh", "b", "neo4j"),
                    alert("ReplicaLagHigh", "b", "orders"),
                    alert("ReplicaStreamDisconnected", "b", "orders"),
                    alert("ReplicaBrokenChain", "b", "audit"),
                    alert("DatabaseNoLeader", "a", "orders"),
                    Map.of("alertname", "CertificateExpiringSoon", "cluster", "a", "policy", "bolt"));

            // ---- caught up: the lag alert resolves, the others stay
            lagging.appliedTxId = lagging.upstreamLastCommittedTxId;
            lagging.lagSeconds = 0;
            bNeo4j.lastCommittedTxId = lagging.upstreamLastCommittedTxId;
            await("ReplicaLagHigh resolved", () -> {
                List<Map<String, String>> now = firingAlerts();
                return !now.contains(alert("ReplicaLagHigh", "b", "neo4j"))
                        && now.contains(alert("ReplicaLagHigh", "b", "orders"))
                        && now.contains(alert("ReplicaBrokenChain", "b", "audit"));
            }, () -> firingAlerts().toString());
            assertThat(query("neo4j_database_replica_lag_seconds{cluster=\"b\",database=\"neo4j\"}")
                    .get(0).path("value").get(1).asText()).isEqualTo("0");
        } finally {
            load.shutdownNow();
            if (process != null) {
                process.destroy();
                if (!process.waitFor(5, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            }
            if (killer != null) {
                Runtime.getRuntime().removeShutdownHook(killer);
            }
            for (int i = closeables.size() - 1; i >= 0; i--) {
                closeables.get(i).close();
            }
        }
    }

    private static FakeSources.Replica replica(long upstream, long applied, double lagSeconds, StreamState state) {
        FakeSources.Replica r = new FakeSources.Replica();
        r.upstreamLastCommittedTxId = upstream;
        r.appliedTxId = applied;
        r.lagSeconds = lagSeconds;
        r.state = state;
        return r;
    }

    private static <T extends AutoCloseable> T add(List<AutoCloseable> list, T c) {
        list.add(c);
        return c;
    }

    private static Map<String, String> alert(String name, String cluster, String database) {
        return Map.of("alertname", name, "cluster", cluster, "database", database);
    }

    /** Firing alerts, each reduced to alertname, cluster, database (and policy when present). */
    private List<Map<String, String>> firingAlerts() {
        List<Map<String, String>> out = new ArrayList<>();
        for (JsonNode a : api("/api/v1/alerts").path("data").path("alerts")) {
            if (!a.path("state").asText().equals("firing")) {
                continue;
            }
            Map<String, String> m = new LinkedHashMap<>();
            for (String k : List.of("alertname", "cluster", "database", "policy")) {
                if (a.path("labels").has(k)) {
                    m.put(k, a.path("labels").path(k).asText());
                }
            }
            out.add(m);
        }
        return out;
    }

    private boolean hasData(String expr) {
        JsonNode r = query(expr);
        return r.isArray() ? r.size() > 0 : !r.isMissingNode() && !r.isNull();
    }

    private JsonNode query(String expr) {
        JsonNode res = api("/api/v1/query?query=" + URLEncoder.encode(expr, StandardCharsets.UTF_8));
        if (!res.path("status").asText().equals("success")) {
            fail("query failed: " + expr + " -> " + res);
        }
        return res.path("data").path("result");
    }

    private JsonNode api(String path) {
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(prom + path))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            return JSON.readTree(r.body());
        } catch (IOException e) {
            throw new IllegalStateException("Prometheus API " + path + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private int status(String path) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(prom + path)).timeout(Duration.ofSeconds(2)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1; // not listening yet
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private void await(String what, BooleanSupplier condition, java.util.function.Supplier<String> diagnostics) {
        while (true) {
            if (condition.getAsBoolean()) {
                return;
            }
            if (Instant.now().isAfter(deadline)) {
                fail("timed out waiting for " + what + "\n  " + diagnostics.get());
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200)); // poll interval; Prometheus works in 1 s steps
        }
    }

    private static String read(Path p) {
        try {
            return Files.exists(p) ? Files.readString(p) : "(no log)";
        } catch (IOException e) {
            return e.toString();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress("127.0.0.1", 0));
            return s.getLocalPort();
        }
    }

    /** Shared with {@link AlertRulesTest}: file locations, binary lookup and expression extraction. */
    static final class Tools {
        private static final Pattern EXPR = Pattern.compile("(?m)^\\s*expr:\\s*(.*?)\\s*$");

        static Path moduleDir() {
            String basedir = System.getProperty("basedir");
            Path p = basedir != null ? Path.of(basedir) : Path.of("").toAbsolutePath();
            if (!Files.isDirectory(p.resolve("prometheus")) && Files.isDirectory(p.resolve("metrics/prometheus"))) {
                p = p.resolve("metrics");
            }
            return p;
        }

        static Optional<Path> find(String tool) {
            // PROMETHEUS_BIN / PROMTOOL_BIN, when set, is the only place looked at (set it to "" to skip the test)
            String override = System.getenv(tool.toUpperCase() + "_BIN");
            if (override != null) {
                return override.isBlank() || !Files.isExecutable(Path.of(override))
                        ? Optional.empty() : Optional.of(Path.of(override));
            }
            for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
                Path p = Path.of(dir, tool);
                if (Files.isExecutable(p)) {
                    return Optional.of(p);
                }
            }
            return Optional.empty();
        }

        /**
         * With {@code CCDR_REQUIRE_PROMETHEUS=true} (CI, where scripts/install-prometheus.sh ran) a missing binary is a
         * failure, not a skip, so that the Prometheus tests cannot silently stop running.
         */
        static void requireIfDemanded(Optional<Path> binary, String tool) {
            if (binary.isEmpty() && "true".equalsIgnoreCase(System.getenv("CCDR_REQUIRE_PROMETHEUS"))) {
                fail(tool + " not found but CCDR_REQUIRE_PROMETHEUS=true: run scripts/install-prometheus.sh");
            }
        }

        static List<String> ruleExpressions(Path rules) throws IOException {
            List<String> out = new ArrayList<>();
            Matcher m = EXPR.matcher(Files.readString(rules));
            while (m.find()) {
                String e = m.group(1);
                if (e.startsWith("|") || e.startsWith(">")) {
                    fail("multi-line expr in " + rules + ": keep each expression on one line");
                }
                if (e.startsWith("\"") || e.startsWith("'")) {
                    e = e.substring(1, e.length() - 1);
                }
                out.add(e);
            }
            return out;
        }

        /** Panel target expressions (rows included) and the series selectors of {@code label_values()} variables. */
        static List<String> dashboardExpressions(Path dashboard) throws IOException {
            JsonNode d = JSON.readTree(dashboard.toFile());
            List<String> out = new ArrayList<>();
            collectPanels(d.path("panels"), out);
            for (JsonNode v : d.path("templating").path("list")) {
                String q = v.path("query").isObject() ? v.path("query").path("query").asText() : v.path("query").asText();
                Matcher m = Pattern.compile("^label_values\\((.*),\\s*[A-Za-z_]+\\)$").matcher(q.trim());
                if (m.matches()) {
                    out.add(m.group(1));
                } else if (!q.isBlank()) {
                    out.add(q);
                }
            }
            return out;
        }

        private static void collectPanels(JsonNode panels, List<String> out) {
            for (JsonNode p : panels) {
                for (JsonNode t : p.path("targets")) {
                    if (t.hasNonNull("expr")) {
                        out.add(t.get("expr").asText());
                    }
                }
                collectPanels(p.path("panels"), out);
            }
        }

        /** Grafana's variables as an "All" selection and a 10 s rate window (10 samples at 1 s scrapes). */
        static String substituteGrafanaVariables(String expr) {
            String e = expr.replace("$__rate_interval", "10s").replace("$cluster", ".*").replace("$database", ".*");
            if (e.contains("$")) {
                fail("unknown Grafana variable in: " + expr);
            }
            return e;
        }
    }
}
