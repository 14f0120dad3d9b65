package io.ccdr.replica.faults;

import io.ccdr.metrics.MeterNames;
import io.ccdr.node.CcdrServer;
import io.ccdr.node.config.HostPort;
import io.ccdr.node.dbms.Database;
import io.ccdr.node.embedded.EmbeddedCluster;
import io.ccdr.node.security.InitialPassword;
import io.ccdr.node.tx.TransactionRecord;
import io.micrometer.core.instrument.Counter;
import org.neo4j.driver.AuthTokens;
import org.neo4j.driver.Driver;
import org.neo4j.driver.GraphDatabase;
import org.neo4j.driver.Record;
import org.neo4j.driver.Session;
import org.neo4j.driver.SessionConfig;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

import static io.ccdr.node.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

/** Starting clusters, creating replicas and the invariants every replica fault test checks after healing. */
final class Replicas {
    static final String PASSWORD = "replica-faults-pass";
    static final String UPSTREAM = "neo4j";

    private Replicas() {
    }

    /** A cluster of {@code size} servers in one JVM, started and ready, with the test password. */
    static EmbeddedCluster cluster(Path dir, int size, Map<String, String> extra) throws Exception {
        EmbeddedCluster c = prepare(dir, size, extra);
        c.start();
        return c;
    }

    /** A cluster not started yet (so that settings can still be changed). */
    static EmbeddedCluster prepare(Path dir, int size, Map<String, String> extra) throws Exception {
        EmbeddedCluster c = new EmbeddedCluster(dir, size, extra);
        for (int i = 0; i < size; i++) {
            InitialPassword.write(Path.of(c.settings(i).get("server.directories.data")), PASSWORD);
        }
        return c;
    }

    static HostPort clusterAddress(EmbeddedCluster c, int i) {
        return HostPort.parse(c.settings(i).get("server.cluster.listen_address"), "127.0.0.1", 6000);
    }

    /** Runs a query on {@code c}'s system database (through a routing driver to any running member). */
    static List<Record> system(EmbeddedCluster c, String cypher) {
        for (int i = 0; i < c.size(); i++) {
            if (c.isRunning(i)) {
                try (Driver d = GraphDatabase.driver("neo4j://127.0.0.1:" + c.server(i).boltPort(), AuthTokens.basic("neo4j", PASSWORD));
                     Session s = d.session(SessionConfig.forDatabase("system"))) {
                    return s.run(cypher).list();
                }
            }
        }
        throw new IllegalStateException("no running server");
    }

    static String createReplicaCall(String replica, String upstream, int primaries, List<HostPort> addresses) {
        return "CALL internal.dbms.createReplicaDatabase('" + replica + "', " + primaries + ", 0, {remote: '" + upstream
                + "', addresses: [" + String.join(", ", addresses.stream().map(a -> "'" + a + "'").toList()) + "]})";
    }

    /** Creates the replica in {@code b} and waits until its group has a leader. */
    static void createReplica(EmbeddedCluster b, String replica, String upstream, int primaries, List<HostPort> addresses) {
        system(b, createReplicaCall(replica, upstream, primaries, addresses));
        b.awaitLeader(replica, Duration.ofSeconds(60));
    }

    /** Drops the replica (its subscription stops everywhere), so that later tests sharing the clusters run undisturbed. */
    static void dropReplica(EmbeddedCluster b, String replica) {
        system(b, "DROP DATABASE `" + replica + "`");
    }

    /** The member of {@code b} that leads the replica (and so runs its subscription). */
    static Database replicaLeader(EmbeddedCluster b, String replica) {
        int i = b.awaitLeader(replica, Duration.ofSeconds(30));
        return b.server(i).database(replica).orElseThrow();
    }

    static Database upstreamLeader(EmbeddedCluster a) {
        return a.server(a.awaitLeader(UPSTREAM, Duration.ofSeconds(30))).database(UPSTREAM).orElseThrow();
    }

    /** Store copies the replica's subscription started, summed over the members that report them now. */
    static double storeCopies(EmbeddedCluster b, String replica) {
        double sum = 0;
        for (int i = 0; i < b.size(); i++) {
            CcdrServer s = b.server(i);
            if (s == null) {
                continue;
            }
            Counter c = s.metrics().registry().find(s.metrics().name(MeterNames.REPLICA_STORE_COPIES))
                    .tag(MeterNames.TAG_DATABASE, replica).counter();
            sum += c == null ? 0 : c.count();
        }
        return sum;
    }

    /** Waits until the replica's leader runs a subscription that the upstream has accepted (connected). */
    static void awaitConnected(EmbeddedCluster b, String replica, Duration timeout) {
        eventually(timeout, "replica " + replica + " connected upstream", () -> replicaLeader(b, replica).replicationStatus()
                .map(s -> s.state().equals("connected")).orElse(false));
    }

    /** Waits until the replica's leader has applied at least {@code txId}. */
    static void awaitReplicaAt(EmbeddedCluster b, String replica, long txId, Duration timeout) {
        eventually(timeout, "replica " + replica + " at txId " + txId, () -> b.leaderOf(replica)
                .flatMap(i -> b.server(i).database(replica)).map(d -> d.lastCommittedTxId() >= txId).orElse(false));
    }

    /**
     * The invariants after healing, with the writers stopped: every running member of the replica
     * reaches the upstream leader's txId with its chain hash and the same content fingerprint; every
     * replica transaction is the upstream's, byte for byte; every acknowledged write exists exactly
     * once, an unknown one at most once, and nothing else.
     */
    static void assertConverged(EmbeddedCluster a, EmbeddedCluster b, String replica, UpstreamWriter writer, Duration timeout)
            throws InterruptedException {
        writer.stop();
        Database up = upstreamLeader(a);
        long target = up.lastCommittedTxId();
        eventually(timeout, "every replica member at the upstream's txId " + target, () -> {
            for (int i = 0; i < b.size(); i++) {
                if (b.isRunning(i) && b.server(i).database(replica).map(Database::lastCommittedTxId).orElse(-1L) != target) {
                    return false;
                }
            }
            return true;
        });
        assertThat(up.lastCommittedTxId()).as("the upstream stayed quiet while the replica caught up").isEqualTo(target);
        byte[] content = up.store().contentFingerprint();
        Map<Long, Integer> upstreamPings = pings(up, writer.run);
        assertPings(upstreamPings, writer, "upstream");
        int checked = 0;
        for (int i = 0; i < b.size(); i++) {
            if (!b.isRunning(i)) {
                continue;
            }
            Database r = b.server(i).database(replica).orElseThrow();
            assertThat(r.chainHashHex()).as("chain hash of replica member %d", i).isEqualTo(up.chainHashHex());
            assertThat(r.store().contentFingerprint()).as("content fingerprint of replica member %d", i).isEqualTo(content);
            assertSameTransactions(up, r);
            assertPings(pings(r, writer.run), writer, "replica member " + i);
            checked++;
        }
        assertThat(checked).as("running replica members").isPositive();
    }

    /** The replica's retained transactions are the upstream's, byte for byte (same txIds, chain hashes and change sets). */
    static void assertSameTransactions(Database upstream, Database replica) {
        long last = replica.lastCommittedTxId();
        long from = Math.max(replica.store().firstRetainedTxId(), upstream.store().firstRetainedTxId());
        for (long tx = from; tx <= last; tx += 512) {
            List<TransactionRecord> r = replica.store().transactions(tx, 512);
            List<TransactionRecord> u = upstream.store().transactions(tx, r.size());
            assertThat(u).hasSameSizeAs(r);
            for (int k = 0; k < r.size(); k++) {
                assertThat(r.get(k).txId()).isEqualTo(u.get(k).txId());
                assertThat(r.get(k).chainHash()).as("chain hash at txId %d", r.get(k).txId()).isEqualTo(u.get(k).chainHash());
                assertThat(r.get(k).changeSetBytes()).as("change set at txId %d", r.get(k).txId()).isEqualTo(u.get(k).changeSetBytes());
            }
        }
    }

    /** How many times each id of one writer's run exists. */
    static Map<Long, Integer> pings(Database db, String run) {
        return db.read(0, g -> {
            Map<Long, Integer> c = new HashMap<>();
            try (Stream<Long> ids = g.nodeIdsWithLabel("Ping")) {
                ids.map(id -> g.node(id).orElseThrow().properties()).filter(p -> run.equals(p.get("run")))
                        .forEach(p -> c.merge((Long) p.get("id"), 1, Integer::sum));
            }
            return c;
        });
    }

    private static void assertPings(Map<Long, Integer> counts, UpstreamWriter writer, String where) {
        assertThat(writer.acknowledged).as("acknowledged writes").isNotEmpty();
        for (long id : writer.acknowledged) {
            assertThat(counts.get(id)).as("%s: copies of acknowledged id %d", where, id).isEqualTo(1);
        }
        counts.forEach((id, n) -> {
            assertThat(n).as("%s: copies of id %d", where, id).isEqualTo(1);
            assertThat(writer.acknowledged.contains(id) || writer.unknown.contains(id)).as("%s: id %d was written", where, id).isTrue();
        });
    }

    /** The rows of SHOW DATABASE for the replica on {@code b}'s system database. */
    static List<Map<String, Object>> showReplica(EmbeddedCluster b, String replica) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Record r : system(b, "SHOW DATABASE `" + replica + "` YIELD name, statusMessage, replicationState, lastCommittedTxId, serverID")) {
            out.add(r.asMap());
        }
        return out;
    }

    /** Restarts the given servers concurrently (Raft needs a quorum to come back) and waits until they are ready. */
    static void restartAll(EmbeddedCluster c, int... indexes) throws Exception {
        List<CompletableFuture<CcdrServer>> starting = new ArrayList<>();
        for (int i : indexes) {
            starting.add(CompletableFuture.supplyAsync(() -> {
                try {
                    return c.restart(i);
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            }));
        }
        for (CompletableFuture<CcdrServer> f : starting) {
            assertThat(f.get().awaitReady(Duration.ofSeconds(60))).isTrue();
        }
    }

    static Optional<String> upstreamAddressOf(Database replicaLeader) {
        return replicaLeader.replicationStatus().map(s -> s.upstreamAddress());
    }
}
