package io.ccdr.metrics.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A real Prometheus process for tests: Debian's {@code prometheus} binary (installed by
 * {@code scripts/install-prometheus.sh}) on a loopback port with a temporary config and data directory, scraping
 * the given targets (each group labelled with its {@code cluster}) every {@code interval} and evaluating a rules
 * file at the same interval; plus the HTTP API calls the tests make.
 *
 * <pre>{@code
 * Path bin = PrometheusServer.requireBinary("prometheus");          // JUnit skip (or failure in CI) when absent
 * try (PrometheusServer prom = PrometheusServer.start(bin, tmp, Map.of("a", List.of("127.0.0.1:2004")), rules,
 *         Duration.ofSeconds(1), deadline)) {
 *     prom.awaitTargetsUp(1);
 *     JsonNode result = prom.query("up");
 * }
 * }</pre>
 */
public final class PrometheusServer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final Process process;
    private final Thread killer;
    private final String base;
    private final Path log;
    private final Instant deadline;

    private PrometheusServer(Process process, Thread killer, String base, Path log, Instant deadline) {
        this.process = process;
        this.killer = killer;
        this.base = base;
        this.log = log;
        this.deadline = deadline;
    }

    /**
     * Where {@code tool} ({@code prometheus}, {@code promtool}) is: {@code $PROMETHEUS_BIN} / {@code $PROMTOOL_BIN}
     * when set (the only place looked at; set it to "" to skip), else {@code PATH}.
     */
    public static Optional<Path> find(String tool) {
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
     * The binary, or a JUnit assumption failure (the test is reported SKIPPED with the reason) when it is not
     * installed. With {@code CCDR_REQUIRE_PROMETHEUS=true} (CI, where the install script ran) a missing binary fails
     * the test instead, so that the Prometheus tests cannot silently stop running.
     */
    public static Path requireBinary(String tool) {
        Optional<Path> binary = find(tool);
        if (binary.isEmpty() && "true".equalsIgnoreCase(System.getenv("CCDR_REQUIRE_PROMETHEUS"))) {
            fail(tool + " not found but CCDR_REQUIRE_PROMETHEUS=true: run scripts/install-prometheus.sh");
        }
        assumeTrue(binary.isPresent(), tool + " binary not found on PATH (or at $" + tool.toUpperCase()
                + "_BIN): run scripts/install-prometheus.sh to run this test");
        return binary.get();
    }

    /**
     * Starts Prometheus and waits until it is ready. Every wait of the returned server (this one included) fails the
     * test at {@code deadline}.
     *
     * @param targetsByCluster {@code cluster} label → {@code host:port} targets, scraped at {@code /metrics}
     * @param rules            rule file to load, or null
     */
    public static PrometheusServer start(Path binary, Path workDir, Map<String, List<String>> targetsByCluster, Path rules,
                                         Duration interval, Instant deadline) throws IOException {
        String every = interval.toMillis() + "ms";
        StringBuilder config = new StringBuilder()
                .append("global:\n")
                .append("  scrape_interval: ").append(every).append('\n')
                .append("  scrape_timeout: ").append(every).append('\n')
                .append("  evaluation_interval: ").append(every).append('\n');
        if (rules != null) {
            config.append("rule_files:\n  - ").append(rules.toAbsolutePath()).append('\n');
        }
        config.append("scrape_configs:\n  - job_name: ccdr\n    static_configs:\n");
        for (Map.Entry<String, List<String>> e : targetsByCluster.entrySet()) {
            config.append("      - targets: [")
                    .append(String.join(", ", e.getValue().stream().map(t -> "'" + t + "'").toList()))
                    .append("]\n        labels: {cluster: '").append(e.getKey()).append("'}\n");
        }
        Path configFile = workDir.resolve("prometheus.yml");
        Files.writeString(configFile, config);
        int port = freePort();
        Path log = workDir.resolve("prometheus.log");
        Process process = new ProcessBuilder(binary.toString(), "--config.file=" + configFile,
                "--storage.tsdb.path=" + workDir.resolve("data"), "--web.listen-address=127.0.0.1:" + port,
                "--log.level=warn")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        Thread killer = new Thread(process::destroyForcibly); // if the JVM dies first, do not leave Prometheus behind
        Runtime.getRuntime().addShutdownHook(killer);
        PrometheusServer server = new PrometheusServer(process, killer, "http://127.0.0.1:" + port, log, deadline);
        try {
            server.await("Prometheus ready (log: " + log + ")", () -> {
                if (!process.isAlive()) {
                    fail("Prometheus exited with " + process.exitValue() + ":\n" + server.log());
                }
                return server.status("/-/ready") == 200;
            }, server::log);
        } catch (RuntimeException | Error e) {
            server.close();
            throw e;
        }
        return server;
    }

    /** Waits until {@code count} targets are up. */
    public void awaitTargetsUp(int count) {
        await(count + " targets up", () -> {
            int up = 0;
            for (JsonNode t : api("/api/v1/targets?state=active").path("data").path("activeTargets")) {
                up += t.path("health").asText().equals("up") ? 1 : 0;
            }
            return up == count;
        }, () -> api("/api/v1/targets").toString());
    }

    /** {@code data.result} of an instant query at the current time (a vector, or a matrix for a range selector). */
    public JsonNode query(String expr) {
        JsonNode res = api("/api/v1/query?query=" + URLEncoder.encode(expr, StandardCharsets.UTF_8));
        if (!res.path("status").asText().equals("success")) {
            fail("query failed: " + expr + " -> " + res);
        }
        return res.path("data").path("result");
    }

    /**
     * {@code data.result} of an instant query evaluated at {@code epochSeconds}: every series in the result is the
     * latest sample at or before that instant, so one result compares series scraped from different targets at most one
     * scrape interval apart.
     */
    public JsonNode queryAt(String expr, double epochSeconds) {
        JsonNode res = api("/api/v1/query?query=" + URLEncoder.encode(expr, StandardCharsets.UTF_8)
                + "&time=" + String.format(java.util.Locale.ROOT, "%.3f", epochSeconds));
        if (!res.path("status").asText().equals("success")) {
            fail("query failed: " + expr + " at " + epochSeconds + " -> " + res);
        }
        return res.path("data").path("result");
    }

    /** Whether {@code expr} evaluates to at least one series (or a scalar). */
    public boolean hasData(String expr) {
        JsonNode r = query(expr);
        return r.isArray() ? !r.isEmpty() : !r.isMissingNode() && !r.isNull();
    }

    /** Firing alerts, each reduced to the given labels (those present) plus {@code alertname}. */
    public List<Map<String, String>> firingAlerts(String... labels) {
        List<Map<String, String>> out = new ArrayList<>();
        for (JsonNode a : api("/api/v1/alerts").path("data").path("alerts")) {
            if (!a.path("state").asText().equals("firing")) {
                continue;
            }
            Map<String, String> m = new LinkedHashMap<>();
            m.put("alertname", a.path("labels").path("alertname").asText());
            for (String k : labels) {
                if (a.path("labels").has(k)) {
                    m.put(k, a.path("labels").path(k).asText());
                }
            }
            out.add(m);
        }
        return out;
    }

    /** Alerting rules as loaded: name → the rule's JSON ({@code query}, {@code health}, {@code lastError}, {@code state}…). */
    public Map<String, JsonNode> alertingRules() {
        Map<String, JsonNode> out = new LinkedHashMap<>();
        for (JsonNode g : api("/api/v1/rules?type=alert").path("data").path("groups")) {
            for (JsonNode r : g.path("rules")) {
                out.put(r.path("name").asText(), r);
            }
        }
        return out;
    }

    /** GET {@code path} on the HTTP API, parsed. */
    public JsonNode api(String path) {
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(base + path))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            return JSON.readTree(r.body());
        } catch (IOException e) {
            throw new IllegalStateException("Prometheus API " + path + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Polls {@code condition} every 200 ms (Prometheus works in whole scrape intervals) until the deadline. */
    public void await(String what, BooleanSupplier condition, Supplier<String> diagnostics) {
        awaitUntil(deadline, what, condition, diagnostics);
    }

    /** Polls {@code condition} every 200 ms until it holds, or fails the test at {@code deadline}. */
    public static void awaitUntil(Instant deadline, String what, BooleanSupplier condition, Supplier<String> diagnostics) {
        IllegalStateException lastError = null;
        while (true) {
            try {
                if (condition.getAsBoolean()) {
                    return;
                }
            } catch (IllegalStateException e) {
                // one API call that timed out on a loaded machine is a poll that said "not yet"
                if (!(e.getCause() instanceof IOException)) {
                    throw e;
                }
                lastError = e;
            }
            if (Instant.now().isAfter(deadline)) {
                fail("timed out waiting for " + what + (lastError == null ? "" : " (last API error: " + lastError.getMessage() + ")")
                        + "\n  " + diagnostics.get());
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
        }
    }

    /** The process's output so far, for failure messages. */
    public String log() {
        try {
            return Files.exists(log) ? Files.readString(log) : "(no log)";
        } catch (IOException e) {
            return e.toString();
        }
    }

    private int status(String path) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(2)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1; // not listening yet
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress("127.0.0.1", 0));
            return s.getLocalPort();
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        try {
            Runtime.getRuntime().removeShutdownHook(killer);
        } catch (IllegalStateException e) {
            // JVM already shutting down: the hook runs anyway
        }
    }
}
