package io.ccdr.cli.failover;

import io.ccdr.cli.local.PortCheck;
import io.ccdr.cli.local.Sandbox;
import io.ccdr.cli.local.SandboxLayout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.neo4j.driver.AuthTokens;
import org.neo4j.driver.Driver;
import org.neo4j.driver.GraphDatabase;
import org.neo4j.driver.QueryConfig;
import org.neo4j.driver.Record;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The seed's failover walk-through with real processes: an application writes one
 * {@code CREATE (:Ping {id: $i})} every 50 ms through a routing driver while the leader is killed
 * with {@code kill -9}. The application never sees an exception (the driver's retries suffice),
 * every acknowledged id is present exactly once, and the write gap is reported.
 */
class DriverFailoverTest {
    @TempDir
    Path tmp;

    @Test
    void writerLoopSurvivesTheLeaderBeingKilled() throws Exception {
        SandboxLayout layout = SandboxLayout.of(PortCheck.findFreeBasePort(SandboxLayout.of(23000, 1, 3), 23000, 30000), 1, 3)
                .withHeap("384m");
        Sandbox sandbox = Sandbox.create(tmp.resolve("sandbox"), layout);
        try {
            sandbox.start(Duration.ofSeconds(180));
            // The application's seed address is the leader itself: when it dies, the driver must find
            // the new leader through the other routers. It names its database, as Neo4j recommends:
            // with Bolt <= 5.4 a driver resolves an unnamed home database through the seed address only.
            String seed = sandbox.leader("a", "neo4j").map(l -> "neo4j://" + layout.server(l).boltAddress()).orElse(sandbox.boltUri("a"));
            try (Driver driver = GraphDatabase.driver(seed, AuthTokens.basic("neo4j", Sandbox.PASSWORD))) {
                driver.verifyConnectivity();
                List<Long> acknowledged = new ArrayList<>();
                List<Long> ackTimes = new ArrayList<>();
                List<Throwable> errors = new ArrayList<>();
                String killed = null;
                long killedAt = 0;
                QueryConfig neo4j = QueryConfig.builder().withDatabase("neo4j").build();
                long deadline = System.nanoTime() + Duration.ofSeconds(150).toNanos();
                for (long i = 1; i <= 400 && (killed == null || acknowledged.size() < 140); i++) {
                    try {
                        driver.executableQuery("CREATE (:Ping {id: $i})").withParameters(Map.of("i", i)).withConfig(neo4j).execute();
                        acknowledged.add(i);
                        ackTimes.add(System.nanoTime());
                    } catch (RuntimeException e) {
                        errors.add(e);
                        e.printStackTrace();
                        break; // the application saw an exception: the story has failed, no need to go on
                    }
                    if (System.nanoTime() > deadline) {
                        break;
                    }
                    if (killed == null && acknowledged.size() == 60) {
                        Optional<String> leader = sandbox.leader("a", "neo4j");
                        assertThat(leader).as("a leader before the kill").isPresent();
                        killed = leader.get();
                        killedAt = System.nanoTime();
                        sandbox.kill(killed);
                    }
                    Thread.sleep(50);
                }
                assertThat(errors).as("exceptions seen by the application").isEmpty();
                assertThat(killed).isNotNull();
                long gapMillis = 0;
                for (int k = 1; k < ackTimes.size(); k++) {
                    gapMillis = Math.max(gapMillis, (ackTimes.get(k) - ackTimes.get(k - 1)) / 1_000_000);
                }
                System.out.printf("failover: killed %s; %d writes acknowledged; longest gap between acknowledged writes %d ms%n",
                        killed, acknowledged.size(), gapMillis);
                Map<Long, Long> copies = new HashMap<>();
                for (Record r : driver.executableQuery("MATCH (p:Ping) RETURN p.id AS id, count(*) AS n").withConfig(neo4j).execute().records()) {
                    copies.put(r.get("id").asLong(), r.get("n").asLong());
                }
                for (long id : acknowledged) {
                    assertThat(copies.get(id)).as("copies of acknowledged id %d", id).isEqualTo(1L);
                }
                assertThat(killedAt).isPositive();
            }
        } finally {
            sandbox.destroy();
        }
    }
}
