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

    /**
     * What the probe learnt: the upstream's highest last committed txId among the addresses, and the
     * lineage id of the history it holds (null from a server that does not report one), which the
     * replica continues.
     */
    record Found(long lastCommittedTxId, String lineageId) {
    }

    static Found check(ClusterClient client, String database, List<HostPort> addresses) {
        List<String> problems = new ArrayList<>();
        boolean anyAnswered = false;
        long bestTxId = -1;
        String lineageId = null;
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
                        // every member of the upstream reports the same one (it is in their system database)
                        if (lineageId == null && d.hasNonNull("lineageId")) {
                            lineageId = d.path("lineageId").asText();
                        }
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
            return new Found(bestTxId, lineageId);
        }
        String why = anyAnswered ? "the upstream has no database named '" + database + "'" : "the upstream cannot be reached";
        throw new GraphException(CALL_FAILED, "Cannot create a replica of '" + database + "': " + why + ". " + String.join("; ", problems));
    }
}
