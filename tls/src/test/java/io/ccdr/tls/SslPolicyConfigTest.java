package io.ccdr.tls;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SslPolicyConfigTest {
    private static final Path HOME = Path.of("/srv/ccdr");

    @Test
    void defaultsFollowNeo4j() {
        SslPolicyConfig cluster = SslPolicyConfig.parse("cluster", Map.of(), HOME);
        assertThat(cluster.enabled()).isFalse();
        assertThat(cluster.baseDirectory()).isEqualTo(Path.of("/srv/ccdr/certificates/cluster"));
        assertThat(cluster.privateKey()).isEqualTo(Path.of("/srv/ccdr/certificates/cluster/private.key"));
        assertThat(cluster.publicCertificate()).isEqualTo(Path.of("/srv/ccdr/certificates/cluster/public.crt"));
        assertThat(cluster.trustedDir()).isEqualTo(Path.of("/srv/ccdr/certificates/cluster/trusted"));
        assertThat(cluster.revokedDir()).isEqualTo(Path.of("/srv/ccdr/certificates/cluster/revoked"));
        assertThat(cluster.clientAuth()).isEqualTo(SslPolicyConfig.ClientAuth.REQUIRE);
        assertThat(cluster.verifyHostname()).isFalse();
        assertThat(cluster.tlsVersions()).containsExactly("TLSv1.2", "TLSv1.3");
        assertThat(cluster.ciphers()).isEmpty();
        assertThat(cluster.trustAll()).isFalse();

        SslPolicyConfig bolt = SslPolicyConfig.parse("bolt", Map.of(), HOME);
        assertThat(bolt.clientAuth()).isEqualTo(SslPolicyConfig.ClientAuth.NONE);
        assertThat(bolt.baseDirectory()).isEqualTo(Path.of("/srv/ccdr/certificates/bolt"));
    }

    @Test
    void everySettingIsRead() {
        Map<String, String> s = Map.ofEntries(
                Map.entry("dbms.ssl.policy.cluster.enabled", "TRUE"),
                Map.entry("dbms.ssl.policy.cluster.base_directory", "tls/cluster"),
                Map.entry("dbms.ssl.policy.cluster.private_key", "node.key"),
                Map.entry("dbms.ssl.policy.cluster.public_certificate", "/etc/ccdr/node.crt"),
                Map.entry("dbms.ssl.policy.cluster.trusted_dir", "cas"),
                Map.entry("dbms.ssl.policy.cluster.revoked_dir", "crls"),
                Map.entry("dbms.ssl.policy.cluster.client_auth", "optional"),
                Map.entry("dbms.ssl.policy.cluster.verify_hostname", "true"),
                Map.entry("dbms.ssl.policy.cluster.tls_versions", "TLSv1.3"),
                Map.entry("dbms.ssl.policy.cluster.ciphers", "TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384"),
                Map.entry("dbms.ssl.policy.cluster.trust_all", "false"),
                Map.entry("dbms.ssl.policy.bolt.enabled", "not even a boolean: other scope, ignored"),
                Map.entry("server.bolt.tls_level", "REQUIRED"));
        SslPolicyConfig c = SslPolicyConfig.parse("cluster", s, HOME);
        assertThat(c.enabled()).isTrue();
        assertThat(c.baseDirectory()).isEqualTo(Path.of("/srv/ccdr/tls/cluster"));
        assertThat(c.privateKey()).isEqualTo(Path.of("/srv/ccdr/tls/cluster/node.key"));
        assertThat(c.publicCertificate()).isEqualTo(Path.of("/etc/ccdr/node.crt"));
        assertThat(c.trustedDir()).isEqualTo(Path.of("/srv/ccdr/tls/cluster/cas"));
        assertThat(c.revokedDir()).isEqualTo(Path.of("/srv/ccdr/tls/cluster/crls"));
        assertThat(c.clientAuth()).isEqualTo(SslPolicyConfig.ClientAuth.OPTIONAL);
        assertThat(c.verifyHostname()).isTrue();
        assertThat(c.tlsVersions()).containsExactly("TLSv1.3");
        assertThat(c.ciphers()).containsExactly("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384");
    }

    @Test
    void settingNamesAreExactlyTheNeo4jOnes() {
        assertThat(SslPolicyConfig.settingNames("bolt")).containsExactlyInAnyOrder(
                "dbms.ssl.policy.bolt.enabled", "dbms.ssl.policy.bolt.base_directory",
                "dbms.ssl.policy.bolt.private_key", "dbms.ssl.policy.bolt.public_certificate",
                "dbms.ssl.policy.bolt.trusted_dir", "dbms.ssl.policy.bolt.revoked_dir",
                "dbms.ssl.policy.bolt.client_auth", "dbms.ssl.policy.bolt.verify_hostname",
                "dbms.ssl.policy.bolt.tls_versions", "dbms.ssl.policy.bolt.ciphers",
                "dbms.ssl.policy.bolt.trust_all");
        assertThatThrownBy(() -> SslPolicyConfig.settingNames("https"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'https'");
    }

    @Test
    void badValuesNameTheKey() {
        assertBad("dbms.ssl.policy.cluster.enabled", "yes", "must be true or false");
        assertBad("dbms.ssl.policy.cluster.client_auth", "ALWAYS", "NONE, OPTIONAL or REQUIRE");
        assertBad("dbms.ssl.policy.cluster.tls_versions", "TLSv1.1", "unsupported TLS version 'TLSv1.1'");
        assertBad("dbms.ssl.policy.cluster.tls_versions", " , ", "at least one");
        assertBad("dbms.ssl.policy.cluster.ciphers", "TLS_NOT_A_SUITE", "'TLS_NOT_A_SUITE'");
        assertBad("dbms.ssl.policy.cluster.private_key", "", "must not be empty");
        assertBad("dbms.ssl.policy.cluster.private_key_password", "secret", "unknown setting");
    }

    @Test
    void boltTlsLevel() {
        assertThat(BoltTlsLevel.parse(null)).isEqualTo(BoltTlsLevel.DISABLED);
        assertThat(BoltTlsLevel.parse("required")).isEqualTo(BoltTlsLevel.REQUIRED);
        assertThatThrownBy(() -> BoltTlsLevel.parse("ON"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("server.bolt.tls_level");
    }

    private static void assertBad(String key, String value, String message) {
        assertThatThrownBy(() -> SslPolicyConfig.parse("cluster", Map.of(key, value), HOME))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(key)
                .hasMessageContaining(message);
    }
}
