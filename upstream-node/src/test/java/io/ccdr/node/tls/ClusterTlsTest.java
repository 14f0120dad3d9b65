package io.ccdr.node.tls;

import io.ccdr.node.CcdrServer;
import io.ccdr.node.config.HostPort;
import io.ccdr.node.config.ServerConfig;
import io.ccdr.node.dbms.Database;
import io.ccdr.node.embedded.EmbeddedCluster;
import io.ccdr.node.stream.Frame;
import io.ccdr.tls.CertificateAuthority;
import io.ccdr.tls.PolicyFiles;
import io.ccdr.tls.SslPolicy;
import io.ccdr.tls.SslPolicyConfig;
import org.junit.jupiter.api.Test;
import org.neo4j.driver.AuthTokens;
import org.neo4j.driver.Config;
import org.neo4j.driver.Driver;
import org.neo4j.driver.GraphDatabase;
import org.neo4j.driver.exceptions.ServiceUnavailableException;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.ccdr.node.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Cluster traffic (Raft and the cluster port) runs over mutual TLS with the operator's PKI. */
class ClusterTlsTest {
    @TempDir
    Path dir;

    private static Map<String, String> tlsSettings(Path policyDir) {
        Map<String, String> s = new HashMap<>();
        s.put("dbms.ssl.policy.cluster.enabled", "true");
        s.put("dbms.ssl.policy.cluster.base_directory", policyDir.toString());
        return s;
    }

    @Test
    void aClusterFormsAndReplicatesOverMutualTls() throws Exception {
        CertificateAuthority ca = CertificateAuthority.initCa("cluster-a", dir.resolve("ca"));
        // one policy directory per server, all issued by the cluster's CA
        EmbeddedCluster cluster = new EmbeddedCluster(dir.resolve("servers"), 3, Map.of());
        for (int i = 0; i < 3; i++) {
            Path policy = dir.resolve("policy" + i);
            ca.issue("server" + i, List.of("127.0.0.1", "localhost"), policy, 30);
            cluster.settings(i).putAll(tlsSettings(policy));
        }
        try (cluster) {
            cluster.start();
            int leader = cluster.awaitLeader("neo4j", Duration.ofSeconds(30));
            Database db = cluster.server(leader).database("neo4j").orElseThrow();
            for (int i = 0; i < 20; i++) {
                db.write(tx -> tx.createNode(Set.of("Secure"), Map.of()));
            }
            for (int i = 0; i < 3; i++) {
                Database member = cluster.server(i).database("neo4j").orElseThrow();
                eventually(Duration.ofSeconds(20), "member " + i + " replicated over TLS", () -> member.lastCommittedTxId() == 20);
                assertThat(member.chainHashHex()).isEqualTo(db.chainHashHex());
            }
            HostPort port = HostPort.parse(cluster.settings(0).get("server.cluster.listen_address"), "127.0.0.1", 0);
            // a plaintext client on the TLS port gets nothing and the server stays up
            assertThatThrownBy(() -> new io.ccdr.node.cluster.ClusterClient(null)
                    .request(port, new Frame(Frame.Type.STATUS, new byte[0]), Duration.ofSeconds(2))).isInstanceOf(IOException.class);
            // a client with a certificate from another CA is refused
            CertificateAuthority rogue = CertificateAuthority.initCa("rogue", dir.resolve("rogue-ca"));
            Path roguePolicy = dir.resolve("rogue-policy");
            rogue.issue("intruder", List.of("127.0.0.1"), roguePolicy, 30);
            try (SslPolicy intruder = SslPolicy.load(SslPolicyConfig.forDirectory("cluster", roguePolicy))) {
                assertThatThrownBy(() -> new io.ccdr.node.cluster.ClusterClient(intruder.socketFactory())
                        .request(port, new Frame(Frame.Type.STATUS, new byte[0]), Duration.ofSeconds(2))).isInstanceOf(IOException.class);
            }
            // a member's own certificate works
            assertThat(cluster.server(0).clusterClient().request(port, new Frame(Frame.Type.STATUS, new byte[0]), Duration.ofSeconds(2))
                    .type()).isEqualTo(Frame.Type.STATUS_REPLY);
            assertThat(cluster.server(leader).database("neo4j").orElseThrow().lastCommittedTxId()).isEqualTo(20);
            // the certificate's expiry is exported for the CertificateExpiringSoon alert
            assertThat(cluster.server(0).metrics().scrape()).contains("neo4j_ssl_certificate_expiry_seconds{policy=\"cluster\"}");
        }
    }

    @Test
    void crossClusterTrafficNeedsTrustBothWaysAndNoRestart() throws Exception {
        CertificateAuthority caA = CertificateAuthority.initCa("cluster-a", dir.resolve("ca-a"));
        CertificateAuthority caB = CertificateAuthority.initCa("cluster-b", dir.resolve("ca-b"));
        Path policyA = dir.resolve("policy-a");
        Path policyB = dir.resolve("policy-b");
        caA.issue("a1", List.of("127.0.0.1"), policyA, 30);
        caB.issue("b1", List.of("127.0.0.1"), policyB, 30);
        Map<String, String> a = new HashMap<>(single(dir.resolve("a")));
        a.putAll(tlsSettings(policyA));
        Map<String, String> b = new HashMap<>(single(dir.resolve("b")));
        b.putAll(tlsSettings(policyB));
        try (CcdrServer serverA = CcdrServer.start(ServerConfig.of(a, dir)); CcdrServer serverB = CcdrServer.start(ServerConfig.of(b, dir))) {
            assertThat(serverA.awaitReady(Duration.ofSeconds(60))).isTrue();
            HostPort portA = serverA.config().clusterAdvertisedAddress();
            Frame status = new Frame(Frame.Type.STATUS, new byte[0]);
            assertThatThrownBy(() -> serverB.clusterClient().request(portA, status, Duration.ofSeconds(2))).isInstanceOf(IOException.class);
            PolicyFiles.trust(policyB, caA.directory().resolve(CertificateAuthority.CERT_FILE));
            // B trusts A now, but A does not trust B yet
            eventually(Duration.ofSeconds(10), "B's trust reloaded", () -> fails(serverB, portA) && true);
            assertThatThrownBy(() -> serverB.clusterClient().request(portA, status, Duration.ofSeconds(2))).isInstanceOf(IOException.class);
            PolicyFiles.trust(policyA, caB.directory().resolve(CertificateAuthority.CERT_FILE));
            eventually(Duration.ofSeconds(15), "cross-cluster request succeeds once both sides trust each other", () -> !fails(serverB, portA));
        }
    }

    @Test
    void anEnabledButIncompletePolicyRefusesToStartAndNamesTheFile() throws Exception {
        Map<String, String> s = new HashMap<>(single(dir.resolve("x")));
        s.putAll(tlsSettings(dir.resolve("empty-policy")));
        assertThatThrownBy(() -> CcdrServer.start(ServerConfig.of(s, dir))).hasMessageContaining("private.key");
        // and the ports it would have used are free again
        HostPort cluster = ServerConfig.of(s, dir).clusterListenAddress();
        try (Socket ignored = new Socket(cluster.host(), cluster.port())) {
            throw new AssertionError("nothing should listen on " + cluster);
        } catch (IOException expected) {
            // refused
        }
    }

    @Test
    void driversConnectOverBoltTlsWhenItIsRequired() throws Exception {
        CertificateAuthority ca = CertificateAuthority.initCa("bolt-ca", dir.resolve("bolt-ca"));
        Path boltPolicy = dir.resolve("bolt-policy");
        ca.issue("db", List.of("127.0.0.1", "localhost"), boltPolicy, 30);
        Map<String, String> s = new HashMap<>(single(dir.resolve("bolt")));
        s.put("dbms.ssl.policy.bolt.enabled", "true");
        s.put("dbms.ssl.policy.bolt.base_directory", boltPolicy.toString());
        s.put("server.bolt.tls_level", "REQUIRED");
        s.put("dbms.security.auth_enabled", "false");
        try (CcdrServer server = CcdrServer.start(ServerConfig.of(s, dir))) {
            assertThat(server.awaitReady(Duration.ofSeconds(60))).isTrue();
            int port = server.boltPort();
            try (Driver ssc = GraphDatabase.driver("neo4j+ssc://127.0.0.1:" + port, AuthTokens.none())) {
                assertThat(ssc.executableQuery("RETURN 1 AS one").execute().records().get(0).get("one").asInt()).isEqualTo(1);
            }
            // verified against the operator's CA, as neo4j+s does against the system trust store
            Config verified = Config.builder().withEncryption()
                    .withTrustStrategy(Config.TrustStrategy.trustCustomCertificateSignedBy(ca.directory().resolve(CertificateAuthority.CERT_FILE).toFile()))
                    .build();
            try (Driver secure = GraphDatabase.driver("neo4j://127.0.0.1:" + port, AuthTokens.none(), verified)) {
                secure.verifyConnectivity();
            }
            try (Driver plain = GraphDatabase.driver("neo4j://127.0.0.1:" + port, AuthTokens.none(),
                    Config.builder().withConnectionTimeout(3, java.util.concurrent.TimeUnit.SECONDS).build())) {
                assertThatThrownBy(plain::verifyConnectivity).isInstanceOf(ServiceUnavailableException.class);
            }
        }
    }

    private static boolean fails(CcdrServer from, HostPort to) {
        try {
            from.clusterClient().request(to, new Frame(Frame.Type.STATUS, new byte[0]), Duration.ofSeconds(2));
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    private static Map<String, String> single(Path data) throws IOException {
        List<Integer> ports = EmbeddedCluster.freePorts(3);
        Map<String, String> s = new HashMap<>();
        s.put("server.directories.data", data.toString());
        s.put("server.default_listen_address", "127.0.0.1");
        s.put("server.default_advertised_address", "127.0.0.1");
        s.put("server.cluster.raft.listen_address", ":" + ports.get(0));
        s.put("server.cluster.listen_address", ":" + ports.get(1));
        s.put("server.bolt.listen_address", ":" + ports.get(2));
        s.put("server.metrics.prometheus.endpoint", "127.0.0.1:0");
        return s;
    }
}
