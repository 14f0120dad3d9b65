package io.ccdr.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.zip.GZIPInputStream;

import static io.ccdr.metrics.DatabaseHealth.Role.FOLLOWER;
import static io.ccdr.metrics.DatabaseHealth.Role.LEADER;
import static io.ccdr.metrics.DatabaseHealth.Role.REPLICA;
import static io.ccdr.metrics.DatabaseHealth.Role.SECONDARY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The health endpoints' status codes and bodies as a load balancer sees them, and robustness against odd input. */
class MetricsHttpServerTest {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, DatabaseHealth> HOSTED = new ConcurrentHashMap<>();
    private static Metrics metrics;
    private static MetricsHttpServer server;

    @BeforeAll
    static void start() throws IOException {
        List<String> members = List.of("10.0.0.1:7000", "10.0.0.2:7000", "10.0.0.3:7000");
        HOSTED.put("neo4j", new DatabaseHealth("neo4j", LEADER, true, true, false, 120, 0, members));
        HOSTED.put("orders", new DatabaseHealth("orders", FOLLOWER, false, true, true, 118, 2, members));
        HOSTED.put("reports", new DatabaseHealth("reports", SECONDARY, false, true, true, 90, -1, List.of()));
        HOSTED.put("dr-copy", new DatabaseHealth("dr-copy", REPLICA, false, true, true, 500, 25, members));
        HOSTED.put("starting", new DatabaseHealth("starting", FOLLOWER, false, false, true, 0, -1, members));
        HOSTED.put("frozen", new DatabaseHealth("frozen", LEADER, false, true, true, 7, 0, members));
        metrics = Metrics.create(MetricsConfig.defaults());
        server = MetricsHttpServer.start(new InetSocketAddress("127.0.0.1", 0), metrics, db -> {
            if (db.equals("exploding")) {
                throw new IllegalStateException("topology not loaded");
            }
            return Optional.ofNullable(HOSTED.get(db));
        });
    }

    @AfterAll
    static void stop() {
        server.close();
        metrics.close();
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return send("GET", path);
    }

    private static HttpResponse<String> send(String method, String path) throws Exception {
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.boundPort() + path))
                .method(method, HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(10)).build();
        return HTTP.send(req, HttpResponse.BodyHandlers.ofString());
    }

    private static void assertProbe(String db, String endpoint, boolean expected) throws Exception {
        HttpResponse<String> r = get("/db/" + db + "/cluster/" + endpoint);
        assertThat(r.statusCode()).as(db + " " + endpoint).isEqualTo(expected ? 200 : 404);
        assertThat(r.body()).as(db + " " + endpoint).isEqualTo(expected ? "true" : "false");
    }

    @Test
    void writableOnlyOnTheWriter() throws Exception {
        assertProbe("neo4j", "writable", true);
        for (String db : List.of("orders", "reports", "dr-copy", "starting", "frozen", "absent")) {
            assertProbe(db, "writable", false);
        }
    }

    @Test
    void readOnlyOnFollowersSecondariesReplicasAndReadOnlyDatabases() throws Exception {
        for (String db : List.of("orders", "reports", "dr-copy", "frozen")) {
            assertProbe(db, "read-only", true);
        }
        // the writer is not read-only; a member that cannot serve yet must not receive reads
        for (String db : List.of("neo4j", "starting", "absent")) {
            assertProbe(db, "read-only", false);
        }
    }

    @Test
    void availableWhenHostedAndServing() throws Exception {
        for (String db : List.of("neo4j", "orders", "reports", "dr-copy", "frozen")) {
            assertProbe(db, "available", true);
        }
        assertProbe("starting", "available", false);
        assertProbe("absent", "available", false);
    }

    @Test
    void statusJson() throws Exception {
        HttpResponse<String> r = get("/db/dr-copy/cluster/status");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
        JsonNode j = JSON.readTree(r.body());
        assertThat(j.get("database").asText()).isEqualTo("dr-copy");
        assertThat(j.get("role").asText()).isEqualTo("REPLICA");
        assertThat(j.get("writable").isBoolean()).isTrue();
        assertThat(j.get("writable").asBoolean()).isFalse();
        assertThat(j.get("available").asBoolean()).isTrue();
        assertThat(j.get("readOnly").asBoolean()).isTrue();
        assertThat(j.get("lastCommittedTxId").asLong()).isEqualTo(500);
        assertThat(j.get("lag").asLong()).isEqualTo(25);
        assertThat(j.get("members").isArray()).isTrue();
        assertThat(j.get("members")).extracting(JsonNode::asText)
                .containsExactly("10.0.0.1:7000", "10.0.0.2:7000", "10.0.0.3:7000");

        JsonNode leader = JSON.readTree(get("/db/neo4j/cluster/status").body());
        assertThat(leader.get("role").asText()).isEqualTo("LEADER");
        assertThat(leader.get("writable").asBoolean()).isTrue();
        assertThat(leader.get("lastCommittedTxId").asLong()).isEqualTo(120);

        JsonNode unknownLag = JSON.readTree(get("/db/reports/cluster/status").body());
        assertThat(unknownLag.get("lag").isNull()).isTrue();
        assertThat(unknownLag.get("members")).isEmpty();

        HttpResponse<String> missing = get("/db/absent/cluster/status");
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(JSON.readTree(missing.body()).get("error").asText()).isEqualTo("database not found");
    }

    @Test
    void failingHealthSourceIs503NotAnException() throws Exception {
        for (String ep : List.of("writable", "read-only", "available")) {
            HttpResponse<String> r = get("/db/exploding/cluster/" + ep);
            assertThat(r.statusCode()).isEqualTo(503);
            assertThat(r.body()).isEqualTo("false");
        }
        HttpResponse<String> s = get("/db/exploding/cluster/status");
        assertThat(s.statusCode()).isEqualTo(503);
        assertThat(JSON.readTree(s.body()).get("error").asText()).isEqualTo("health unavailable");
        assertProbe("neo4j", "writable", true); // and the server is fine afterwards
    }

    @Test
    void methodsAndUnknownPaths() throws Exception {
        for (String m : List.of("POST", "PUT", "DELETE", "OPTIONS")) {
            HttpResponse<String> r = send(m, "/db/neo4j/cluster/writable");
            assertThat(r.statusCode()).as(m).isEqualTo(405);
            assertThat(r.headers().firstValue("Allow")).hasValue("GET, HEAD");
            assertThat(send(m, "/metrics").statusCode()).as(m).isEqualTo(405);
        }
        HttpResponse<String> head = send("HEAD", "/db/neo4j/cluster/writable");
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.body()).isEmpty();
        assertThat(send("HEAD", "/db/orders/cluster/writable").statusCode()).isEqualTo(404);
        for (String p : List.of("/", "/metrics/", "/metricsx", "/db", "/db/", "/db/neo4j", "/db/neo4j/cluster",
                "/db/neo4j/cluster/", "/db/neo4j/cluster/leader", "/db/neo4j/cluster/writable/x",
                "/db/neo4j/status/writable", "/db//cluster/writable/")) {
            assertThat(get(p).statusCode()).as(p).isEqualTo(404);
        }
        assertThat(send("POST", "/nowhere").statusCode()).isEqualTo(404);
        // query strings are ignored, as load balancers sometimes add cache busters
        assertProbe("neo4j", "writable?x=1", true);
    }

    @Test
    void malformedDatabaseNamesAre400() throws Exception {
        for (String db : List.of("", "1abc", "a%20b", "%2e%2e", "..", "neo4j%00", "n%C3%A9o", "x".repeat(64),
                "a;b", "a'b")) {
            assertThat(get("/db/" + db + "/cluster/writable").statusCode()).as(db).isEqualTo(400);
        }
        assertThat(get("/db/" + "x".repeat(63) + "/cluster/writable").statusCode()).isEqualTo(404); // valid, not hosted
    }

    @Test
    void hugeAndInvalidRequestTargetsGet4xxAndTheServerSurvives() throws Exception {
        assertThat(get("/db/" + "a".repeat(5000) + "/cluster/writable").statusCode()).isEqualTo(414);
        for (String target : List.of("/db/%ZZ/cluster/writable", "/db/%/cluster/status", "/db/a b/cluster/writable",
                "/db/\u00e9/cluster/writable", "*", "http://127.0.0.1/db/neo4j/cluster/../../metrics",
                "/db/neo4j/cluster/writable\t")) {
            int status = rawStatus("GET " + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            assertThat(status).as(target).isBetween(400, 499);
        }
        assertThat(rawStatus("GET /db/neo4j/cluster/writable HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"))
                .isEqualTo(200);
    }

    @Test
    void metricsEndpointServesGzipWhenAsked() throws Exception {
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.boundPort() + "/metrics"))
                .header("Accept-Encoding", "gzip").build();
        HttpResponse<byte[]> r = HTTP.send(req, HttpResponse.BodyHandlers.ofByteArray());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Encoding")).hasValue("gzip");
        String text = new String(new GZIPInputStream(new ByteArrayInputStream(r.body())).readAllBytes(),
                StandardCharsets.UTF_8);
        assertThat(text).contains("# TYPE jvm_memory_used_bytes gauge");
    }

    @Test
    void concurrentProbesAreAllAnswered() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Integer>> results = new java.util.ArrayList<>();
            for (int i = 0; i < 200; i++) {
                String path = i % 2 == 0 ? "/db/neo4j/cluster/writable" : "/metrics";
                results.add(pool.submit(() -> get(path).statusCode()));
            }
            for (Future<Integer> f : results) {
                assertThat(f.get()).isEqualTo(200);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void healthRecordInvariants() {
        assertThatThrownBy(() -> new DatabaseHealth("x", FOLLOWER, true, true, false, 1, 0, List.of()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new DatabaseHealth("x", LEADER, true, false, false, 1, 0, List.of()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new DatabaseHealth("x", LEADER, true, true, true, 1, 0, List.of()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new DatabaseHealth("x", LEADER, false, true, true, 1, -2, List.of()))
                .isInstanceOf(IllegalArgumentException.class);
    }

    /** Sends bytes the Java HTTP client refuses to produce and returns the response status code. */
    private static int rawStatus(String request) throws IOException {
        try (Socket s = new Socket("127.0.0.1", server.boundPort())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(request.getBytes(StandardCharsets.UTF_8));
            out.flush();
            InputStream in = s.getInputStream();
            byte[] buf = new byte[12];
            int n = in.readNBytes(buf, 0, 12);
            String line = new String(buf, 0, n, StandardCharsets.US_ASCII);
            assertThat(line).as("status line for " + request.lines().findFirst().orElse("")).startsWith("HTTP/1.1 ");
            return Integer.parseInt(line.substring(9, 12));
        }
    }
}
