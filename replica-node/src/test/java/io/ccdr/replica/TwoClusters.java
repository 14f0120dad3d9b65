package io.ccdr.replica;

import io.ccdr.node.dbms.Database;
import io.ccdr.node.embedded.EmbeddedCluster;
import io.ccdr.node.security.InitialPassword;
import org.neo4j.driver.AuthTokens;
import org.neo4j.driver.Driver;
import org.neo4j.driver.GraphDatabase;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static io.ccdr.node.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

/** Two independent in-process clusters (A: upstream, B: replicas) and the invariants replica tests check. */
final class TwoClusters implements AutoCloseable {
    static final String PASSWORD = "replica-test-pass";
    final EmbeddedCluster a;
    final EmbeddedCluster b;
    private final List<Driver> drivers = new ArrayList<>();

    TwoClusters(Path dir, int sizeA, int sizeB, Map<String, String> extraA, Map<String, String> extraB) throws Exception {
        a = new EmbeddedCluster(dir.resolve("a"), sizeA, extraA);
        b = new EmbeddedCluster(dir.resolve("b"), sizeB, extraB);
        for (EmbeddedCluster c : List.of(a, b)) {
            for (int i = 0; i < c.size(); i++) {
                InitialPassword.write(Path.of(c.settings(i).get("server.directories.data")), PASSWORD);
            }
        }
        a.start();
        b.start();
    }

    Driver driver(EmbeddedCluster c, int i) {
        Driver d = GraphDatabase.driver("neo4j://127.0.0.1:" + c.server(i).boltPort(), AuthTokens.basic("neo4j", PASSWORD));
        drivers.add(d);
        return d;
    }

    static List<String> clusterAddresses(EmbeddedCluster c) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < c.size(); i++) {
            out.add(c.settings(i).get("server.cluster.listen_address").replace(":", "127.0.0.1:"));
        }
        return out;
    }

    String createReplicaCall(String replica, String upstream, int primaries) {
        return "CALL internal.dbms.createReplicaDatabase('" + replica + "', " + primaries + ", 0, {remote: '" + upstream + "', addresses: ["
                + String.join(", ", clusterAddresses(a).stream().map(s -> "'" + s + "'").toList()) + "]})";
    }

    /** The upstream's leader database (cluster A). */
    Database upstream(String database) {
        int leader = a.awaitLeader(database, Duration.ofSeconds(30));
        return a.server(leader).database(database).orElseThrow();
    }

    /**
     * Every running member of the replica reaches the upstream's txId with the same chain hash and
     * the same content (the upstream must be quiet while this runs).
     */
    void assertReplicaEqualsUpstream(String upstreamName, String replicaName, Duration timeout) {
        Database up = upstream(upstreamName);
        long target = up.lastCommittedTxId();
        eventually(timeout, "replica members at upstream txId " + target, () -> {
            for (int i = 0; i < b.size(); i++) {
                if (!b.isRunning(i)) {
                    continue;
                }
                Optional<Database> r = b.server(i).database(replicaName);
                if (r.isEmpty() || r.get().lastCommittedTxId() != target) {
                    return false;
                }
            }
            return true;
        });
        byte[] content = up.store().contentFingerprint();
        for (int i = 0; i < b.size(); i++) {
            if (!b.isRunning(i)) {
                continue;
            }
            Database r = b.server(i).database(replicaName).orElseThrow();
            assertThat(r.chainHashHex()).as("chain hash of replica member %d", i).isEqualTo(up.chainHashHex());
            assertThat(Arrays.equals(r.store().contentFingerprint(), content)).as("content of replica member %d", i).isTrue();
        }
    }

    /** Every upstream transaction the replica holds is the upstream's, byte for byte: the replica is a prefix. */
    static void assertPrefix(Database upstream, Database replica) {
        long n = replica.lastCommittedTxId();
        var up = upstream.store().transactions(1, (int) Math.min(n, 100_000));
        var rep = replica.store().transactions(1, (int) Math.min(n, 100_000));
        assertThat(rep).hasSameSizeAs(up.subList(0, Math.min(up.size(), rep.size())));
        for (int i = 0; i < rep.size(); i++) {
            assertThat(rep.get(i).chainHash()).isEqualTo(up.get(i).chainHash());
        }
    }

    @Override
    public void close() {
        drivers.forEach(Driver::close);
        b.close();
        a.close();
    }
}
