package io.ccdr.node.cluster;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.ccdr.node.config.HostPort;
import io.ccdr.node.stream.Frame;
import io.ccdr.node.system.ServerInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * First-start discovery: asks every {@code dbms.cluster.endpoints} address who it is, until enough
 * primary-capable servers have answered to form the {@code system} group.
 */
public final class Discovery {
    private static final Logger LOG = LoggerFactory.getLogger(Discovery.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ClusterClient client;
    private final List<HostPort> endpoints;
    private final int required;

    /** {@code required} = 0 means: every endpoint must answer. */
    public Discovery(ClusterClient client, List<HostPort> endpoints, int required) {
        this.client = client;
        this.endpoints = endpoints;
        this.required = required;
    }

    public static byte[] encode(ServerInfo info) {
        try {
            return JSON.writeValueAsBytes(info);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Blocks until the system group can be formed, or the deadline passes. */
    public SystemGroup discover(Duration deadline) throws IOException, InterruptedException {
        long end = System.nanoTime() + deadline.toNanos();
        Map<HostPort, ServerInfo> found = new LinkedHashMap<>();
        long lastLog = 0;
        while (true) {
            for (HostPort e : endpoints) {
                if (found.containsKey(e)) {
                    continue;
                }
                try {
                    Frame reply = client.request(e, new Frame(Frame.Type.DISCOVER, new byte[0]), Duration.ofSeconds(2));
                    found.put(e, JSON.readValue(reply.payload(), ServerInfo.class));
                } catch (IOException ex) {
                    // not up yet
                }
            }
            List<ServerInfo> primaries = found.values().stream().filter(ServerInfo::canHostPrimary).distinct().toList();
            boolean enough = required > 0 ? primaries.size() >= required : found.size() == endpoints.size();
            if (enough && !primaries.isEmpty()) {
                return SystemGroup.of(primaries);
            }
            if (System.nanoTime() > end) {
                throw new IOException("cluster did not form: " + found.size() + " of " + endpoints.size()
                        + " endpoints answered (" + endpoints + "); check dbms.cluster.endpoints and that the other servers are running");
            }
            if (System.nanoTime() - lastLog > 5_000_000_000L) {
                LOG.info("waiting for cluster members: {} of {} endpoints answered", found.size(), endpoints.size());
                lastLog = System.nanoTime();
            }
            Thread.sleep(200);
        }
    }
}
