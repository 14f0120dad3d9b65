package io.ccdr.tls;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.ssl.SslProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Real TLS handshakes over loopback between two policies: what is accepted, what is refused, and how. */
class TlsHandshakeTest {
    private static NettyEcho netty;

    @TempDir
    Path tmp;
    private TestPki pki;
    private CertificateAuthority ca;

    @BeforeAll
    static void startNetty() {
        netty = new NettyEcho();
    }

    @AfterAll
    static void stopNetty() {
        netty.close();
    }

    @BeforeEach
    void pki() {
        pki = new TestPki(tmp);
        ca = pki.ca("cluster-a");
    }

    @Test
    void mutualTlsSucceedsAndBothSidesTrackThePeer() throws Exception {
        try (var server = TestPki.load(pki.policyDir(ca, "server-1", "127.0.0.1", "localhost"));
             var client = TestPki.load(pki.policyDir(ca, "server-2", "127.0.0.2"));
             var echo = netty.server(server.policy());
             var conn = netty.client(client.policy(), "127.0.0.1", echo.port())) {
            assertThat(conn.roundTrip("hello")).isEqualTo("echo:hello");
            assertThat(echo.handshakes.poll(5, TimeUnit.SECONDS).isSuccess()).isTrue();
            Await.until(Duration.ofSeconds(5), "both sides tracked",
                    () -> server.policy().trackedConnections() == 1 && client.policy().trackedConnections() == 1);
            assertThat(server.refusals()).isEmpty();
            assertThat(client.refusals()).isEmpty();
            conn.close();
            Await.until(Duration.ofSeconds(5), "untracked after close",
                    () -> server.policy().trackedConnections() == 0 && client.policy().trackedConnections() == 0);
        }
    }

    @Test
    void certificateFromUntrustedCaIsRefused() throws Exception {
        CertificateAuthority other = pki.ca("stranger");
        Path clientDir = pki.policyDir(other, "intruder", "127.0.0.1");
        // The intruder trusts the server's CA, so only the server's judgement matters.
        Files.copy(ca.directory().resolve("ca.crt"), clientDir.resolve("trusted/cluster-a.crt"));
        try (var server = TestPki.load(pki.policyDir(ca, "server-1", "127.0.0.1"));
             var client = TestPki.load(clientDir);
             var echo = netty.server(server.policy());
             var conn = netty.client(client.policy(), "127.0.0.1", echo.port())) {
            assertRefusedByServer(echo, conn);
            assertThat(server.refusals()).singleElement().satisfies(r -> {
                assertThat(r.reason()).contains("not issued by a trusted CA").contains("CN=stranger");
                assertThat(r.subject()).isEqualTo("CN=intruder");
                assertThat(r.peer()).startsWith("127.0.0.1:");
                assertThat(r.connectionClosed()).isFalse();
            });
        }
    }

    @Test
    void expiredCertificateIsRefused() throws Exception {
        Instant now = Instant.now();
        Path clientDir = pki.policyDir(ca, "old-node", now.minus(Duration.ofDays(10)), now.minus(Duration.ofDays(1)),
                "127.0.0.1");
        try (var server = TestPki.load(pki.policyDir(ca, "server-1", "127.0.0.1"));
             var client = TestPki.load(clientDir);
             var echo = netty.server(server.policy());
             var conn = netty.client(client.policy(), "127.0.0.1", echo.port())) {
            assertRefusedByServer(echo, conn);
            assertThat(server.refusals()).singleElement()
                    .satisfies(r -> assertThat(r.reason()).contains("expired"));
        }
    }

    @Test
    void notYetValidCertificateIsRefused() throws Exception {
        Instant now = Instant.now();
        Path clientDir = pki.policyDir(ca, "early-node", now.plus(Duration.ofDays(1)), now.plus(Duration.ofDays(30)),
                "127.0.0.1");
        try (var server = TestPki.load(pki.policyDir(ca, "server-1", "127.0.0.1"));
             var client = TestPki.load(clientDir);
             var echo = netty.server(server.policy());
             var conn = netty.client(client.policy(), "127.0.0.1", echo.port())) {
            assertRefusedByServer(echo, conn);
            assertThat(server.refusals()).singleElement()
                    .satisfies(r -> assertThat(r.reason()).contains("not yet valid"));
        }
    }

    @Test
    void revocationClosesTheOpenConnectionAndRefusesNewHandshakes() throws Exception {
        Path serverDir = pki.policyDir(ca, "server-1", "127.0.0.1");
        Path clientDir = pki.policyDir(ca, "server-2", "127.0.0.1");
        try (var server = TestPki.load(serverDir);
             var client = TestPki.load(clientDir);
             var echo = netty.server(server.policy());
             var open = netty.client(client.policy(), "127.0.0.1", echo.port())) {
            assertThat(open.roundTrip("before")).isEqualTo("echo:before");
            assertThat(echo.handshakes.poll(5, TimeUnit.SECONDS).isSuccess()).isTrue();
            Await.until(Duration.ofSeconds(5), "server tracks the connection",
                    () -> server.policy().trackedConnections() == 1);

            Path crl = ca.revoke(clientDir.resolve("public.crt"));
            Files.copy(crl, serverDir.resolve("revoked").resolve(crl.getFileName()));
            server.policy().reloadNow();

            assertThat(open.awaitClosed()).as("open connection closed after revocation").isTrue();
            assertThat(server.refusals()).singleElement().satisfies(r -> {
                assertThat(r.connectionClosed()).isTrue();
                assertThat(r.reason()).contains("revoked");
                assertThat(r.subject()).isEqualTo("CN=server-2");
            });

            try (var again = netty.client(client.policy(), "127.0.0.1", echo.port())) {
                assertRefusedByServer(echo, again);
            }
            assertThat(server.refusals()).hasSize(2);
            assertThat(server.refusals().get(1).connectionClosed()).isFalse();
            assertThat(server.refusals().get(1).reason()).contains("revoked");
        }
    }

    @Test
    void removingTrustInTheCaIsPickedUpByPollingAndClosesLiveConnections() throws Exception {
        Path serverDir = pki.policyDir(ca, "server-1", "127.0.0.1");
        Path clientDir = pki.policyDir(ca, "server-2", "127.0.0.1");
        SslPolicyConfig serverConfig = SslPolicyConfig.forDirectory(SslPolicyConfig.CLUSTER, serverDir);
        try (var server = TestPki.load(serverConfig, Duration.ofMillis(200));
             var client = TestPki.load(clientDir);
             var echo = netty.server(server.policy());
             var open = netty.client(client.policy(), "127.0.0.1", echo.port())) {
            assertThat(open.roundTrip("before")).isEqualTo("echo:before");
            Await.until(Duration.ofSeconds(5), "tracked", () -> server.policy().trackedConnections() == 1);
            // Replace the only trusted CA by another one: nothing issued by cluster-a is trusted any more.
            CertificateAuthority other = pki.ca("other");
            Files.copy(other.directory().resolve("ca.crt"), serverDir.resolve("trusted/other.crt"));
            Files.delete(serverDir.resolve("trusted/cluster-a.crt"));

            assertThat(open.awaitClosed()).as("closed within the poll interval").isTrue();
            assertThat(server.refusals()).singleElement()
                    .satisfies(r -> assertThat(r.reason()).contains("not issued by a trusted CA"));
        }
    }

    @Test
    void sanMismatchIsRefusedByTheClientWhenVerifyHostnameIsOn() throws Exception {
        Path serverDir = pki.policyDir(ca, "server-1", "db-1.example.com", "10.9.9.9");
        Path clientDir = pki.policyDir(ca, "server-2", "127.0.0.1");
        SslPolicyConfig clientConfig = SslPolicyConfig.forDirectory(SslPolicyConfig.CLUSTER, clientDir)
                .withVerifyHostname(true);
        try (var server = TestPki.load(serverDir);
             var client = TestPki.load(clientConfig, Duration.ofSeconds(30));
             var echo = netty.server(server.policy());
             var conn = netty.client(client.policy(), "127.0.0.1", echo.port())) {
            SslHandshakeCompletionEvent event = conn.handshake.get(5, TimeUnit.SECONDS);
            assertThat(event.isSuccess()).isFalse();
            assertThat(conn.awaitClosed()).isTrue();
            assertThat(client.refusals()).singleElement().satisfies(r -> {
                assertThat(r.reason()).contains("does not match").contains("127.0.0.1").contains("DNS:db-1.example.com");
                assertThat(r.subject()).isEqualTo("CN=server-1");
                assertThat(r.peer()).isEqualTo("127.0.0.1:" + echo.port());
            });
        }
        // The same pair without hostname verification connects: the CA alone decides.
        try (var server = TestPki.load(serverDir);
             var client = TestPki.load(clientDir);
             var echo = netty.server(server.policy());
             var conn = netty.client(client.policy(), "127.0.0.1", echo.port())) {
            assertThat(conn.roundTrip("hi")).isEqualTo("echo:hi");
        }
    }

    @Test
    void matchingSanPassesHostnameVerification() throws Exception {
        Path serverDir = pki.policyDir(ca, "server-1", "localhost", "127.0.0.1");
        Path clientDir = pki.policyDir(ca, "server-2", "127.0.0.1");
        SslPolicyConfig clientConfig = SslPolicyConfig.forDirectory(SslPolicyConfig.CLUSTER, clientDir)
                .withVerifyHostname(true);
        try (var server = TestPki.load(serverDir);
             var client = TestPki.load(clientConfig, Duration.ofSeconds(30));
             var echo = netty.server(server.policy());
             var byIp = netty.client(client.policy(), "127.0.0.1", echo.port());
             var byName = netty.client(client.policy(), "localhost", echo.port())) {
            assertThat(byIp.roundTrip("ip")).isEqualTo("echo:ip");
            assertThat(byName.roundTrip("name")).isEqualTo("echo:name");
        }
    }

    @Test
    void clientWithoutCertificateIsRefusedWhenClientAuthIsRequired() throws Exception {
        Path clientDir = pki.policyDir(ca, "server-2", "127.0.0.1");
        try (var server = TestPki.load(pki.policyDir(ca, "server-1", "127.0.0.1"));
             var client = TestPki.load(clientDir);
             var echo = netty.server(server.policy())) {
            SslContext noCertificate = SslContextBuilder.forClient().sslProvider(SslProvider.JDK)
                    .trustManager(client.policy().trustManager()).build();
            try (var conn = netty.client(noCertificate, "127.0.0.1", echo.port())) {
                assertRefusedByServer(echo, conn);
            }
            assertThat(server.refusals()).singleElement().satisfies(r -> {
                assertThat(r.reason()).contains("no client certificate");
                assertThat(r.subject()).isEqualTo("-");
            });
        }
    }

    @Test
    void plaintextClientIsRefusedAndTheServerStaysUp() throws Exception {
        try (var server = TestPki.load(pki.policyDir(ca, "server-1", "127.0.0.1"));
             var client = TestPki.load(pki.policyDir(ca, "server-2", "127.0.0.1"));
             var echo = netty.server(server.policy())) {
            try (Socket plain = new Socket("127.0.0.1", echo.port())) {
                plain.setSoTimeout(5000);
                plain.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                plain.getOutputStream().flush();
                InputStream in = plain.getInputStream();
                byte[] buffer = new byte[4096];
                int total = 0;
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    total += n; // whatever the server sends, it must not be an application response
                }
                assertThat(new String(buffer, 0, Math.min(total, buffer.length), StandardCharsets.US_ASCII))
                        .doesNotContain("echo:");
            }
            assertThat(echo.handshakes.poll(5, TimeUnit.SECONDS).isSuccess()).isFalse();
            assertThat(server.refusals()).singleElement().satisfies(r -> {
                assertThat(r.reason()).contains("plaintext");
                assertThat(r.peer()).startsWith("127.0.0.1:");
            });
            try (var good = netty.client(client.policy(), "127.0.0.1", echo.port())) {
                assertThat(good.roundTrip("still-up")).isEqualTo("echo:still-up");
            }
        }
    }

    @Test
    void tlsVersionsAreEnforcedAndReported() throws Exception {
        Path serverDir = pki.policyDir(ca, "server-1", "127.0.0.1");
        Path clientDir = pki.policyDir(ca, "server-2", "127.0.0.1");
        SslPolicyConfig serverConfig = SslPolicyConfig.parse("cluster", java.util.Map.of(
                "dbms.ssl.policy.cluster.enabled", "true",
                "dbms.ssl.policy.cluster.base_directory", serverDir.toString(),
                "dbms.ssl.policy.cluster.tls_versions", "TLSv1.3"), tmp);
        SslPolicyConfig clientConfig = SslPolicyConfig.parse("cluster", java.util.Map.of(
                "dbms.ssl.policy.cluster.enabled", "true",
                "dbms.ssl.policy.cluster.base_directory", clientDir.toString(),
                "dbms.ssl.policy.cluster.tls_versions", "TLSv1.2"), tmp);
        try (var server = TestPki.load(serverConfig, Duration.ofSeconds(30));
             var client = TestPki.load(clientConfig, Duration.ofSeconds(30));
             var echo = netty.server(server.policy());
             var conn = netty.client(client.policy(), "127.0.0.1", echo.port())) {
            assertRefusedByServer(echo, conn);
            assertThat(server.refusals()).singleElement()
                    .satisfies(r -> assertThat(r.reason()).contains("no common TLS version"));
        }
    }

    @Test
    void boltPolicyWithoutClientAuthAcceptsAClientWithoutCertificate() throws Exception {
        Path serverDir = pki.policyDir(ca, "server-1", "127.0.0.1");
        try (var server = TestPki.load(SslPolicyConfig.forDirectory(SslPolicyConfig.BOLT, serverDir),
                Duration.ofSeconds(30));
             var echo = netty.server(server.policy())) {
            SslContext driverLike = SslContextBuilder.forClient().sslProvider(SslProvider.JDK)
                    .trustManager(ca.certificate()).build();
            try (var conn = netty.client(driverLike, "127.0.0.1", echo.port())) {
                assertThat(conn.roundTrip("bolt")).isEqualTo("echo:bolt");
            }
            assertThat(server.policy().trackedConnections()).isZero();
            assertThat(server.refusals()).isEmpty();
        }
    }

    /** The server's handshake fails, nothing is echoed, and the client's connection ends. */
    private static void assertRefusedByServer(NettyEcho.Server echo, NettyEcho.Client conn) throws Exception {
        SslHandshakeCompletionEvent event = echo.handshakes.poll(5, TimeUnit.SECONDS);
        assertThat(event).as("server handshake event").isNotNull();
        assertThat(event.isSuccess()).as("server handshake succeeded").isFalse();
        if (conn.channel.isActive()) {
            conn.channel.writeAndFlush("anything\n");
        }
        assertThat(conn.awaitClosed()).as("client connection closed").isTrue();
        assertThat(conn.lines).isEmpty();
    }
}
