package io.ccdr.tls;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SslPolicyLoadTest {
    @TempDir
    Path tmp;
    private CertificateAuthority ca;
    private Path dir;

    @BeforeEach
    void setUp() {
        ca = CertificateAuthority.initCa("cluster-a", tmp.resolve("ca"));
        dir = tmp.resolve("home/certificates/cluster");
        ca.issue("node-1", List.of("127.0.0.1"), dir, 30);
    }

    private SslPolicyConfig enabled() {
        return SslPolicyConfig.parse("cluster", Map.of("dbms.ssl.policy.cluster.enabled", "true"), tmp.resolve("home"));
    }

    @Test
    void loadsACompletePolicy() {
        try (SslPolicy policy = SslPolicy.load(enabled())) {
            assertThat(policy.certificate().getSubjectX500Principal().getName()).isEqualTo("CN=node-1");
            assertThat(policy.trustedCertificates()).containsExactly(ca.certificate());
            assertThat(policy.earliestExpiry()).isEqualTo(policy.certificate().getNotAfter().toInstant());
            assertThat(policy.reloadInterval()).isEqualTo(Duration.ofSeconds(2));
            assertThat(policy.nettyServerContext().isServer()).isTrue();
            assertThat(policy.nettyClientContext().isClient()).isTrue();
            assertThat(policy.grpcTlsConfig().getMtlsEnabled()).isTrue();
            assertThat(policy.grpcTlsConfig().getKeyManager().getKeyManager()).isSameAs(policy.keyManager());
            assertThat(policy.grpcTlsConfig().getTrustManager().getTrustManager()).isSameAs(policy.trustManager());
        }
    }

    @Test
    void missingPrivateKeyIsNamed() throws Exception {
        Files.delete(dir.resolve("private.key"));
        assertThatThrownBy(() -> SslPolicy.load(enabled()))
                .isInstanceOf(TlsException.class)
                .hasMessageContaining(dir.resolve("private.key").toString())
                .hasMessageContaining("dbms.ssl.policy.cluster.private_key");
    }

    @Test
    void missingPublicCertificateIsNamed() throws Exception {
        Files.delete(dir.resolve("public.crt"));
        assertThatThrownBy(() -> SslPolicy.load(enabled()))
                .isInstanceOf(TlsException.class)
                .hasMessageContaining(dir.resolve("public.crt").toString())
                .hasMessageContaining("dbms.ssl.policy.cluster.public_certificate");
    }

    @Test
    void emptyOrMissingTrustedDirectoryIsNamed() throws Exception {
        Files.delete(dir.resolve("trusted/cluster-a.crt"));
        assertThatThrownBy(() -> SslPolicy.load(enabled()))
                .isInstanceOf(TlsException.class)
                .hasMessageContaining(dir.resolve("trusted").toString())
                .hasMessageContaining("contains no CA certificate");
        Files.delete(dir.resolve("trusted"));
        assertThatThrownBy(() -> SslPolicy.load(enabled()))
                .isInstanceOf(TlsException.class)
                .hasMessageContaining(dir.resolve("trusted").toString())
                .hasMessageContaining("does not exist");
    }

    @Test
    void missingRevokedDirectoryAndMissingBaseDirectoryAreNamed() throws Exception {
        Files.delete(dir.resolve("revoked"));
        assertThatThrownBy(() -> SslPolicy.load(enabled()))
                .isInstanceOf(TlsException.class)
                .hasMessageContaining(dir.resolve("revoked").toString());
        SslPolicyConfig elsewhere = SslPolicyConfig.parse("cluster", Map.of("dbms.ssl.policy.cluster.enabled", "true",
                "dbms.ssl.policy.cluster.base_directory", "nowhere"), tmp.resolve("home"));
        assertThatThrownBy(() -> SslPolicy.load(elsewhere))
                .isInstanceOf(TlsException.class)
                .hasMessageContaining(tmp.resolve("home/nowhere/private.key").toString());
    }

    @Test
    void disabledPolicyIsNotLoaded() {
        SslPolicyConfig disabled = SslPolicyConfig.parse("cluster", Map.of(), tmp.resolve("home"));
        assertThatThrownBy(() -> SslPolicy.load(disabled))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("dbms.ssl.policy.cluster.enabled=false");
    }

    @Test
    void keyThatDoesNotMatchTheCertificateIsRefused() throws Exception {
        ca.issue("node-2", List.of("127.0.0.1"), tmp.resolve("other"), 30);
        Files.delete(dir.resolve("private.key"));
        Files.copy(tmp.resolve("other/private.key"), dir.resolve("private.key"));
        assertThatThrownBy(() -> SslPolicy.load(enabled()))
                .isInstanceOf(TlsException.class)
                .hasMessageContaining("does not match");
    }

    @Test
    void malformedCrlOnReloadKeepsThePreviousTrustAndRecoversWhenFixed() throws Exception {
        try (SslPolicy policy = SslPolicy.load(enabled(), Duration.ofSeconds(30))) {
            Files.writeString(dir.resolve("revoked/broken.crl"), "-----BEGIN X509 CRL-----\ngarbage\n");
            policy.reloadNow();
            assertThat(policy.trustState().crls).isEmpty();
            assertThat(policy.trustedCertificates()).containsExactly(ca.certificate());

            Files.delete(dir.resolve("revoked/broken.crl"));
            Path crl = ca.revoke(dir.resolve("public.crt"));
            PolicyFiles.installCrl(dir, crl);
            policy.reloadNow();
            assertThat(policy.trustState().revokedSerials()).isEqualTo(1);
        }
    }

    @Test
    void rotatedCertificateIsPresentedAfterReloadAndEarliestExpiryFollows() throws Exception {
        try (SslPolicy policy = SslPolicy.load(enabled(), Duration.ofSeconds(30))) {
            Instant before = policy.earliestExpiry();
            Path staging = tmp.resolve("staging");
            ca.issue("node-1", List.of("127.0.0.1"), staging, 5);
            Files.delete(dir.resolve("private.key"));
            Files.delete(dir.resolve("public.crt"));
            Files.copy(staging.resolve("private.key"), dir.resolve("private.key"));
            Files.copy(staging.resolve("public.crt"), dir.resolve("public.crt"));
            policy.reloadNow();
            assertThat(policy.certificate()).isEqualTo(Pem.readCertificate(staging.resolve("public.crt")));
            assertThat(policy.earliestExpiry()).isBefore(before);
            String alias = policy.keyManager().chooseEngineServerAlias("EC", null, null);
            assertThat(policy.keyManager().getCertificateChain(alias)[0]).isEqualTo(policy.certificate());
        }
    }
}
