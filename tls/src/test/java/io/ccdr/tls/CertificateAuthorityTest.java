package io.ccdr.tls;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

class CertificateAuthorityTest {
    @TempDir
    Path tmp;

    @Test
    void initCaWritesPkcs8KeyOwnerOnlyAndSelfSignedCaCertificate() throws Exception {
        Path dir = tmp.resolve("ca");
        CertificateAuthority ca = CertificateAuthority.initCa("Cluster A", dir);

        Path key = dir.resolve("ca.key");
        assertThat(Files.readString(key)).startsWith("-----BEGIN PRIVATE KEY-----");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key))).isEqualTo("rw-------");
        X509Certificate cert = Pem.readCertificate(dir.resolve("ca.crt"));
        assertThat(cert.getSubjectX500Principal().getName()).isEqualTo("CN=Cluster A");
        assertThat(cert.getIssuerX500Principal()).isEqualTo(cert.getSubjectX500Principal());
        assertThat(cert.getBasicConstraints()).isGreaterThanOrEqualTo(0);
        boolean[] usage = cert.getKeyUsage();
        assertThat(usage[5]).as("keyCertSign").isTrue();
        assertThat(usage[6]).as("cRLSign").isTrue();
        cert.verify(cert.getPublicKey());
        assertThat(cert.getPublicKey().getAlgorithm()).isEqualTo("EC");

        CertificateAuthority loaded = CertificateAuthority.load(dir);
        assertThat(loaded.name()).isEqualTo("Cluster A");
        assertThat(loaded.fileName()).isEqualTo("Cluster_A");
        assertThat(loaded.certificate()).isEqualTo(ca.certificate());
    }

    @Test
    void initCaNeverOverwrites() {
        Path dir = tmp.resolve("ca");
        CertificateAuthority.initCa("a", dir);
        assertThatThrownBy(() -> CertificateAuthority.initCa("b", dir))
                .isInstanceOf(TlsException.class)
                .hasMessageContaining("refusing to overwrite")
                .hasMessageContaining("ca.key");
        assertThat(CertificateAuthority.load(dir).name()).isEqualTo("a");
    }

    @Test
    void issueWritesPolicyLayoutWithSanKindsAndBothUsages() throws Exception {
        CertificateAuthority ca = CertificateAuthority.initCa("cluster-a", tmp.resolve("ca"));
        Path policy = tmp.resolve("node-1");
        var issued = ca.issue("node-1", List.of("db-1.example.com", "127.0.0.1", "::1", "[fe80::1]", "localhost"),
                policy, 90);

        assertThat(Files.readString(policy.resolve("private.key"))).startsWith("-----BEGIN PRIVATE KEY-----");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(policy.resolve("private.key"))))
                .isEqualTo("rw-------");
        assertThat(policy.resolve("trusted/cluster-a.crt")).exists();
        assertThat(Pem.readCertificate(policy.resolve("trusted/cluster-a.crt"))).isEqualTo(ca.certificate());
        assertThat(policy.resolve("revoked")).isEmptyDirectory();

        X509Certificate cert = Pem.readCertificate(policy.resolve("public.crt"));
        assertThat(cert).isEqualTo(issued.certificate());
        cert.verify(ca.certificate().getPublicKey());
        assertThat(cert.getBasicConstraints()).isEqualTo(-1);
        assertThat(cert.getExtendedKeyUsage()).containsExactlyInAnyOrder("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2");
        assertThat(CertificateInfo.subjectAlternativeNames(cert)).containsExactly(
                "DNS:db-1.example.com", "IP:127.0.0.1", "IP:0:0:0:0:0:0:0:1", "IP:fe80:0:0:0:0:0:0:1", "DNS:localhost");
        assertThat(Pem.keysMatch(Pem.readPrivateKey(policy.resolve("private.key")), cert.getPublicKey())).isTrue();
    }

    @Test
    void issueRefusesToOverwriteAndRejectsBadSans() {
        CertificateAuthority ca = CertificateAuthority.initCa("cluster-a", tmp.resolve("ca"));
        Path policy = tmp.resolve("node-1");
        ca.issue("node-1", List.of("127.0.0.1"), policy, 30);
        assertThatThrownBy(() -> ca.issue("node-1", List.of("127.0.0.1"), policy, 30))
                .isInstanceOf(TlsException.class)
                .hasMessageContaining("refusing to overwrite")
                .hasMessageContaining("private.key");
        assertThatThrownBy(() -> ca.issue("n", List.of("not a name!"), tmp.resolve("x"), 30))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'not a name!'");
        assertThatThrownBy(() -> ca.issue("n", List.of(), tmp.resolve("y"), 30))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("subject alternative name");
        assertThatThrownBy(() -> ca.issue("n", List.of("a.example"), tmp.resolve("z"), 100_000))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("after the CA certificate expires");
        assertThat(tmp.resolve("x")).doesNotExist();
    }

    @Test
    void issueIntoPolicyTrustingAnotherCaUnderTheSameNameFails() {
        CertificateAuthority a = CertificateAuthority.initCa("same", tmp.resolve("ca1"));
        CertificateAuthority b = CertificateAuthority.initCa("same", tmp.resolve("ca2"));
        Path policy = tmp.resolve("p");
        a.issue("n1", List.of("127.0.0.1"), policy, 30);
        assertThatThrownBy(() -> b.issue("n2", List.of("127.0.0.1"), tmp.resolve("p"), 30))
                .isInstanceOf(TlsException.class);
    }

    @Test
    void revokeCreatesAndExtendsTheCrlAndRefusesForeignCertificates() throws Exception {
        CertificateAuthority ca = CertificateAuthority.initCa("cluster-a", tmp.resolve("ca"));
        ca.issue("n1", List.of("127.0.0.1"), tmp.resolve("n1"), 30);
        ca.issue("n2", List.of("127.0.0.1"), tmp.resolve("n2"), 30);
        X509Certificate c1 = Pem.readCertificate(tmp.resolve("n1/public.crt"));
        X509Certificate c2 = Pem.readCertificate(tmp.resolve("n2/public.crt"));

        Path crlFile = ca.revoke(tmp.resolve("n1/public.crt"));
        assertThat(crlFile).isEqualTo(tmp.resolve("ca/cluster-a.crl"));
        X509CRL first = Pem.readCrls(crlFile).get(0);
        first.verify(ca.certificate().getPublicKey());
        assertThat(first.isRevoked(c1)).isTrue();
        assertThat(first.isRevoked(c2)).isFalse();
        assertThat(PolicyFiles.crlNumber(first)).isEqualTo(1);

        ca.revoke(tmp.resolve("n1/public.crt")); // idempotent
        assertThat(PolicyFiles.crlNumber(Pem.readCrls(crlFile).get(0))).isEqualTo(1);

        ca.revoke(tmp.resolve("n2/public.crt"));
        X509CRL second = Pem.readCrls(crlFile).get(0);
        assertThat(second.isRevoked(c1)).isTrue();
        assertThat(second.isRevoked(c2)).isTrue();
        assertThat(PolicyFiles.crlNumber(second)).isEqualTo(2);
        assertThat(CertificateAuthority.load(tmp.resolve("ca")).isRevoked(c2)).isTrue();

        CertificateAuthority other = CertificateAuthority.initCa("other", tmp.resolve("other"));
        other.issue("x", List.of("127.0.0.1"), tmp.resolve("x"), 30);
        assertThatThrownBy(() -> ca.revoke(tmp.resolve("x/public.crt")))
                .isInstanceOf(TlsException.class).hasMessageContaining("was not issued by CA 'cluster-a'");
    }

    @Test
    void opensslReadsTheFiles() throws Exception {
        assumeThat(onPath("openssl")).as("openssl on PATH").isTrue();
        CertificateAuthority ca = CertificateAuthority.initCa("cluster-a", tmp.resolve("ca"));
        Path policy = tmp.resolve("n1");
        ca.issue("n1", List.of("127.0.0.1", "db.example"), policy, 30);
        Path crl = ca.revoke(policy.resolve("public.crt"));

        assertThat(run("openssl", "x509", "-in", policy.resolve("public.crt").toString(), "-noout", "-text"))
                .contains("IP Address:127.0.0.1").contains("DNS:db.example")
                .contains("TLS Web Server Authentication").contains("TLS Web Client Authentication");
        run("openssl", "pkey", "-in", policy.resolve("private.key").toString(), "-noout");
        run("openssl", "pkey", "-in", tmp.resolve("ca/ca.key").toString(), "-noout");
        assertThat(run("openssl", "x509", "-in", tmp.resolve("ca/ca.crt").toString(), "-noout", "-text"))
                .contains("CA:TRUE").contains("Certificate Sign, CRL Sign");
        assertThat(run("openssl", "verify", "-CAfile", tmp.resolve("ca/ca.crt").toString(),
                policy.resolve("public.crt").toString())).contains("OK");
        assertThat(run("openssl", "crl", "-in", crl.toString(), "-noout", "-text")).contains("Serial Number");
    }

    private static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    private static String run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(String.join(" ", command) + "\n" + out).isZero();
        return out;
    }
}
