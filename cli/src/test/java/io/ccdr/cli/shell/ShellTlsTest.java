package io.ccdr.cli.shell;

import io.ccdr.cli.CcdrCommand;
import io.ccdr.node.embedded.EmbeddedCluster;
import io.ccdr.node.security.InitialPassword;
import io.ccdr.tls.CertificateAuthority;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code --trust-ca} for {@code ccdr shell} and {@code ccdr status} against a server that requires
 * Bolt TLS with a certificate from the operator's own CA.
 */
class ShellTlsTest {
    private static final String PASSWORD = "tls-test-pass";
    @TempDir
    static Path dir;
    static EmbeddedCluster cluster;
    static String hostPort;
    static Path caCert;
    static Path otherCaCert;

    @BeforeAll
    static void start() throws Exception {
        CertificateAuthority ca = CertificateAuthority.initCa("bolt-ca", dir.resolve("bolt-ca"));
        ca.issue("db", List.of("127.0.0.1", "localhost"), dir.resolve("bolt-policy"), 30);
        caCert = ca.directory().resolve(CertificateAuthority.CERT_FILE);
        otherCaCert = CertificateAuthority.initCa("other-ca", dir.resolve("other-ca")).directory().resolve(CertificateAuthority.CERT_FILE);
        cluster = new EmbeddedCluster(dir.resolve("cluster"), 1, Map.of(
                "dbms.ssl.policy.bolt.enabled", "true",
                "dbms.ssl.policy.bolt.base_directory", dir.resolve("bolt-policy").toString(),
                "server.bolt.tls_level", "REQUIRED"));
        InitialPassword.write(Path.of(cluster.settings(0).get("server.directories.data")), PASSWORD);
        cluster.start();
        hostPort = "127.0.0.1:" + cluster.server(0).boltPort();
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    record Run(int code, String out, String err) {
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cmd = CcdrCommand.commandLine();
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        return new Run(cmd.execute(args), out.toString(), err.toString());
    }

    @Test
    void trustCaVerifiesTheServerForEveryTlsCapableScheme() {
        for (String scheme : List.of("neo4j+s", "bolt+s", "neo4j", "bolt")) {
            Run r = run("shell", "-a", scheme + "://" + hostPort, "-p", PASSWORD, "--trust-ca", caCert.toString(),
                    "--format", "plain", "RETURN 1 AS one");
            assertThat(r.err()).as(scheme).isEmpty();
            assertThat(r.out()).as(scheme).isEqualTo("one\n1\n");
            assertThat(r.code()).as(scheme).isZero();
        }
    }

    @Test
    void withoutTheRightCaTheConnectionIsRefused() {
        Run systemTrust = run("shell", "-a", "neo4j+s://" + hostPort, "-p", PASSWORD, "RETURN 1");
        assertThat(systemTrust.code()).isEqualTo(1);
        assertThat(systemTrust.err()).startsWith("ERROR");

        Run otherCa = run("shell", "-a", "neo4j+s://" + hostPort, "-p", PASSWORD, "--trust-ca", otherCaCert.toString(), "RETURN 1");
        assertThat(otherCa.code()).isEqualTo(1);
        assertThat(otherCa.err()).startsWith("ERROR");

        // +ssc trusts any certificate: still encrypted, which the server requires
        Run ssc = run("shell", "-a", "neo4j+ssc://" + hostPort, "-p", PASSWORD, "--format", "plain", "RETURN 2 AS two");
        assertThat(ssc.out()).isEqualTo("two\n2\n");

        Run missing = run("shell", "-a", "neo4j+s://" + hostPort, "-p", PASSWORD, "--trust-ca", dir.resolve("nope.crt").toString(), "RETURN 1");
        assertThat(missing.code()).isEqualTo(2);
        assertThat(missing.err()).contains("--trust-ca " + dir.resolve("nope.crt") + ": no such readable file");
    }

    @Test
    void statusUsesTheSameTrustForTheClusterAndForEachServer() {
        Run r = run("status", "--cluster", "neo4j+s://" + hostPort, "-p", PASSWORD, "--trust-ca", caCert.toString());
        assertThat(r.err()).isEmpty();
        assertThat(r.code()).isZero();
        assertThat(r.out()).doesNotContain("note:");
        String neo4j = r.out().lines().filter(l -> l.startsWith("neo4j ")).findFirst().orElseThrow();
        assertThat(neo4j.split("\\s+")[7]).as("lastCommittedTxId, read over bolt+s from the server itself").matches("\\d+");
    }
}
