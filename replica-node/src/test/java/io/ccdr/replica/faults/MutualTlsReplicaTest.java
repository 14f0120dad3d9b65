package io.ccdr.replica.faults;

import io.ccdr.node.embedded.EmbeddedCluster;
import io.ccdr.tls.CertificateAuthority;
import io.ccdr.tls.PolicyFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.neo4j.driver.exceptions.ClientException;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static io.ccdr.node.Eventually.eventually;
import static io.ccdr.replica.faults.Replicas.UPSTREAM;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Two clusters, each with its own CA, everything between servers over mutual TLS. While cluster B
 * does not trust A's CA, creating a replica of A's database fails with "not trusted" and creates
 * nothing. Once each side trusts the other's CA (a file in {@code trusted/}, reloaded without a
 * restart) the replica is created and follows A under writes, exactly.
 */
class MutualTlsReplicaTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    @TempDir
    Path dir;

    private static void secure(EmbeddedCluster c, CertificateAuthority ca, Path policies) {
        for (int i = 0; i < c.size(); i++) {
            Path policy = policies.resolve("server" + i);
            ca.issue(ca.directory().getFileName() + "-server" + i, List.of("127.0.0.1", "localhost"), policy, 30);
            c.settings(i).put("dbms.ssl.policy.cluster.enabled", "true");
            c.settings(i).put("dbms.ssl.policy.cluster.base_directory", policy.toString());
        }
    }

    @Test
    void aReplicaFollowsOverMutualTlsOnlyOnceTheClustersTrustEachOther() throws Exception {
        CertificateAuthority caA = CertificateAuthority.initCa("cluster-a", dir.resolve("ca-a"));
        CertificateAuthority caB = CertificateAuthority.initCa("cluster-b", dir.resolve("ca-b"));
        EmbeddedCluster prepA = Replicas.prepare(dir.resolve("a"), 1, Map.of());
        EmbeddedCluster prepB = Replicas.prepare(dir.resolve("b"), 1, Map.of());
        secure(prepA, caA, dir.resolve("policies-a"));
        secure(prepB, caB, dir.resolve("policies-b"));
        Path policyB = dir.resolve("policies-b").resolve("server0");
        // A already accepts B's servers; B does not trust A yet
        PolicyFiles.trust(dir.resolve("policies-a").resolve("server0"), caB.directory().resolve(CertificateAuthority.CERT_FILE));
        try (EmbeddedCluster a = prepA.start(); EmbeddedCluster b = prepB.start();
             UpstreamWriter writer = new UpstreamWriter(a, UPSTREAM, 2)) {
            writer.awaitMore(50, WAIT);
            String create = Replicas.createReplicaCall("secure", UPSTREAM, 1, List.of(Replicas.clusterAddress(a, 0)));

            assertThatThrownBy(() -> Replicas.system(b, create)).isInstanceOfSatisfying(ClientException.class, e -> {
                assertThat(e.code()).isEqualTo("Neo.ClientError.Procedure.ProcedureCallFailed");
                assertThat(e.getMessage()).contains("not trusted").contains(Replicas.clusterAddress(a, 0).toString());
            });
            assertThat(Replicas.system(b, "SHOW DATABASES YIELD name RETURN collect(name) AS n").get(0).get("n").asList())
                    .as("nothing was created").doesNotContain("secure");

            PolicyFiles.trust(policyB, caA.directory().resolve(CertificateAuthority.CERT_FILE));
            eventually(WAIT, "B trusts A once its policy reloads", () -> {
                try {
                    Replicas.system(b, create);
                    return true;
                } catch (ClientException e) {
                    if (e.getMessage().contains("not trusted")) {
                        return false;
                    }
                    throw e;
                }
            });
            b.awaitLeader("secure", WAIT);
            Replicas.awaitConnected(b, "secure", WAIT);
            writer.awaitMore(300, WAIT);
            Replicas.awaitReplicaAt(b, "secure", Replicas.upstreamLeader(a).lastCommittedTxId(), WAIT);
            Replicas.assertConverged(a, b, "secure", writer, WAIT);
        }
    }
}
