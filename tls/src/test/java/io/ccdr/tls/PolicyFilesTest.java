package io.ccdr.tls;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PolicyFilesTest {
    @TempDir
    Path tmp;

    @Test
    void trustAddsACaOnceAndNeverReplacesADifferentOne() {
        CertificateAuthority a = CertificateAuthority.initCa("cluster-a", tmp.resolve("a"));
        CertificateAuthority b = CertificateAuthority.initCa("cluster-b", tmp.resolve("b"));
        Path policy = tmp.resolve("p");
        a.issue("n", List.of("127.0.0.1"), policy, 30);

        var first = PolicyFiles.trust(policy, b.directory().resolve("ca.crt"));
        assertThat(first).singleElement().satisfies(i -> {
            assertThat(i.path()).isEqualTo(policy.resolve("trusted/cluster-b.crt"));
            assertThat(i.changed()).isTrue();
        });
        assertThat(PolicyFiles.trust(policy, b.directory().resolve("ca.crt")).get(0).changed()).isFalse();

        CertificateAuthority impostor = CertificateAuthority.initCa("cluster-b", tmp.resolve("b2"));
        assertThatThrownBy(() -> PolicyFiles.trust(policy, impostor.directory().resolve("ca.crt")))
                .isInstanceOf(TlsException.class).hasMessageContaining("refusing to overwrite");
        assertThatThrownBy(() -> PolicyFiles.trust(policy, policy.resolve("public.crt")))
                .isInstanceOf(TlsException.class).hasMessageContaining("not a CA certificate");
        assertThat(Pem.readCertificate(policy.resolve("trusted/cluster-b.crt"))).isEqualTo(b.certificate());
    }

    @Test
    void installCrlReplacesOnlyAnOlderCrlOfTheSameIssuer() throws Exception {
        CertificateAuthority a = CertificateAuthority.initCa("cluster-a", tmp.resolve("a"));
        Path policy = tmp.resolve("p");
        a.issue("n1", List.of("127.0.0.1"), policy, 30);
        a.issue("n2", List.of("127.0.0.1"), tmp.resolve("n2"), 30);
        a.issue("n3", List.of("127.0.0.1"), tmp.resolve("n3"), 30);

        a.revoke(tmp.resolve("n2/public.crt"));
        Path v1 = tmp.resolve("crl-v1");
        Files.copy(a.crlFile(), v1);
        var installed = PolicyFiles.installCrl(policy, a.crlFile());
        assertThat(installed.path()).isEqualTo(policy.resolve("revoked/cluster-a.crl"));
        assertThat(installed.changed()).isTrue();
        assertThat(PolicyFiles.installCrl(policy, a.crlFile()).changed()).isFalse();

        a.revoke(tmp.resolve("n3/public.crt"));
        assertThat(PolicyFiles.installCrl(policy, a.crlFile()).changed()).isTrue();
        assertThat(PolicyFiles.crlNumber(Pem.readCrls(policy.resolve("revoked/cluster-a.crl")).get(0))).isEqualTo(2);

        assertThatThrownBy(() -> PolicyFiles.installCrl(policy, v1))
                .isInstanceOf(TlsException.class).hasMessageContaining("older");
        try (var s = Files.list(policy.resolve("revoked"))) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactly("cluster-a.crl");
        }
    }
}
