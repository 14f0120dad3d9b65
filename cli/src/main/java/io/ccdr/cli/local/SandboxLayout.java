package io.ccdr.cli.local;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The shape of a local sandbox: how many clusters (named {@code a}, {@code b}, …), how many
 * servers each ({@code a1 a2 a3}), where their ports are, the server heap, and extra settings
 * written into every server's configuration. Immutable and validated on construction.
 *
 * <p>Port layout, per cluster index {@code c} and server index {@code i} (both 0-based):
 * {@code basePort + c*100 + i*10 + {0: bolt, 1: cluster, 2: raft, 3: metrics}}. Blocks of ten
 * leave room for ports later issues add per server (backup, replica stream) without moving the
 * existing ones, and make every port readable: 20112 is cluster b, server 2, raft.
 */
public record SandboxLayout(int basePort, int clusters, int serversPerCluster, String heap, Map<String, String> settings) {

    public static final int DEFAULT_BASE_PORT = 20000;
    public static final String DEFAULT_HEAP = "512m";
    public static final int MAX_CLUSTERS = 2;
    public static final int MAX_SERVERS_PER_CLUSTER = 9;
    /** Offsets of each port inside a server's block of ten. */
    public static final int BOLT = 0, CLUSTER = 1, RAFT = 2, METRICS = 3;
    static final int PORTS_PER_SERVER = 4;
    private static final int MIN_PORT = 1024;
    private static final Pattern HEAP = Pattern.compile("[1-9][0-9]*[kKmMgG]?");

    /**
     * Settings the layout owns: overriding them would make servers collide or fail to find each
     * other, so they are rejected up front rather than discovered as a hung start.
     */
    private static final Set<String> OWNED = Set.of(
            "server.directories.data", "server.default_listen_address", "server.default_advertised_address",
            "server.bolt.listen_address", "server.bolt.advertised_address",
            "server.cluster.listen_address", "server.cluster.advertised_address",
            "server.cluster.raft.listen_address", "server.cluster.raft.advertised_address",
            "server.metrics.prometheus.endpoint", "dbms.cluster.endpoints");

    public SandboxLayout {
        if (clusters < 1 || clusters > MAX_CLUSTERS) {
            throw new SandboxException("clusters must be between 1 and " + MAX_CLUSTERS + ", was " + clusters);
        }
        if (serversPerCluster < 1 || serversPerCluster > MAX_SERVERS_PER_CLUSTER) {
            throw new SandboxException("servers per cluster must be between 1 and " + MAX_SERVERS_PER_CLUSTER + ", was " + serversPerCluster);
        }
        int highest = basePort + (clusters - 1) * 100 + (serversPerCluster - 1) * 10 + PORTS_PER_SERVER - 1;
        if (basePort < MIN_PORT || highest > 65535) {
            throw new SandboxException("base port " + basePort + " does not fit " + clusters + " cluster(s) of " + serversPerCluster
                    + " server(s): the sandbox uses ports " + basePort + ".." + highest + ", which must lie in " + MIN_PORT + "..65535");
        }
        if (heap == null || !HEAP.matcher(heap).matches()) {
            throw new SandboxException("heap size '" + heap + "' is not a JVM size such as 384m or 1g");
        }
        settings = Collections.unmodifiableMap(new TreeMap<>(settings == null ? Map.of() : settings));
        for (String key : settings.keySet()) {
            if (OWNED.contains(key)) {
                throw new SandboxException("setting '" + key + "' is set by the sandbox layout and cannot be overridden");
            }
        }
    }

    /** {@code clusters} clusters of {@code servers} servers from {@code basePort}, default heap, no extra settings. */
    public static SandboxLayout of(int basePort, int clusters, int servers) {
        return new SandboxLayout(basePort, clusters, servers, DEFAULT_HEAP, Map.of());
    }

    public SandboxLayout withHeap(String newHeap) {
        return new SandboxLayout(basePort, clusters, serversPerCluster, newHeap, settings);
    }

    public SandboxLayout withBasePort(int newBasePort) {
        return new SandboxLayout(newBasePort, clusters, serversPerCluster, heap, settings);
    }

    /** Adds (or replaces) extra settings written into every server's configuration. */
    public SandboxLayout withSettings(Map<String, String> extra) {
        Map<String, String> merged = new TreeMap<>(settings);
        merged.putAll(extra);
        return new SandboxLayout(basePort, clusters, serversPerCluster, heap, merged);
    }

    /** {@code a}, {@code b}, … */
    public static String clusterName(int clusterIndex) {
        return String.valueOf((char) ('a' + clusterIndex));
    }

    public List<String> clusterNames() {
        List<String> names = new ArrayList<>();
        for (int c = 0; c < clusters; c++) {
            names.add(clusterName(c));
        }
        return names;
    }

    /** Every server, cluster by cluster: a1 a2 a3 b1 b2 b3. */
    public List<SandboxServer> servers() {
        List<SandboxServer> out = new ArrayList<>();
        for (int c = 0; c < clusters; c++) {
            for (int i = 0; i < serversPerCluster; i++) {
                int block = basePort + c * 100 + i * 10;
                out.add(new SandboxServer(clusterName(c) + (i + 1), clusterName(c), c, i,
                        block + BOLT, block + CLUSTER, block + RAFT, block + METRICS));
            }
        }
        return out;
    }

    public List<SandboxServer> serversOf(String cluster) {
        List<SandboxServer> out = servers().stream().filter(s -> s.cluster().equals(cluster)).toList();
        if (out.isEmpty()) {
            throw new SandboxException("no cluster '" + cluster + "' in this sandbox (clusters: " + String.join(", ", clusterNames()) + ")");
        }
        return out;
    }

    public SandboxServer server(String name) {
        return servers().stream().filter(s -> s.name().equals(name)).findFirst()
                .orElseThrow(() -> new SandboxException("no server '" + name + "' in this sandbox (servers: "
                        + String.join(" ", servers().stream().map(SandboxServer::name).toList()) + ")"));
    }

    /**
     * The configuration of one server, in the order it is written to {@code ccdr.conf}. The data
     * directory is relative ({@code data}, resolved against the file's folder by the server) so a
     * sandbox directory can be moved or copied as a whole.
     */
    public Map<String, String> configuration(SandboxServer server) {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("server.directories.data", "data");
        c.put("server.default_listen_address", SandboxServer.HOST);
        c.put("server.default_advertised_address", SandboxServer.HOST);
        c.put("server.bolt.listen_address", ":" + server.boltPort());
        c.put("server.cluster.listen_address", ":" + server.clusterPort());
        c.put("server.cluster.raft.listen_address", ":" + server.raftPort());
        // off by default, as in Neo4j; the sandbox is where the runbooks and drills are rehearsed, so each
        // server serves metrics and health on its own port
        c.put("server.metrics.prometheus.enabled", "true");
        c.put("server.metrics.prometheus.endpoint", server.metricsAddress().toString());
        c.put("dbms.cluster.endpoints", String.join(",",
                serversOf(server.cluster()).stream().map(s -> s.clusterAddress().toString()).toList()));
        c.put("initial.dbms.default_primaries_count", String.valueOf(serversPerCluster));
        // mutual TLS on Raft and the cluster port with the sandbox's per-cluster CA (see SandboxPki)
        c.put("dbms.ssl.policy.cluster.enabled", "true");
        c.put("dbms.ssl.policy.cluster.base_directory", SandboxPki.CLUSTER_POLICY_DIR);
        c.putAll(settings);
        return c;
    }
}
