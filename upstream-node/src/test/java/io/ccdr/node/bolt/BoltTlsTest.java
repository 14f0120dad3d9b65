package io.ccdr.node.bolt;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.SelfSignedCertificate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.neo4j.driver.Driver;
import org.neo4j.driver.exceptions.ServiceUnavailableException;

import java.io.IOException;
import java.security.cert.CertificateException;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** TLS levels: OPTIONAL detects TLS vs plaintext on the first bytes, REQUIRED refuses plaintext. */
class BoltTlsTest {
    private static SelfSignedCertificate certificate;
    private static SslContext context;

    @BeforeAll
    static void certificate() throws CertificateException, javax.net.ssl.SSLException {
        certificate = new SelfSignedCertificate("localhost");
        context = SslContextBuilder.forServer(certificate.certificate(), certificate.privateKey()).build();
    }

    @AfterAll
    static void cleanup() {
        certificate.delete();
    }

    private static BoltServer start(BoltConfig.TlsLevel level) {
        BoltConfig config = BoltConfig.defaults("127.0.0.1", 0).withThreads(1, 2)
                .withHandshakeTimeout(Duration.ofSeconds(2));
        if (level != BoltConfig.TlsLevel.DISABLED) {
            config = config.withTls(context, level);
        }
        TestBackend backend = new TestBackend();
        BoltServer server = new BoltServer(backend).start(config);
        backend.routeAddress = "127.0.0.1:" + server.boundPort();
        return server;
    }

    /** Connectivity check without the driver's retries, for the cases that must fail. */
    private static void verify(String uri) {
        try (Driver d = BoltDriverCompatibilityTest.driver(uri, "secret")) {
            d.verifyConnectivity();
        }
    }

    private static long query(String uri) {
        try (Driver d = BoltDriverCompatibilityTest.driver(uri, "secret")) {
            return d.executableQuery("RETURN 1 AS x").execute().records().get(0).get("x").asLong();
        }
    }

    @Test
    void optionalAcceptsTlsAndPlaintext() {
        try (BoltServer server = start(BoltConfig.TlsLevel.OPTIONAL)) {
            assertThat(query("bolt+ssc://127.0.0.1:" + server.boundPort())).isEqualTo(1);
            assertThat(query("bolt://127.0.0.1:" + server.boundPort())).isEqualTo(1);
        }
    }

    @Test
    void requiredRefusesPlaintext() throws IOException {
        try (BoltServer server = start(BoltConfig.TlsLevel.REQUIRED)) {
            assertThat(query("neo4j+ssc://127.0.0.1:" + server.boundPort())).isEqualTo(1);
            try (RawBoltClient raw = new RawBoltClient(server.boundPort())) {
                raw.raw(new byte[]{0x60, 0x60, (byte) 0xB0, 0x17, 0, 0, 4, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
                assertThat(raw.closedByServer()).isTrue();
            }
            assertThatThrownBy(() -> verify("bolt://127.0.0.1:" + server.boundPort()))
                    .isInstanceOf(ServiceUnavailableException.class);
        }
    }

    @Test
    void portInUseIsAClearError() {
        try (BoltServer first = start(BoltConfig.TlsLevel.DISABLED)) {
            BoltServer second = new BoltServer(new TestBackend());
            assertThatThrownBy(() -> second.start(BoltConfig.defaults("127.0.0.1", first.boundPort())))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("127.0.0.1:" + first.boundPort());
            second.close();
        }
    }

    @Test
    void disabledRefusesTls() {
        try (BoltServer server = start(BoltConfig.TlsLevel.DISABLED)) {
            assertThatThrownBy(() -> verify("bolt+ssc://127.0.0.1:" + server.boundPort()))
                    .isInstanceOf(ServiceUnavailableException.class);
            assertThat(query("bolt://127.0.0.1:" + server.boundPort())).isEqualTo(1);
        }
    }
}
