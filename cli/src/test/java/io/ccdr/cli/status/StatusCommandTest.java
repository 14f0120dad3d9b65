package io.ccdr.cli.status;

import io.ccdr.cli.CcdrCommand;
import io.ccdr.node.embedded.EmbeddedCluster;
import io.ccdr.node.security.InitialPassword;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.neo4j.driver.AuthTokens;
import org.neo4j.driver.Driver;
import org.neo4j.driver.GraphDatabase;
import org.neo4j.driver.QueryConfig;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code ccdr status} against a real 3-server cluster in this JVM. */
class StatusCommandTest {
    private static final String PASSWORD = "status-test-pass";
    @TempDir
    static Path dir;
    static EmbeddedCluster cluster;
    static String address;
    static long txId;

    @BeforeAll
    static void start() throws Exception {
        cluster = new EmbeddedCluster(dir, 3, Map.of());
        for (int i = 0; i < 3; i++) {
            InitialPassword.write(Path.of(cluster.settings(i).get("server.directories.data")), PASSWORD);
        }
        cluster.start();
        address = "neo4j://127.0.0.1:" + cluster.server(0).boltPort();
        try (Driver driver = GraphDatabase.driver(address, AuthTokens.basic("neo4j", PASSWORD))) {
            for (int i = 0; i < 5; i++) {
                driver.executableQuery("CREATE (:Tick {i: $i})").withParameters(Map.of("i", i))
                        .withConfig(QueryConfig.builder().withDatabase("neo4j").build()).execute();
            }
        }
        int leader = cluster.awaitLeader("neo4j", Duration.ofSeconds(30));
        txId = cluster.server(leader).database("neo4j").orElseThrow().lastCommittedTxId();
        for (int i = 0; i < 3; i++) {
            cluster.server(i).database("neo4j").orElseThrow().awaitTxId(txId, Duration.ofSeconds(30));
        }
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    record Run(int code, String out, String err) {
        List<String> lines() {
            return Arrays.asList(out.split("\n"));
        }
    }

    static Run status(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cmd = CcdrCommand.commandLine();
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        String[] all = new String[args.length + 1];
        all[0] = "status";
        System.arraycopy(args, 0, all, 1, args.length);
        return new Run(cmd.execute(all), out.toString(), err.toString());
    }

    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void showsEveryServerAndEveryMemberWithItsOwnTransactionId() {
        Run r = status("--cluster", address, "-p", PASSWORD);
        assertThat(r.err()).isEmpty();
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("cluster " + address + "  3 servers").contains("SERVERS\n").contains("DATABASES\n");
        for (int i = 0; i < 3; i++) {
            String bolt = "127.0.0.1:" + cluster.server(i).boltPort();
            assertThat(r.lines()).as("server line for " + bolt).anyMatch(l -> l.contains(bolt) && l.contains("Available")
                    && l.contains("system,neo4j"));
        }
        List<String> header = r.lines().stream().filter(l -> l.matches("name\\s+type\\s.*")).toList();
        assertThat(header).hasSize(1);
        assertThat(header.get(0).split("\\s+")).containsExactly("name", "type", "address", "role", "writer", "currentStatus",
                "statusMessage", "lastCommittedTxId", "replicationLag", "upstreamLastCommittedTxId", "replicaLagTransactions",
                "replicaLagSeconds", "replicationState");
        List<String[]> neo4j = r.lines().stream().filter(l -> l.startsWith("neo4j ")).map(l -> l.split("\\s+")).toList();
        assertThat(neo4j).hasSize(3);
        assertThat(neo4j.stream().filter(c -> c[4].equals("true"))).as("exactly one writer").hasSize(1);
        for (String[] c : neo4j) {
            assertThat(c[1]).isEqualTo("standard");
            assertThat(c[5]).isEqualTo("online");
            assertThat(c[6]).isEqualTo("-");
            // Each member's own txId, asked of that server directly: all caught up to the last write.
            assertThat(Long.parseLong(c[7])).as("lastCommittedTxId of %s", c[2]).isEqualTo(txId);
            assertThat(c).hasSize(13);
        }
        assertThat(r.lines()).anyMatch(l -> l.startsWith("system "));
    }

    @Test
    void anUnreachableClusterIsMarkedWhileTheOthersAreShown() throws Exception {
        String down = "neo4j://127.0.0.1:" + freePort();
        Run r = status("--cluster", address, "--cluster", down, "-p", PASSWORD);
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.out()).contains("1 UNREACHABLE").contains("cluster " + address + "  3 servers")
                .contains("cluster " + down + "  UNREACHABLE: ");
        assertThat(r.lines()).filteredOn(l -> l.startsWith("neo4j ")).hasSize(3);
        assertThat(r.err().split("\n")).hasSize(1);
        assertThat(r.err()).startsWith("ccdr status: cluster " + down + " unreachable: ");
    }

    @Test
    void watchPrintsSeparateSnapshotsWhenNotATerminal() {
        Run r = status("--cluster", address, "-p", PASSWORD, "--watch", "--interval", "0.2", "--count", "3");
        assertThat(r.code()).as(r.err()).isZero();
        Matcher m = Pattern.compile("(?m)^ccdr status \\S+  1 cluster$").matcher(r.out());
        int screens = 0;
        while (m.find()) {
            screens++;
        }
        assertThat(screens).isEqualTo(3);
        assertThat(r.out()).doesNotContain("\033[");
    }

    @Test
    void wrongPasswordAndUsageErrorsAreReported() {
        Run auth = status("--cluster", address, "-p", "wrong-password");
        assertThat(auth.code()).isEqualTo(1);
        assertThat(auth.err()).contains("Neo.ClientError.Security.Unauthorized");

        Run noCluster = status("-p", PASSWORD);
        assertThat(noCluster.code()).isEqualTo(2);
        assertThat(noCluster.err()).contains("--cluster");

        Run badScheme = status("--cluster", "http://127.0.0.1:1", "-p", PASSWORD);
        assertThat(badScheme.code()).isEqualTo(2);
        assertThat(badScheme.err()).contains("invalid address 'http://127.0.0.1:1'");

        Run countWithoutWatch = status("--cluster", address, "-p", PASSWORD, "--count", "2");
        assertThat(countWithoutWatch.code()).isEqualTo(2);
        assertThat(countWithoutWatch.err()).contains("--count needs --watch");
    }
}
