package io.ccdr.cli.local;

import io.ccdr.tls.CertificateAuthority;
import io.ccdr.tls.PolicyFiles;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The sandbox's PKI: one CA per cluster ({@code pki/<cluster>-ca/}), a certificate for every server
 * in its cluster policy directory ({@code <server>/data/../certificates/cluster}), and — with two
 * clusters — each cluster's CA trusted by the other's servers, so cross-cluster traffic works with
 * mutual TLS exactly as it would between two sites.
 */
final class SandboxPki {
    /** Relative to each server's folder (the folder holding its ccdr.conf). */
    static final String CLUSTER_POLICY_DIR = "certificates/cluster";
    private static final int DAYS = 825;

    private SandboxPki() {
    }

    static void create(Path sandboxDir, SandboxLayout layout) {
        Map<String, CertificateAuthority> cas = new HashMap<>();
        for (String cluster : layout.clusterNames()) {
            cas.put(cluster, CertificateAuthority.initCa("ccdr-sandbox-" + cluster, sandboxDir.resolve("pki").resolve(cluster + "-ca")));
        }
        for (SandboxServer server : layout.servers()) {
            Path policy = sandboxDir.resolve(server.name()).resolve(CLUSTER_POLICY_DIR);
            cas.get(server.cluster()).issue(server.name(), List.of(SandboxServer.HOST, "localhost"), policy, DAYS);
            for (var other : cas.entrySet()) {
                if (!other.getKey().equals(server.cluster())) {
                    PolicyFiles.trust(policy, other.getValue().directory().resolve(CertificateAuthority.CERT_FILE));
                }
            }
        }
    }
}
