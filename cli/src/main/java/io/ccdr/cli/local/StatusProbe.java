package io.ccdr.cli.local;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ccdr.node.cluster.ClusterClient;
import io.ccdr.node.config.HostPort;
import io.ccdr.node.stream.Frame;

import java.io.IOException;
import java.time.Duration;
import java.util.List;

/** Asks a running server what it reports about itself: a STATUS frame on its cluster port. */
public final class StatusProbe {
    private static final ObjectMapper JSON = new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private final ClusterClient client;
    private final Duration timeout;

    public StatusProbe(Duration timeout) {
        this(timeout, null);
    }

    /** {@code sockets} null means plaintext; otherwise e.g. a TLS factory from the server's cluster policy. */
    public StatusProbe(Duration timeout, javax.net.SocketFactory sockets) {
        this.client = new ClusterClient(sockets);
        this.timeout = timeout;
    }

    /** What one server reports: its id, Bolt address and each database it hosts. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Report(String serverId, String boltAddress, List<DatabaseReport> databases) {
        public Report {
            databases = databases == null ? List.of() : List.copyOf(databases);
        }
    }

    /** One database on one server: its Raft role there, the leader's id and how far it has applied. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record DatabaseReport(String name, String role, String leader, long lastCommittedTxId, String chainHash, long appliedIndex) {
        /** {@code neo4j LEADER tx=42} */
        @Override
        public String toString() {
            return name + " " + role + " tx=" + lastCommittedTxId;
        }
    }

    public Report probe(HostPort clusterAddress) throws IOException {
        Frame reply = client.request(clusterAddress, new Frame(Frame.Type.STATUS, new byte[0]), timeout);
        if (reply.type() != Frame.Type.STATUS_REPLY) {
            throw new IOException(clusterAddress + " answered STATUS with frame type " + reply.type());
        }
        return JSON.readValue(reply.payload(), Report.class);
    }
}
