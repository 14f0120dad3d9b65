package io.ccdr.cli.shell;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ccdr.cli.CcdrCommand;
import io.ccdr.node.embedded.EmbeddedCluster;
import io.ccdr.node.security.InitialPassword;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code ccdr shell} against a real 3-server cluster in this JVM, through the official driver. */
class ShellCommandTest {
    private static final String PASSWORD = "shell-test-pass";
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    static Path dir;
    static EmbeddedCluster cluster;
    static String address;

    @BeforeAll
    static void start() throws Exception {
        cluster = new EmbeddedCluster(dir, 3, Map.of());
        for (int i = 0; i < 3; i++) {
            InitialPassword.write(Path.of(cluster.settings(i).get("server.directories.data")), PASSWORD);
        }
        cluster.start();
        address = "neo4j://127.0.0.1:" + cluster.server(1).boltPort();
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    record Run(int code, String out, String err) {
    }

    static Run shell(String... args) {
        List<String> all = new ArrayList<>(List.of("shell", "-a", address, "-p", PASSWORD));
        all.addAll(List.of(args));
        return raw(all.toArray(String[]::new));
    }

    static Run raw(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cmd = CcdrCommand.commandLine();
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        int code = cmd.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void tableFormatIsABoxedTableWithLiteralValuesAndParameters() {
        Run r = shell("--param", "name=Oslo", "--param", "n=42", "--param", "tags=[\"a\",\"b\"]",
                "RETURN $name AS name, $n + 1 AS n, $tags AS tags, {k: 'v', a: 1.5} AS m, null AS nothing");
        assertThat(r.err()).isEmpty();
        assertThat(r.code()).isZero();
        assertThat(r.out()).isEqualTo("""
                +--------+----+------------+------------------+---------+
                | name   | n  | tags       | m                | nothing |
                +--------+----+------------+------------------+---------+
                | "Oslo" | 43 | ["a", "b"] | {a: 1.5, k: "v"} | NULL    |
                +--------+----+------------+------------------+---------+
                """);
    }

    @Test
    void writesThenReadsNodesAsJsonLinesAndAsPlainText() throws Exception {
        Run w = shell("--param", "pop=709000", "CREATE (c:City {name: 'Oslo', pop: $pop}) RETURN c.name AS name");
        assertThat(w.code()).as(w.err()).isZero();
        shell("CREATE (:City {name: 'Lima', pop: 10000000})");

        // Read mode routes to a follower, and a new shell carries no bookmark: as in Neo4j, the read is
        // only eventually consistent with the writes above, so wait (bounded) until both are visible.
        String read = "MATCH (c:City) RETURN c, c.name AS name ORDER BY name";
        Run json = shell("--access-mode", "read", "--format", "json", read);
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        while (json.code() == 0 && json.out().split("\n").length < 2 && System.nanoTime() < deadline) {
            json = shell("--access-mode", "read", "--format", "json", read);
        }
        assertThat(json.code()).as(json.err()).isZero();
        List<JsonNode> lines = new ArrayList<>();
        for (String line : json.out().split("\n")) {
            lines.add(JSON.readTree(line));
        }
        assertThat(lines).hasSize(2);
        assertThat(lines.get(0).get("name").asText()).isEqualTo("Lima");
        JsonNode oslo = lines.get(1).get("c");
        assertThat(oslo.get("labels").get(0).asText()).isEqualTo("City");
        assertThat(oslo.get("properties").get("pop").asLong()).isEqualTo(709000);
        assertThat(oslo.get("elementId").asText()).isNotEmpty();

        Run plain = shell("--format", "plain", "-d", "neo4j", "MATCH (c:City) RETURN c.name AS name, c ORDER BY name");
        assertThat(plain.code()).as(plain.err()).isZero();
        assertThat(plain.out()).isEqualTo("name\tc\n"
                + "\"Lima\"\t(:City {name: \"Lima\", pop: 10000000})\n"
                + "\"Oslo\"\t(:City {name: \"Oslo\", pop: 709000})\n");
    }

    @Test
    void relationshipsAndPathsAreRenderedAsPatterns() {
        shell("CREATE (:Hub {code: 'OSL'})-[:ROUTE {km: 1150}]->(:Hub {code: 'CDG'})");
        Run r = shell("--format", "plain", "MATCH p = (a:Hub {code: 'OSL'})-[r:ROUTE]->(b) RETURN r, p");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("r\tp\n[:ROUTE {km: 1150}]\t(:Hub {code: \"OSL\"})-[:ROUTE {km: 1150}]->(:Hub {code: \"CDG\"})\n");
    }

    @Test
    void badCypherPrintsTheStatusCodeAndExitsOne() {
        Run r = shell("RETURN RETURN");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).startsWith("ERROR Neo.ClientError.Statement.SyntaxError: ");
    }

    @Test
    void scriptOnStandardInputRunsEveryStatementAndStopsAtTheFirstError() {
        String script = """
                // a comment; with a semicolon
                CREATE (:Note {text: 'a;b'});
                MATCH (n:Note) RETURN n.text AS text;
                RETURN nope(1);
                RETURN 'never' AS x;
                """;
        InputStream saved = System.in;
        Run r;
        try {
            System.setIn(new ByteArrayInputStream(script.getBytes(StandardCharsets.UTF_8)));
            r = shell("--format", "plain");
        } finally {
            System.setIn(saved);
        }
        assertThat(r.out()).isEqualTo("text\n\"a;b\"\n");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).startsWith("ERROR Neo.ClientError.");
    }

    @Test
    void readModeRefusesWrites() {
        Run r = shell("--access-mode", "read", "CREATE (:Refused)");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).startsWith("ERROR Neo.ClientError.");
        assertThat(shell("--format", "plain", "MATCH (r:Refused) RETURN count(r) AS n").out()).isEqualTo("n\n0\n");
    }

    @Test
    void wrongPasswordIsUnauthorized() {
        Run r = raw("shell", "-a", address, "-p", "not-the-password", "RETURN 1");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).startsWith("ERROR Neo.ClientError.Security.Unauthorized: ");
    }

    @Test
    void unreachableServerAndBadAddressesFailClearly() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Run down = raw("shell", "-a", "bolt://127.0.0.1:" + port, "-p", PASSWORD, "RETURN 1");
        assertThat(down.code()).isEqualTo(1);
        assertThat(down.err()).startsWith("ERROR: ").contains("127.0.0.1:" + port);

        Run scheme = raw("shell", "-a", "http://127.0.0.1:7687", "-p", PASSWORD, "RETURN 1");
        assertThat(scheme.code()).isEqualTo(2);
        assertThat(scheme.err()).contains("invalid address 'http://127.0.0.1:7687'");

        Run ssc = raw("shell", "-a", "neo4j+ssc://127.0.0.1:7687", "-p", PASSWORD, "--trust-ca", dir.resolve("ca.crt").toString(), "RETURN 1");
        assertThat(ssc.code()).isEqualTo(2);
        assertThat(ssc.err()).contains("--trust-ca cannot be combined with neo4j+ssc://");
    }

    /** The queries runbooks/monitoring.md tells operators to run, exactly as written there. */
    @Test
    void theMonitoringRunbookQueriesWork() {
        Run show = shell("-d", "system", "--format", "plain",
                "SHOW DATABASE neo4j YIELD name, address, role, writer, currentStatus, lastCommittedTxId");
        assertThat(show.code()).as(show.err()).isZero();
        List<String> lines = show.out().lines().toList();
        assertThat(lines.get(0)).isEqualTo("name\taddress\trole\twriter\tcurrentStatus\tlastCommittedTxId");
        assertThat(lines).hasSize(4);
        assertThat(lines.subList(1, 4)).allMatch(l -> l.startsWith("\"neo4j\"\t\"127.0.0.1:") && l.contains("\t\"primary\"\t"));
        assertThat(lines.subList(1, 4)).filteredOn(l -> l.contains("\ttrue\t")).hasSize(1);

        Run probe = shell("-d", "neo4j", "--format", "plain", "CREATE (p:CcdrProbe {at: timestamp()}) RETURN p.at AS at");
        assertThat(probe.code()).as(probe.err()).isZero();
        assertThat(probe.out()).matches("at\n\\d{13}\n");
        Run backOut = shell("-d", "neo4j", "MATCH (p:CcdrProbe) DELETE p");
        assertThat(backOut.code()).as(backOut.err()).isZero();
        assertThat(shell("-d", "neo4j", "--format", "plain", "MATCH (p:CcdrProbe) RETURN count(p) AS n").out()).isEqualTo("n\n0\n");

        Run ping = shell("-d", "neo4j", "--access-mode", "read", "--format", "plain", "CALL db.ping()");
        assertThat(ping.code()).as(ping.err()).isZero();
        assertThat(ping.out()).isEqualTo("success\ntrue\n");
    }
}
