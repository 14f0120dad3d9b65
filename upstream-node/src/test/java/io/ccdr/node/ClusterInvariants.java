package io.ccdr.node;

import io.ccdr.node.embedded.EmbeddedCluster;

import io.ccdr.node.dbms.Database;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static io.ccdr.node.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

/** The invariants every cluster test checks. */
final class ClusterInvariants {
    private ClusterInvariants() {
    }

    /** Every running member reaches the same txId with the same chain hash and the same content. */
    static void assertConverged(EmbeddedCluster cluster, String database, Duration timeout) {
        eventually(timeout, "all members of " + database + " at the same txId", () -> {
            long first = -1;
            for (int i = 0; i < cluster.size(); i++) {
                if (!cluster.isRunning(i)) {
                    continue;
                }
                var db = cluster.server(i).database(database);
                if (db.isEmpty()) {
                    return false;
                }
                long tx = db.get().lastCommittedTxId();
                if (first >= 0 && tx != first) {
                    return false;
                }
                first = tx;
            }
            return true;
        });
        String hash = null;
        byte[] content = null;
        for (int i = 0; i < cluster.size(); i++) {
            if (!cluster.isRunning(i)) {
                continue;
            }
            Database db = cluster.server(i).database(database).orElseThrow();
            if (hash == null) {
                hash = db.chainHashHex();
                content = db.store().contentFingerprint();
            } else {
                assertThat(db.chainHashHex()).as("chain hash of member %d", i).isEqualTo(hash);
                assertThat(db.store().contentFingerprint()).as("content of member %d", i).isEqualTo(content);
            }
        }
    }

    /** Every acknowledged id exists exactly once; an unacknowledged one at most once; nothing else. */
    static void assertPings(Database db, Set<Long> acknowledged, Set<Long> unknown) {
        Map<Long, Integer> counts = db.read(0, g -> {
            Map<Long, Integer> c = new HashMap<>();
            try (Stream<Long> ids = g.nodeIdsWithLabel("Ping")) {
                ids.forEach(id -> c.merge((Long) g.node(id).orElseThrow().properties().get("id"), 1, Integer::sum));
            }
            return c;
        });
        for (long id : acknowledged) {
            assertThat(counts.get(id)).as("acknowledged id %d", id).isEqualTo(1);
        }
        counts.forEach((id, n) -> {
            assertThat(n).as("copies of id %d", id).isEqualTo(1);
            assertThat(acknowledged.contains(id) || unknown.contains(id)).as("id %d was written by the load", id).isTrue();
        });
    }
}
