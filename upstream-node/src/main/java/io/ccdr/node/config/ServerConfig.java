package io.ccdr.node.config;

import io.ccdr.metrics.MetricsConfig;
import io.ccdr.node.store.RetentionPolicy;
import io.ccdr.tls.SslPolicyConfig;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * A server's configuration: a Neo4j-style properties file, overridden by environment variables
 * named {@code CCDR_<key>} where {@code .} becomes {@code _} and {@code _} becomes {@code __}
 * (so {@code CCDR_server_bolt_listen__address} sets {@code server.bolt.listen_address}). Only names
 * that continue with a lower-case setting namespace ({@link #NAMESPACES}) are settings; other
 * {@code CCDR_} variables belong to launchers and scripts and are ignored here. Parsed and
 * validated once; unknown keys and bad values are rejected with the key named.
 */
public final class ServerConfig {
    public static final String ENV_PREFIX = "CCDR_";

    /**
     * Neo4j's top-level setting namespaces. A {@code CCDR_} variable is a setting only when its name
     * goes on with one of them in lower case, as the keys are written ({@code CCDR_server_...},
     * {@code CCDR_dbms_...}); a typo after that still stops the server with the key named. Every other
     * {@code CCDR_} variable is left to whoever reads it: {@code CCDR_JAVA_OPTS} (bin/ccdr),
     * {@code CCDR_AUTH} (initial password), the scenario scripts' {@code CCDR_A_URI},
     * {@code CCDR_SERVER_CONTROL}, ... A rule rather than a list of launcher variables, because such a
     * list goes stale the day a script adds one (Neo4j's Docker image refused to start on its own
     * {@code NEO4J_AUTH_FILE} that way: "No declared setting with name: AUTH.FILE").
     */
    public static final Set<String> NAMESPACES = Set.of("browser", "client", "db", "dbms", "initial", "server");
    private static final Set<String> MODES = Set.of("NONE", "PRIMARY", "SECONDARY");

    /** Keys whose values other modules validate (TLS policies, metrics) or that launchers read. */
    private static final List<Pattern> DELEGATED = List.of(
            Pattern.compile("server\\.jvm\\.additional"),
            Pattern.compile("server\\.memory\\.(heap\\.initial_size|heap\\.max_size|pagecache\\.size)"));

    private static final long MEBIBYTE = 1L << 20;
    private static final Map<String, String> DEFAULTS = new LinkedHashMap<>();
    /** Settings owned and validated by the tls and metrics modules. */
    private static final Set<String> MODULE_KEYS = moduleKeys();

    private static Set<String> moduleKeys() {
        Set<String> keys = new java.util.HashSet<>(MetricsConfig.settingNames());
        keys.addAll(SslPolicyConfig.settingNames(SslPolicyConfig.CLUSTER));
        keys.addAll(SslPolicyConfig.settingNames(SslPolicyConfig.BOLT));
        return Set.copyOf(keys);
    }

    static {
        DEFAULTS.put("server.directories.data", "data");
        DEFAULTS.put("server.default_listen_address", "localhost");
        DEFAULTS.put("server.default_advertised_address", "localhost");
        DEFAULTS.put("server.cluster.raft.listen_address", ":7000");
        DEFAULTS.put("server.cluster.raft.advertised_address", ""); // host: default advertised address, port: the listen port
        DEFAULTS.put("server.cluster.listen_address", ":6000");
        DEFAULTS.put("server.cluster.advertised_address", "");
        DEFAULTS.put("server.bolt.enabled", "true");
        DEFAULTS.put("server.bolt.listen_address", ":7687");
        DEFAULTS.put("server.bolt.advertised_address", "");
        DEFAULTS.put("server.bolt.tls_level", "DISABLED");
        DEFAULTS.put("dbms.cluster.endpoints", "");
        DEFAULTS.put("dbms.cluster.minimum_initial_system_primaries_count", "0");
        DEFAULTS.put("initial.dbms.default_database", "neo4j");
        DEFAULTS.put("initial.dbms.default_primaries_count", "1");
        DEFAULTS.put("initial.dbms.default_secondaries_count", "0");
        DEFAULTS.put("initial.server.mode_constraint", "NONE");
        DEFAULTS.put("db.tx_log.rotation.retention_policy", "2 days");
        DEFAULTS.put("db.transaction.bookmark_ready_timeout", "30s");
        DEFAULTS.put("dbms.security.auth_enabled", "true");
        DEFAULTS.put("dbms.routing_ttl", "300s");
        DEFAULTS.put("dbms.routing.reads_on_primaries_enabled", "true");
        DEFAULTS.put("server.cluster.write_timeout", "10s");
        DEFAULTS.put("server.cluster.raft.snapshot_threshold", "20000");
        DEFAULTS.put("dbms.cluster.raft.log.rotation_size", "16M");
        DEFAULTS.put("server.cluster.max_transaction_size", "96M");
        // Neo4j's default: 70% of the heap for all transactions together.
        DEFAULTS.put("dbms.memory.transaction.total.max", String.valueOf(Math.max(MEBIBYTE * 10, (long) (heapMax() * 0.7))));
        DEFAULTS.put("db.memory.transaction.total.max", "0");
        // Neo4j's default is 0 (unlimited); ccdr's a quarter of the heap (see transactionMemoryMax()).
        DEFAULTS.put("db.memory.transaction.max", String.valueOf(Math.max(MEBIBYTE, heapMax() / 4)));
    }

    /** The JVM's heap limit ({@code -Xmx}), or its current heap when it reports none. */
    private static long heapMax() {
        long max = Runtime.getRuntime().maxMemory();
        return max == Long.MAX_VALUE ? Runtime.getRuntime().totalMemory() : max;
    }

    private final Map<String, String> values;
    private final Path dataDirectory;
    private final HostPort raftListen, raftAdvertised, clusterListen, clusterAdvertised, boltListen, boltAdvertised;
    private final boolean boltEnabled;
    private final String boltTlsLevel;
    private final List<HostPort> endpoints;
    private final int minimumInitialSystemPrimaries;
    private final String defaultDatabase;
    private final int defaultPrimaries, defaultSecondaries;
    private final String modeConstraint;
    private final RetentionPolicy retention;
    private final Duration bookmarkTimeout, routingTtl, writeTimeout;
    private final boolean authEnabled, readsOnPrimaries;
    private final long snapshotThreshold;
    private final long raftSegmentBytes;
    private final long maxTransactionBytes;
    private final long transactionMemoryTotalMax, databaseTransactionMemoryTotalMax, transactionMemoryMax;
    private final SslPolicyConfig clusterSsl, boltSsl;
    private final MetricsConfig metrics;

    private ServerConfig(Map<String, String> given, Path home) {
        for (String key : given.keySet()) {
            if (!DEFAULTS.containsKey(key) && !MODULE_KEYS.contains(key) && DELEGATED.stream().noneMatch(p -> p.matcher(key).matches())) {
                throw new ConfigException("Unrecognized setting '" + key + "'. No declared setting with name: " + key);
            }
        }
        Map<String, String> v = new TreeMap<>(DEFAULTS);
        v.putAll(given);
        this.values = Collections.unmodifiableMap(v);
        Path data = Path.of(v.get("server.directories.data"));
        this.dataDirectory = (data.isAbsolute() ? data : home.resolve(data)).normalize();
        String listenHost = get("server.default_listen_address", s -> s);
        String advHost = get("server.default_advertised_address", s -> s);
        this.raftListen = address("server.cluster.raft.listen_address", listenHost, 7000);
        this.raftAdvertised = address("server.cluster.raft.advertised_address", advHost, raftListen.port());
        this.clusterListen = address("server.cluster.listen_address", listenHost, 6000);
        this.clusterAdvertised = address("server.cluster.advertised_address", advHost, clusterListen.port());
        this.boltListen = address("server.bolt.listen_address", listenHost, 7687);
        this.boltAdvertised = address("server.bolt.advertised_address", advHost, boltListen.port());
        this.boltEnabled = bool("server.bolt.enabled");
        this.boltTlsLevel = oneOf("server.bolt.tls_level", Set.of("DISABLED", "OPTIONAL", "REQUIRED"));
        String eps = v.get("dbms.cluster.endpoints").trim();
        List<HostPort> list = new ArrayList<>();
        if (!eps.isEmpty()) {
            for (String e : eps.split(",")) {
                list.add(get("dbms.cluster.endpoints", s -> HostPort.parse(e, advHost, 6000)));
            }
        }
        this.endpoints = list.isEmpty() ? List.of(clusterAdvertised) : List.copyOf(list);
        this.minimumInitialSystemPrimaries = integer("dbms.cluster.minimum_initial_system_primaries_count", 0, 99);
        this.defaultDatabase = get("initial.dbms.default_database", ServerConfig::databaseName);
        this.defaultPrimaries = integer("initial.dbms.default_primaries_count", 1, 11);
        this.defaultSecondaries = integer("initial.dbms.default_secondaries_count", 0, 20);
        this.modeConstraint = oneOf("initial.server.mode_constraint", MODES);
        this.retention = get("db.tx_log.rotation.retention_policy", RetentionPolicy::parse);
        this.bookmarkTimeout = duration("db.transaction.bookmark_ready_timeout");
        this.routingTtl = duration("dbms.routing_ttl");
        this.writeTimeout = duration("server.cluster.write_timeout");
        this.authEnabled = bool("dbms.security.auth_enabled");
        this.readsOnPrimaries = bool("dbms.routing.reads_on_primaries_enabled");
        this.snapshotThreshold = integer("server.cluster.raft.snapshot_threshold", 10, 10_000_000);
        this.raftSegmentBytes = get("dbms.cluster.raft.log.rotation_size", ServerConfig::parseBytes);
        this.maxTransactionBytes = get("server.cluster.max_transaction_size", raw -> {
            long b = parseBytes(raw);
            if (b < 1024 || b > MAX_TRANSACTION_BYTES) {
                throw new IllegalArgumentException("must be between 1K and " + (MAX_TRANSACTION_BYTES >> 20) + "M (one transaction "
                        + "travels in one frame of the transaction stream)");
            }
            return b;
        });
        this.transactionMemoryTotalMax = get("dbms.memory.transaction.total.max", s -> parseMemoryLimit(s, 10 * MEBIBYTE));
        this.databaseTransactionMemoryTotalMax = get("db.memory.transaction.total.max", s -> parseMemoryLimit(s, 10 * MEBIBYTE));
        this.transactionMemoryMax = get("db.memory.transaction.max", s -> parseMemoryLimit(s, MEBIBYTE));
        this.clusterSsl = module(() -> SslPolicyConfig.parse(SslPolicyConfig.CLUSTER, given, home));
        this.boltSsl = module(() -> SslPolicyConfig.parse(SslPolicyConfig.BOLT, given, home));
        this.metrics = module(() -> MetricsConfig.parse(given));
    }

    private static <T> T module(java.util.function.Supplier<T> parse) {
        try {
            return parse.get();
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage());
        }
    }

    /** {@code dbms.ssl.policy.cluster.*}: Raft and the cluster port (discovery, transaction stream). */
    public SslPolicyConfig clusterSsl() {
        return clusterSsl;
    }

    /** {@code dbms.ssl.policy.bolt.*} with {@code server.bolt.tls_level}. */
    public SslPolicyConfig boltSsl() {
        return boltSsl;
    }

    public MetricsConfig metrics() {
        return metrics;
    }

    /** Builds a configuration from explicit values (tests, embedding); relative paths resolve against {@code home}. */
    public static ServerConfig of(Map<String, String> settings, Path home) {
        return new ServerConfig(settings, home);
    }

    /** Reads {@code file}, then applies {@code CCDR_*} overrides from {@code environment}. */
    public static ServerConfig load(Path file, Map<String, String> environment) {
        Map<String, String> settings = new LinkedHashMap<>();
        if (file != null) {
            Properties p = new Properties();
            try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                p.load(r);
            } catch (IOException e) {
                throw new ConfigException("Cannot read configuration file " + file + ": " + e.getMessage());
            }
            p.stringPropertyNames().forEach(k -> settings.put(k.trim(), p.getProperty(k).trim()));
        }
        settings.putAll(environmentOverrides(environment));
        Path home = file == null ? Path.of("").toAbsolutePath() : file.toAbsolutePath().getParent();
        return new ServerConfig(settings, home);
    }

    /**
     * {@code CCDR_server_bolt_listen__address=x} → {@code server.bolt.listen_address=x}; variables
     * outside the setting namespaces ({@link #NAMESPACES}) are not settings and are skipped.
     */
    public static Map<String, String> environmentOverrides(Map<String, String> environment) {
        Map<String, String> out = new TreeMap<>();
        environment.forEach((name, value) -> {
            if (name.startsWith(ENV_PREFIX)) {
                String key = name.substring(ENV_PREFIX.length()).replace("__", "\u0000").replace('_', '.').replace('\u0000', '_');
                int dot = key.indexOf('.');
                if (dot > 0 && NAMESPACES.contains(key.substring(0, dot))) {
                    out.put(key, value);
                }
            }
        });
        return out;
    }

    private <T> T get(String key, Function<String, T> parse) {
        String raw = values.get(key);
        try {
            return parse.apply(raw);
        } catch (RuntimeException e) {
            throw new ConfigException("Bad value '" + raw + "' for setting '" + key + "': " + e.getMessage());
        }
    }

    private HostPort address(String key, String defaultHost, int defaultPort) {
        return get(key, s -> HostPort.parse(s, defaultHost, defaultPort));
    }

    private boolean bool(String key) {
        return get(key, s -> switch (s.toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException("expected true or false");
        });
    }

    private int integer(String key, int min, int max) {
        return get(key, s -> {
            int n = Integer.parseInt(s);
            if (n < min || n > max) {
                throw new IllegalArgumentException("must be between " + min + " and " + max);
            }
            return n;
        });
    }

    private String oneOf(String key, Set<String> allowed) {
        return get(key, s -> {
            String u = s.toUpperCase(Locale.ROOT);
            if (!allowed.contains(u)) {
                throw new IllegalArgumentException("expected one of " + new java.util.TreeSet<>(allowed));
            }
            return u;
        });
    }

    private Duration duration(String key) {
        return get(key, ServerConfig::parseDuration);
    }

    /** Neo4j duration forms: {@code 30s}, {@code 500ms}, {@code 5m}, {@code 1h}, {@code 2d}; a bare number is seconds. */
    public static Duration parseDuration(String s) {
        var m = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)?").matcher(s.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException("expected a duration such as 30s, 500ms, 5m");
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        return switch (unit) {
            case "ms" -> Duration.ofMillis(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            case "d" -> Duration.ofDays(n);
            default -> Duration.ofSeconds(n);
        };
    }

    /** Byte sizes as Neo4j writes them: {@code 512K}, {@code 16M}, {@code 1G}, or plain bytes (at least 64K). */
    public static long parseBytes(String s) {
        long bytes = bytes(s);
        if (bytes < (64 << 10)) {
            throw new IllegalArgumentException("must be at least 64K");
        }
        return bytes;
    }

    /** A memory limit as Neo4j takes it: 0 (unlimited) or a size of at least {@code min}. */
    static long parseMemoryLimit(String s, long min) {
        long bytes = bytes(s);
        if (bytes != 0 && bytes < min) {
            throw new IllegalArgumentException("must be 0 (unlimited) or at least " + (min >> 20) + "m");
        }
        return bytes;
    }

    private static long bytes(String s) {
        var m = Pattern.compile("(\\d+)\\s*([kmg])?i?b?").matcher(s.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException("expected a size such as 256K, 16M or 1G");
        }
        int shift = m.group(2) == null ? 0 : switch (m.group(2)) {
            case "k" -> 10;
            case "m" -> 20;
            default -> 30;
        };
        long n = Long.parseLong(m.group(1));
        if (n > (Long.MAX_VALUE >> shift)) {
            throw new IllegalArgumentException("too large");
        }
        return n << shift;
    }

    /** Database names as Neo4j allows them: 3-63 chars, lower-case letters, digits, dots and dashes. */
    public static String databaseName(String s) {
        String n = s.trim().toLowerCase(Locale.ROOT);
        if (!n.matches("[a-z][a-z0-9.\\-]{2,62}")) {
            throw new IllegalArgumentException("'" + s + "' is not a valid database name (3-63 characters: letters, digits, '.', '-', starting with a letter)");
        }
        return n;
    }

    public String get(String key) {
        return values.get(key);
    }

    public Map<String, String> values() {
        return values;
    }

    public Path dataDirectory() {
        return dataDirectory;
    }

    public HostPort raftListenAddress() {
        return raftListen;
    }

    public HostPort raftAdvertisedAddress() {
        return raftAdvertised;
    }

    public HostPort clusterListenAddress() {
        return clusterListen;
    }

    public HostPort clusterAdvertisedAddress() {
        return clusterAdvertised;
    }

    public HostPort boltListenAddress() {
        return boltListen;
    }

    public HostPort boltAdvertisedAddress() {
        return boltAdvertised;
    }

    public boolean boltEnabled() {
        return boltEnabled;
    }

    public String boltTlsLevel() {
        return boltTlsLevel;
    }

    public List<HostPort> endpoints() {
        return endpoints;
    }

    /** How many primary-capable servers must be discovered before the system database forms (0 = all endpoints). */
    public int minimumInitialSystemPrimaries() {
        return minimumInitialSystemPrimaries;
    }

    public String defaultDatabase() {
        return defaultDatabase;
    }

    public int defaultPrimaries() {
        return defaultPrimaries;
    }

    public int defaultSecondaries() {
        return defaultSecondaries;
    }

    public String modeConstraint() {
        return modeConstraint;
    }

    public RetentionPolicy retentionPolicy() {
        return retention;
    }

    public Duration bookmarkTimeout() {
        return bookmarkTimeout;
    }

    public Duration routingTtl() {
        return routingTtl;
    }

    /** How long a write waits for Raft commit before failing with a retryable error. */
    public Duration writeTimeout() {
        return writeTimeout;
    }

    /**
     * Raft entries between automatic store checkpoints (ccdr setting). A checkpoint lets Raft purge
     * its log; a follower further behind than the purged log catches up by snapshot install.
     */
    public long snapshotThreshold() {
        return snapshotThreshold;
    }

    /** The largest {@link #maxTransactionBytes()} allowed: a committed transaction must fit one transaction-stream frame. */
    public static final long MAX_TRANSACTION_BYTES = 120L << 20;

    /**
     * {@code server.cluster.max_transaction_size} (ccdr setting): the largest change set one
     * transaction may commit; a larger one fails alone, naming the setting. Large transactions are
     * replicated in fragments, so this bounds memory, not Raft.
     */
    public long maxTransactionBytes() {
        return maxTransactionBytes;
    }

    /** {@code dbms.cluster.raft.log.rotation_size}: Raft log segment size; purging after a checkpoint drops whole segments. */
    public long raftSegmentBytes() {
        return raftSegmentBytes;
    }

    /** {@code dbms.memory.transaction.total.max}: heap all transactions on this server may hold; 0 = unlimited. */
    public long transactionMemoryTotalMax() {
        return transactionMemoryTotalMax;
    }

    /** {@code db.memory.transaction.total.max}: heap the transactions of each database may hold; 0 = unlimited. */
    public long databaseTransactionMemoryTotalMax() {
        return databaseTransactionMemoryTotalMax;
    }

    /**
     * {@code db.memory.transaction.max}: heap one transaction may hold; 0 = unlimited. Neo4j's default
     * is unlimited, ccdr's a quarter of the heap, so that one query cannot take the whole server pool
     * and fail every other transaction with it.
     */
    public long transactionMemoryMax() {
        return transactionMemoryMax;
    }

    public boolean authEnabled() {
        return authEnabled;
    }

    public boolean readsOnPrimaries() {
        return readsOnPrimaries;
    }
}
