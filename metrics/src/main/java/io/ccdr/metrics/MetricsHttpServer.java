package io.ccdr.metrics;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.GZIPOutputStream;

/**
 * The metrics and health HTTP endpoint ({@code server.metrics.prometheus.endpoint}, default {@code localhost:2004}).
 *
 * <ul>
 *   <li>{@code GET /metrics}: every meter in the Prometheus text format 0.0.4 (gzip if asked for); 404 when
 *   {@code server.metrics.enabled} or {@code server.metrics.prometheus.enabled} is false.</li>
 *   <li>{@code GET /db/{database}/cluster/writable}: 200 {@code true} if this server accepts writes for the
 *   database, else 404 {@code false}.</li>
 *   <li>{@code GET /db/{database}/cluster/read-only}: 200 {@code true} if this server serves the database
 *   read-only (follower, secondary, replica member), else 404 {@code false}.</li>
 *   <li>{@code GET /db/{database}/cluster/available}: 200 {@code true} if this server hosts and can serve the
 *   database, else 404 {@code false}.</li>
 *   <li>{@code GET /db/{database}/cluster/status}: 200 JSON with role, txId, lag and members; 404
 *   {@code {"error":"database not found"}} when the database is not hosted here.</li>
 * </ul>
 * These are the Neo4j 5 semantics load balancers are configured for: any non-2xx takes the server out of the pool
 * for that purpose. {@code HEAD} is answered like {@code GET} without a body (some balancers probe with it); other
 * methods get 405, unknown paths 404, malformed database names 400, request targets longer than
 * {@value #MAX_PATH} characters 414. A failing {@link HealthSource} yields 503, never an exception out of a handler.
 *
 * <p>The server runs when {@code server.metrics.prometheus.enabled=true} (off by default, as in Neo4j). The health
 * endpoints are answered whenever it runs, also with {@code server.metrics.enabled=false}, because load balancers
 * need them even where nobody scrapes metrics. (Neo4j serves them on its HTTP connector, which ccdr does not have.)
 * Requests run on two daemon threads with a short queue; beyond that the accepting thread
 * serves the request itself, which throttles a flood instead of queueing it without bound.
 */
public final class MetricsHttpServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MetricsHttpServer.class);
    static final int MAX_PATH = 512;
    static final String PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    private static final String TEXT = "text/plain; charset=utf-8";
    private static final String JSON = "application/json";
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final long WARN_INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);

    private final HttpServer server;
    private final ThreadPoolExecutor executor;
    private final Metrics metrics;
    private final HealthSource health;
    private final AtomicLong lastWarnNanos = new AtomicLong(System.nanoTime() - WARN_INTERVAL_NANOS);

    private MetricsHttpServer(InetSocketAddress address, Metrics metrics, HealthSource health) throws IOException {
        this.metrics = metrics;
        this.health = Objects.requireNonNull(health, "health");
        if (address.isUnresolved()) {
            throw new java.net.UnknownHostException("Cannot bind " + MetricsConfig.PROMETHEUS_ENDPOINT + "="
                    + hostPort(address) + ": host does not resolve");
        }
        AtomicInteger n = new AtomicInteger();
        executor = new ThreadPoolExecutor(2, 2, 30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(16), r -> {
            Thread t = new Thread(r, "ccdr-metrics-http-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        }, new ThreadPoolExecutor.CallerRunsPolicy());
        executor.allowCoreThreadTimeOut(true);
        try {
            server = HttpServer.create(address, 32);
        } catch (BindException e) {
            executor.shutdownNow();
            // the one line an operator sees: which setting, which address, and the two ways out
            BindException be = new BindException("Cannot bind " + MetricsConfig.PROMETHEUS_ENDPOINT + "="
                    + hostPort(address) + ": " + e.getMessage() + " (another server on this host? give each its own "
                    + MetricsConfig.PROMETHEUS_ENDPOINT + ", or set " + MetricsConfig.PROMETHEUS_ENABLED + "=false)");
            be.initCause(e);
            throw be;
        } catch (IOException | RuntimeException e) {
            executor.shutdownNow();
            throw e;
        }
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
        LOG.info("Metrics and health endpoint listening on {}", server.getAddress());
    }

    /**
     * Binds the endpoint of {@code config} and starts serving. {@code /metrics} is served only when
     * {@link MetricsConfig#prometheusServed()}.
     */
    public static MetricsHttpServer start(MetricsConfig config, Metrics metrics, HealthSource health)
            throws IOException {
        return new MetricsHttpServer(config.endpoint(), config.prometheusServed() ? metrics : null, health);
    }

    /** Binds {@code address}; {@code metrics} null means {@code /metrics} answers 404. */
    public static MetricsHttpServer start(InetSocketAddress address, Metrics metrics, HealthSource health)
            throws IOException {
        return new MetricsHttpServer(address, metrics, health);
    }

    /** {@code host:port} as written in the configuration ({@code [::1]:2004} for IPv6 literals). */
    private static String hostPort(InetSocketAddress address) {
        String host = address.getHostString();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + address.getPort();
    }

    public InetSocketAddress boundAddress() {
        return server.getAddress();
    }

    public int boundPort() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdown();
        try {
            if (!executor.awaitTermination(2, TimeUnit.SECONDS)) {
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    // ---- request handling ---------------------------------------------------------------------------------------

    private void handle(HttpExchange ex) {
        try {
            route(ex);
        } catch (Throwable t) {
            warn("Request " + ex.getRequestMethod() + " " + ex.getRequestURI() + " failed", t);
            if (ex.getResponseCode() == -1) {
                try {
                    respond(ex, 500, TEXT, "internal error");
                } catch (IOException ignored) {
                    // client gone
                }
            }
        } finally {
            ex.close();
        }
    }

    private void route(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getRawPath();
        if (path == null || path.isEmpty()) {
            respond(ex, 400, TEXT, "bad request target");
            return;
        }
        if (path.length() > MAX_PATH) {
            respond(ex, 414, TEXT, "request target too long");
            return;
        }
        if (path.equals("/metrics")) {
            if (methodAllowed(ex)) {
                metrics(ex);
            }
            return;
        }
        if (path.startsWith("/db/")) {
            String[] parts = path.substring(4).split("/", -1);
            if (parts.length == 3 && parts[1].equals("cluster")) {
                String endpoint = parts[2];
                if (!List.of("writable", "read-only", "available", "status").contains(endpoint)) {
                    respond(ex, 404, TEXT, "not found");
                    return;
                }
                if (!methodAllowed(ex)) {
                    return;
                }
                String database = parts[0];
                if (!Names.isDatabaseName(database)) {
                    respond(ex, 400, TEXT, "invalid database name");
                    return;
                }
                health(ex, database, endpoint);
                return;
            }
        }
        respond(ex, 404, TEXT, "not found");
    }

    private boolean methodAllowed(HttpExchange ex) throws IOException {
        String m = ex.getRequestMethod();
        if (m.equals("GET") || m.equals("HEAD")) {
            return true;
        }
        ex.getResponseHeaders().set("Allow", "GET, HEAD");
        respond(ex, 405, TEXT, "method not allowed");
        return false;
    }

    private void metrics(HttpExchange ex) throws IOException {
        if (metrics == null) {
            respond(ex, 404, TEXT, "metrics disabled (server.metrics.enabled / server.metrics.prometheus.enabled)");
            return;
        }
        byte[] body = metrics.scrape().getBytes(StandardCharsets.UTF_8);
        String acceptEncoding = ex.getRequestHeaders().getFirst("Accept-Encoding");
        if (acceptEncoding != null && acceptEncoding.toLowerCase(java.util.Locale.ROOT).contains("gzip")) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(body.length / 4 + 64);
            try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
                gz.write(body);
            }
            body = bytes.toByteArray();
            ex.getResponseHeaders().set("Content-Encoding", "gzip");
        }
        respond(ex, 200, PROMETHEUS_CONTENT_TYPE, body);
    }

    private void health(HttpExchange ex, String database, String endpoint) throws IOException {
        Optional<DatabaseHealth> h;
        try {
            h = Objects.requireNonNull(health.health(database), "HealthSource returned null");
        } catch (RuntimeException e) {
            warn("Health source failed for database " + database, e);
            if (endpoint.equals("status")) {
                respond(ex, 503, JSON, "{\"error\":\"health unavailable\"}");
            } else {
                respond(ex, 503, TEXT, "false");
            }
            return;
        }
        switch (endpoint) {
            case "writable" -> bool(ex, h.map(DatabaseHealth::writable).orElse(false));
            case "read-only" -> bool(ex, h.map(d -> d.available() && d.readOnly()).orElse(false));
            case "available" -> bool(ex, h.map(DatabaseHealth::available).orElse(false));
            default -> status(ex, h);
        }
    }

    private void bool(HttpExchange ex, boolean ok) throws IOException {
        respond(ex, ok ? 200 : 404, TEXT, ok ? "true" : "false");
    }

    private void status(HttpExchange ex, Optional<DatabaseHealth> h) throws IOException {
        if (h.isEmpty()) {
            respond(ex, 404, JSON, "{\"error\":\"database not found\"}");
            return;
        }
        DatabaseHealth d = h.get();
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("database", d.database());
        json.put("role", d.role().name());
        json.put("writable", d.writable());
        json.put("available", d.available());
        json.put("readOnly", d.readOnly());
        json.put("lastCommittedTxId", d.lastCommittedTxId());
        json.put("lag", d.lag() < 0 ? null : d.lag());
        json.put("members", d.members());
        respond(ex, 200, JSON, MAPPER.writeValueAsBytes(json));
    }

    private static void respond(HttpExchange ex, int code, String contentType, String body) throws IOException {
        respond(ex, code, contentType, body.getBytes(StandardCharsets.UTF_8));
    }

    private static void respond(HttpExchange ex, int code, String contentType, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", contentType);
        ex.getResponseHeaders().set("Cache-Control", "no-store");
        if (ex.getRequestMethod().equals("HEAD")) {
            ex.sendResponseHeaders(code, -1);
            return;
        }
        ex.sendResponseHeaders(code, body.length == 0 ? -1 : body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }

    /** Load balancers probe every few seconds: a persistent failure is logged once a minute, not per probe. */
    private void warn(String message, Throwable t) {
        long now = System.nanoTime();
        long last = lastWarnNanos.get();
        if (now - last >= WARN_INTERVAL_NANOS && lastWarnNanos.compareAndSet(last, now)) {
            LOG.warn("{} (further failures within a minute are logged at debug)", message, t);
        } else {
            LOG.debug(message, t);
        }
    }
}
