package io.ccdr.node;

import io.ccdr.node.embedded.EmbeddedCluster;

import io.ccdr.node.dbms.Database;
import io.ccdr.node.dbms.WriteResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;

import static io.ccdr.node.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

class ClusterSmokeTest {
    @TempDir
    Path dir;

    @Test
    void threeServersFormAClusterAndReplicateWrites() throws Exception {
        try (EmbeddedCluster cluster = new EmbeddedCluster(dir, 3, Map.of()).start()) {
            int leader = cluster.awaitLeader("neo4j", Duration.ofSeconds(30));
            Database db = cluster.server(leader).database("neo4j").orElseThrow();
            long last = 0;
            for (int i = 0; i < 10; i++) {
                int n = i;
                WriteResult<Long> r = db.write(tx -> tx.createNode(Set.of("Person"), Map.of("n", (long) n)));
                assertThat(r.committed()).isTrue();
                assertThat(r.txId()).isEqualTo(last + 1);
                last = r.txId();
            }
            long expected = last;
            for (int i = 0; i < 3; i++) {
                Database member = cluster.server(i).database("neo4j").orElseThrow();
                eventually(Duration.ofSeconds(10), "member caught up", () -> member.lastCommittedTxId() == expected);
                assertThat(member.chainHashHex()).isEqualTo(db.chainHashHex());
                long count = member.read(expected, g -> {
                    try (var s = g.nodeIdsWithLabel("Person")) {
                        return s.count();
                    }
                });
                assertThat(count).isEqualTo(10);
            }
        }
    }
}
