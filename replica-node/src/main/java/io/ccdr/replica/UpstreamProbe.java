package io.ccdr.replica;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ccdr.node.cluster.ClusterClient;
import io.ccdr.node.config.HostPort;
import io.ccdr.node.graph.GraphException;
import io.ccdr.node.stream.Frame;

import javax.net.ssl.SSLException;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks, before a replica is created, that its upstream can be followed: at least one address
 * answers over (mutual) TLS and one of them hosts the named database. Fails with a message that
 * says which of the three it is — unreachable, not trusted, or no such database — per address.
 */
final class UpstreamProbe {
    static final String CALL_FAILED = "Neo.ClientError.Procedure.ProcedureCallFailed";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(3);

    private UpstreamProbe() {
    }

    /** Returns the upstream's highest last committed txId seen among the addresses. */
    static long check(ClusterClient client, String database, List<HostPort> addresses) {
        List<String> problems = new ArrayList<>();
        boolean anyAnswered = false;
        long bestTxId = -1;
        for (HostPort a : addresses) {
            try {
                Frame reply = client.request(a, new Frame(Frame.Type.STATUS, new byte[0]), TIMEOUT);
                anyAnswered = true;
                JsonNode dbs = JSON.readTree(reply.payload()).path("databases");
                boolean hosted = false;
                for (JsonNode d : dbs) {
                    if (database.equals(d.path("name").asText())) {
                        hosted = true;
                        bestTxId = Math.max(bestTxId, d.path("lastCommittedTxId").asLong());
                    }
                }
                if (!hosted) {
                    problems.add(a + ": does not host database '" + database + "'");
                }
            } catch (SSLException e) {
                problems.add(a + ": not trusted (TLS handshake failed: " + e.getMessage() + "); check that each cluster trusts the "
                        + "other's CA in its cluster SSL policy");
            } catch (IOException | RuntimeException e) {
                problems.add(a + ": unreachable (" + e.getMessage() + ")");
            }
        }
        if (bestTxId >= 0) {
            return bestTxId;
        }
        String why = anyAnswered ? "the upstream has no database named '" + database + "'" : "the upstream cannot be reached";
        throw new GraphException(CALL_FAILED, "Cannot create a replica of '" + database + "': " + why + ". " + String.join("; ", problems));
    }
}
