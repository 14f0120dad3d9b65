package io.ccdr.tls;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** CAs and policy directories under a temp dir, and policies that record their refusals. */
final class TestPki {
    final Path root;

    TestPki(Path root) {
        this.root = root;
    }

    CertificateAuthority ca(String name) {
        return CertificateAuthority.initCa(name, root.resolve("ca-" + name));
    }

    Path policyDir(CertificateAuthority ca, String node, String... sans) {
        ca.issue(node, List.of(sans), root.resolve(node), 30);
        return root.resolve(node);
    }

    Path policyDir(CertificateAuthority ca, String node, Instant notBefore, Instant notAfter, String... sans) {
        ca.issue(node, List.of(sans), root.resolve(node), notBefore, notAfter);
        return root.resolve(node);
    }

    static Recorded load(SslPolicyConfig config, Duration reloadInterval) {
        SslPolicy policy = SslPolicy.load(config, reloadInterval);
        Recorded recorded = new Recorded(policy);
        policy.addRefusalListener(recorded.refusals::add);
        return recorded;
    }

    static Recorded load(Path dir) {
        return load(SslPolicyConfig.forDirectory(SslPolicyConfig.CLUSTER, dir), Duration.ofSeconds(30));
    }

    /** A policy and every refusal it reported. */
    record Recorded(SslPolicy policy, List<PeerRefusal> refusals) implements AutoCloseable {
        Recorded(SslPolicy policy) {
            this(policy, new CopyOnWriteArrayList<>());
        }

        @Override
        public void close() {
            policy.close();
        }
    }
}
