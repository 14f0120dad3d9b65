package io.ccdr.node.query;

import io.ccdr.node.embedded.EmbeddedCluster;
import io.ccdr.node.security.InitialPassword;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.neo4j.driver.AccessMode;
import org.neo4j.driver.AuthTokens;
import org.neo4j.driver.Bookmark;
import org.neo4j.driver.Driver;
import org.neo4j.driver.GraphDatabase;
import org.neo4j.driver.QueryConfig;
import org.neo4j.driver.Record;
import org.neo4j.driver.Session;
import org.neo4j.driver.SessionConfig;
import org.neo4j.driver.exceptions.AuthenticationException;
import org.neo4j.driver.exceptions.ClientException;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The official Neo4j Java driver against a real 3-server cluster: routing, bookmarks, admin, auth. */
class BoltClusterTest {
    private static final String PASSWORD = "s3cret-pass";
    @TempDir
    static Path dir;
    static EmbeddedCluster cluster;
    static Driver driver;

    @BeforeAll
    static void start() throws Exception {
        cluster = new EmbeddedCluster(dir, 3, Map.of());
        for (int i = 0; i < 3; i++) {
            InitialPassword.write(Path.of(cluster.settings(i).get("server.directories.data")), PASSWORD);
        }
        cluster.start();
        String bolt = "neo4j://127.0.0.1:" + cluster.server(0).boltPort();
        driver = GraphDatabase.driver(bolt, AuthTokens.basic("neo4j", PASSWORD));
        driver.verifyConnectivity();
    }

    @AfterAll
    static void stop() {
        if (driver != null) {
            driver.close();
        }
        cluster.close();
    }

    @Test
    void theNodeJsDriverRoutesWritesReadsWithBookmarksAndTransactionFunctions() throws Exception {
        Path scripts = Path.of("src/test/node").toAbsolutePath();
        org.junit.jupiter.api.Assumptions.assumeTrue(java.nio.file.Files.isDirectory(scripts.resolve("node_modules/neo4j-driver")),
                "npm packages not installed: run `npm ci` in upstream-node/src/test/node (.ci/run does)");
        ProcessBuilder pb = new ProcessBuilder("node", "cluster-smoke.mjs").directory(scripts.toFile()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("node-smoke.log").toFile());
        pb.environment().put("BOLT_URI", "neo4j://127.0.0.1:" + cluster.server(1).boltPort());
        pb.environment().put("BOLT_PASSWORD", PASSWORD);
        Process p = pb.start();
        boolean done = p.waitFor(120, java.util.concurrent.TimeUnit.SECONDS);
        String output = java.nio.file.Files.readString(dir.resolve("node-smoke.log"));
        if (!done) {
            p.destroyForcibly();
        }
        assertThat(done).as("node finished: " + output).isTrue();
        assertThat(p.exitValue()).as(output).isZero();
        assertThat(output).contains("4 passed, 0 failed");
    }

    @Test
    void theSeedApplicationPatternWorks() {
        try (Session session = driver.session()) {
            for (String name : List.of("Oslo", "Lima", "Oslo")) {
                session.executeWrite(tx -> tx.run("MERGE (:City {name: $name})", Map.of("name", name)).consume());
            }
            List<String> names = session.executeRead(tx -> tx.run("MATCH (c:City) RETURN c.name AS name ORDER BY name")
                    .list(r -> r.get("name").asString()));
            assertThat(names).containsExactly("Lima", "Oslo");
        }
    }

    @Test
    void readsWithABookmarkSeeTheWriteOnAnyMember() {
        for (int i = 0; i < 20; i++) {
            Bookmark bookmark;
            try (Session writer = driver.session()) {
                int n = i;
                writer.executeWrite(tx -> tx.run("CREATE (:Causal {n: $n})", Map.of("n", n)).consume());
                bookmark = writer.lastBookmarks().iterator().next();
            }
            long wanted = i;
            try (Session reader = driver.session(SessionConfig.builder().withBookmarks(bookmark)
                    .withDefaultAccessMode(AccessMode.READ).build())) {
                long seen = reader.executeRead(tx -> tx.run("MATCH (c:Causal {n: $n}) RETURN count(c) AS c", Map.of("n", wanted))
                        .single().get("c").asLong());
                assertThat(seen).as("read %d after its write", i).isEqualTo(1);
            }
        }
    }

    @Test
    void createDatabaseThenRoutedWritesToIt() {
        driver.executableQuery("CREATE DATABASE shipping IF NOT EXISTS TOPOLOGY 3 PRIMARIES")
                .withConfig(QueryConfig.builder().withDatabase("system").build()).execute();
        var result = driver.executableQuery("CREATE (p:Parcel {id: 1}) RETURN p.id AS id")
                .withConfig(QueryConfig.builder().withDatabase("shipping").build()).execute();
        assertThat(result.records().get(0).get("id").asLong()).isEqualTo(1);
        var count = driver.executableQuery("MATCH (p:Parcel) RETURN count(p) AS c")
                .withConfig(QueryConfig.builder().withDatabase("shipping").withBookmarkManager(driver.executableQueryBookmarkManager()).build())
                .execute();
        assertThat(count.records().get(0).get("c").asLong()).isEqualTo(1);
        List<Record> rows = driver.executableQuery("SHOW DATABASE shipping YIELD name, writer, type, currentStatus")
                .withConfig(QueryConfig.builder().withDatabase("system").build()).execute().records();
        assertThat(rows).hasSize(3);
        assertThat(rows.stream().filter(r -> r.get("writer").asBoolean()).count()).isEqualTo(1);
        assertThat(rows).allMatch(r -> r.get("type").asString().equals("standard"));
    }

    @Test
    void showDatabasesHasNeo4jColumns() {
        var records = driver.executableQuery("SHOW DATABASES").withConfig(QueryConfig.builder().withDatabase("system").build())
                .execute();
        assertThat(records.keys()).containsExactly("name", "type", "aliases", "access", "address", "role", "writer",
                "requestedStatus", "currentStatus", "statusMessage", "default", "home", "constituents");
        assertThat(records.records().stream().map(r -> r.get("name").asString())).contains("neo4j", "system");
    }

    @Test
    void wrongCredentialsAreUnauthorized() {
        try (Driver bad = GraphDatabase.driver("neo4j://127.0.0.1:" + cluster.server(1).boltPort(), AuthTokens.basic("neo4j", "wrong"))) {
            assertThatThrownBy(bad::verifyConnectivity).isInstanceOf(AuthenticationException.class)
                    .satisfies(e -> assertThat(((AuthenticationException) e).code()).isEqualTo("Neo.ClientError.Security.Unauthorized"));
        }
    }

    @Test
    void nonAdminsCannotAdministerAndBadCypherIsASyntaxError() {
        driver.executableQuery("CREATE USER reader IF NOT EXISTS SET PASSWORD 'reader-pass' CHANGE NOT REQUIRED")
                .withConfig(QueryConfig.builder().withDatabase("system").build()).execute();
        try (Driver user = GraphDatabase.driver("neo4j://127.0.0.1:" + cluster.server(0).boltPort(), AuthTokens.basic("reader", "reader-pass"))) {
            assertThatThrownBy(() -> user.executableQuery("CREATE DATABASE nope").withConfig(QueryConfig.builder().withDatabase("system").build()).execute())
                    .isInstanceOf(ClientException.class)
                    .satisfies(e -> assertThat(((ClientException) e).code()).isEqualTo("Neo.ClientError.Security.Forbidden"));
        }
        assertThatThrownBy(() -> driver.executableQuery("MATCH (n RETURN n").execute())
                .isInstanceOf(ClientException.class)
                .satisfies(e -> assertThat(((ClientException) e).code()).isEqualTo("Neo.ClientError.Statement.SyntaxError"));
        boolean counted = false;
        for (int i = 0; i < 3; i++) {
            counted |= cluster.server(i).metrics().scrape().contains("status=\"Neo.ClientError.Statement.SyntaxError\"");
        }
        assertThat(counted).as("Bolt failures are counted by status code").isTrue();
    }

    @Test
    void rolesCanBeGrantedAndRevoked() {
        QueryConfig system = QueryConfig.builder().withDatabase("system").build();
        driver.executableQuery("CREATE USER grantee IF NOT EXISTS SET PASSWORD 'grantee-pass'").withConfig(system).execute();
        driver.executableQuery("GRANT ROLE reader, editor TO grantee").withConfig(system).execute();
        driver.executableQuery("REVOKE ROLE editor FROM grantee").withConfig(system).execute();
        List<Object> roles = driver.executableQuery("SHOW USERS YIELD user, roles WHERE user = 'grantee' RETURN roles")
                .withConfig(system).execute().records().get(0).get("roles").asList();
        assertThat(roles).contains("reader").doesNotContain("editor");
    }

    @Test
    void uniquenessConstraintHoldsUnderConcurrentMerge() throws Exception {
        driver.executableQuery("CREATE CONSTRAINT city_code IF NOT EXISTS FOR (c:Airport) REQUIRE c.code IS UNIQUE").execute();
        List<Thread> threads = new java.util.ArrayList<>();
        for (int t = 0; t < 8; t++) {
            Thread th = new Thread(() -> {
                try (Session s = driver.session()) {
                    for (int i = 0; i < 10; i++) {
                        int n = i;
                        s.executeWrite(tx -> tx.run("MERGE (:Airport {code: $c})", Map.of("c", "A" + n)).consume());
                    }
                }
            });
            th.start();
            threads.add(th);
        }
        for (Thread th : threads) {
            th.join(Duration.ofSeconds(60).toMillis());
        }
        long count = driver.executableQuery("MATCH (a:Airport) RETURN count(a) AS c").execute().records().get(0).get("c").asLong();
        assertThat(count).isEqualTo(10);
    }
}
