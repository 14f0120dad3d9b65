package io.ccdr.node.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ccdr.node.CcdrServer;
import io.ccdr.node.cluster.ClusterClient;
import io.ccdr.node.config.HostPort;
import io.ccdr.node.stream.Frame;
import io.ccdr.node.system.ServerInfo;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Every server's view of its databases (txIds, roles, replication), asked over the cluster ports in
 * parallel, so SHOW DATABASES can show each member's own {@code lastCommittedTxId}. A server that
 * does not answer within the deadline (a loaded machine) is shown with its last answer if that is
 * at most {@link #LAST_KNOWN} old; otherwise it is absent (its cells read null).
 */
final class ClusterStatus {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration DEADLINE = Duration.ofMillis(1500);
    private static final Duration LAST_KNOWN = Duration.ofSeconds(15);
    /** server id -> its last answer and when it came. */
    private static final Map<String, Answer> LAST = new java.util.concurrent.ConcurrentHashMap<>();

    private record Answer(JsonNode status, long atNanos) {
    }
    private static final ExecutorService ASK = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "ccdr-cluster-status");
        t.setDaemon(true);
        return t;
    });

    private final Map<String, Map<String, JsonNode>> byServer; // server id -> database name -> status

    private ClusterStatus(Map<String, Map<String, JsonNode>> byServer) {
        this.byServer = byServer;
    }

    static ClusterStatus gather(CcdrServer server, List<ServerInfo> servers) {
        ClusterClient client = server.clusterClient();
        Map<String, CompletableFuture<JsonNode>> asks = new HashMap<>();
        for (ServerInfo s : servers) {
            asks.put(s.id(), CompletableFuture.supplyAsync(() -> {
                try {
                    // a reply after the deadline still refreshes the last known answer
                    Frame reply = client.request(HostPort.parse(s.clusterAddress()), new Frame(Frame.Type.STATUS, new byte[0]), LAST_KNOWN);
                    JsonNode n = JSON.readTree(reply.payload());
                    if (n != null && n.has("databases")) {
                        LAST.put(s.id(), new Answer(n, System.nanoTime()));
                    }
                    return n;
                } catch (Exception e) {
                    return null;
                }
            }, ASK));
        }
        long end = System.nanoTime() + DEADLINE.toNanos();
        Map<String, Map<String, JsonNode>> out = new HashMap<>();
        asks.forEach((id, f) -> {
            JsonNode n;
            try {
                n = f.get(Math.max(1, end - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                n = lastKnown(id); // busy rather than gone: its last answer stands in for a while
            } catch (Exception e) {
                n = null; // gone (refused, reset): absent
            }
            if (n != null && n.has("databases")) {
                Map<String, JsonNode> dbs = new HashMap<>();
                n.get("databases").forEach(d -> dbs.put(d.path("name").asText(), d));
                out.put(id, dbs);
            }
        });
        return new ClusterStatus(out);
    }

    private static JsonNode lastKnown(String serverId) {
        Answer last = LAST.get(serverId);
        return last != null && System.nanoTime() - last.atNanos() <= LAST_KNOWN.toNanos() ? last.status() : null;
    }

    Optional<JsonNode> of(String serverId, String database) {
        return Optional.ofNullable(byServer.getOrDefault(serverId, Map.of()).get(database));
    }

    /** The replication block of whichever member runs the database's upstream subscription. */
    Optional<JsonNode> replication(String database) {
        return byServer.values().stream().map(m -> m.get(database)).filter(d -> d != null && d.has("replication"))
                .map(d -> d.get("replication")).findFirst();
    }
}
