package io.ccdr.tls;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class PolicyInspectorTest {
    @TempDir
    Path tmp;
    private CertificateAuthority ca;
    private Path dir;

    @BeforeEach
    void setUp() {
        ca = CertificateAuthority.initCa("cluster-a", tmp.resolve("ca"));
        dir = tmp.resolve("node-1");
        ca.issue("node-1", List.of("db-1.example", "10.0.0.1"), dir, 30);
    }

    @Test
    void completePolicyDirectoryIsOk() {
        var inspection = PolicyInspector.inspect(dir);
        assertThat(inspection.kind()).isEqualTo(PolicyInspector.Kind.POLICY_DIRECTORY);
        assertThat(inspection.problems()).isEmpty();
        assertThat(inspection.render()).contains("CN=node-1").contains("DNS:db-1.example").contains("IP:10.0.0.1")
                .contains("matches public.crt: yes").contains("SHA-256").endsWith("OK\n");
        assertThat(inspection.certificates()).singleElement()
                .satisfies(c -> assertThat(c.sha256()).matches("([0-9A-F]{2}:){31}[0-9A-F]{2}"));
    }

    @Test
    void certificateFileAndCaDirectoryAndCrlFile() {
        var cert = PolicyInspector.inspect(dir.resolve("public.crt"));
        assertThat(cert.kind()).isEqualTo(PolicyInspector.Kind.CERTIFICATE_FILE);
        assertThat(cert.certificates().get(0).issuer()).isEqualTo("CN=cluster-a");
        assertThat(cert.ok()).isTrue();

        var caDir = PolicyInspector.inspect(ca.directory());
        assertThat(caDir.kind()).isEqualTo(PolicyInspector.Kind.CA_DIRECTORY);
        assertThat(caDir.ok()).isTrue();
        assertThat(caDir.certificates().get(0).ca()).isTrue();

        Path crl = ca.revoke(dir.resolve("public.crt"));
        var crlInspection = PolicyInspector.inspect(crl);
        assertThat(crlInspection.kind()).isEqualTo(PolicyInspector.Kind.CRL_FILE);
        assertThat(crlInspection.render()).contains("revoked:     1 certificate(s)");

        var key = PolicyInspector.inspect(dir.resolve("private.key"));
        assertThat(key.kind()).isEqualTo(PolicyInspector.Kind.PRIVATE_KEY_FILE);
        assertThat(key.render()).contains("EC").doesNotContain("BEGIN");
    }

    @Test
    void problemsAreListed() throws Exception {
        // revoked, key readable by others, foreign key, and an expired trusted CA... one at a time
        PolicyFiles.installCrl(dir, ca.revoke(dir.resolve("public.crt")));
        Files.setPosixFilePermissions(dir.resolve("private.key"), PosixFilePermissions.fromString("rw-r--r--"));
        var inspection = PolicyInspector.inspect(dir);
        assertThat(inspection.ok()).isFalse();
        assertThat(inspection.problems()).anySatisfy(p -> assertThat(p).contains("revoked"));
        assertThat(inspection.problems()).anySatisfy(p -> assertThat(p).contains("chmod 600"));

        Path other = tmp.resolve("node-2");
        ca.issue("node-2", List.of("10.0.0.2"), other, 30);
        Files.delete(dir.resolve("private.key"));
        Files.copy(other.resolve("private.key"), dir.resolve("private.key"));
        assertThat(PolicyInspector.inspect(dir).problems()).anySatisfy(p -> assertThat(p).contains("does not match"));

        Files.delete(dir.resolve("trusted/cluster-a.crt"));
        assertThat(PolicyInspector.inspect(dir).problems())
                .anySatisfy(p -> assertThat(p).contains("contains no CA certificate"));
    }

    @Test
    void untrustedAndExpiredCertificatesAreProblems() {
        CertificateAuthority stranger = CertificateAuthority.initCa("stranger", tmp.resolve("ca2"));
        Path foreign = tmp.resolve("foreign");
        stranger.issue("x", List.of("10.0.0.3"), foreign, 30);
        PolicyFiles.trust(foreign, ca.directory().resolve("ca.crt"));
        java.nio.file.Path strangerTrusted = foreign.resolve("trusted/stranger.crt");
        strangerTrusted.toFile().delete();
        assertThat(PolicyInspector.inspect(foreign).problems())
                .anySatisfy(p -> assertThat(p).contains("not issued by a trusted CA"));

        Instant now = Instant.now();
        Path old = tmp.resolve("old");
        ca.issue("old", List.of("10.0.0.4"), old, now.minus(Duration.ofDays(9)), now.minus(Duration.ofDays(2)));
        assertThat(PolicyInspector.inspect(old).problems()).anySatisfy(p -> assertThat(p).contains("expired"));
    }
}
