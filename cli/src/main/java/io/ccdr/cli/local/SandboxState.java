package io.ccdr.cli.local;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.Collections;
import java.util.Iterator;
import java.util.Locale;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What {@code DIR/sandbox.json} records: the layout the sandbox was created with and, per server,
 * the process last started for it and what the operator last asked for (running, stopped,
 * killed). Comparing that intent with the live process tells a crash from a stop. Immutable;
 * {@link #with} returns a changed copy. Paths and ports are written for people and scripts
 * reading the file; on load only the layout and the per-server records are read back, the rest is
 * derived again, so the file cannot contradict the layout.
 */
public record SandboxState(SandboxLayout layout, Map<String, ServerRecord> servers) {
    public static final String FILE = "sandbox.json";
    static final int FORMAT = 1;
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** What the operator last asked of a server. */
    public enum Intent { RUNNING, STOPPED, KILLED }

    /**
     * One server's process record. {@code pid} and {@code startedAt} identify the process (the
     * start time guards against a recycled pid); {@code logOffset} is where the server's log stood
     * when it was last started, so readiness is judged on lines written since.
     */
    public record ServerRecord(Long pid, Instant startedAt, Intent intent, long logOffset) {
        public static final ServerRecord NEVER_STARTED = new ServerRecord(null, null, Intent.STOPPED, 0);

        public ServerRecord withIntent(Intent newIntent) {
            return new ServerRecord(pid, startedAt, newIntent, logOffset);
        }
    }

    public SandboxState {
        Map<String, ServerRecord> copy = new LinkedHashMap<>();
        for (SandboxServer s : layout.servers()) {
            copy.put(s.name(), servers.getOrDefault(s.name(), ServerRecord.NEVER_STARTED));
        }
        for (String name : servers.keySet()) {
            if (!copy.containsKey(name)) {
                throw new SandboxException("sandbox state names server '" + name + "', which the layout does not have");
            }
        }
        servers = Collections.unmodifiableMap(copy);
    }

    public static SandboxState fresh(SandboxLayout layout) {
        return new SandboxState(layout, Map.of());
    }

    public ServerRecord server(String name) {
        layout.server(name); // names the valid servers when this one does not exist
        return servers.get(name);
    }

    public SandboxState with(String name, ServerRecord record) {
        Map<String, ServerRecord> copy = new LinkedHashMap<>(servers);
        copy.put(name, record);
        return new SandboxState(layout, copy);
    }

    public SandboxState withLayout(SandboxLayout newLayout) {
        return new SandboxState(newLayout, servers);
    }

    public static boolean exists(Path dir) {
        return Files.isRegularFile(dir.resolve(FILE));
    }

    /** Reads {@code dir/sandbox.json}; empty if there is none. */
    public static Optional<SandboxState> load(Path dir) {
        Path file = dir.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            return Optional.of(fromJson(Files.readString(file)));
        } catch (IOException e) {
            throw new SandboxException("cannot read " + file + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new SandboxException(file + " is not a sandbox state file this version understands: " + e.getMessage(), e);
        }
    }

    /** Writes {@code dir/sandbox.json} atomically: readers never see half a file. */
    public void save(Path dir) {
        Path file = dir.resolve(FILE);
        Path tmp = dir.resolve(FILE + ".tmp");
        try {
            Files.writeString(tmp, toJson(dir));
            try {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new SandboxException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    String toJson(Path dir) {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", FORMAT);
        ObjectNode l = root.putObject("layout");
        l.put("basePort", layout.basePort());
        l.put("clusters", layout.clusters());
        l.put("serversPerCluster", layout.serversPerCluster());
        l.put("heap", layout.heap());
        ObjectNode settings = l.putObject("settings");
        layout.settings().forEach(settings::put);
        ObjectNode servers = root.putObject("servers");
        for (SandboxServer s : layout.servers()) {
            ServerRecord r = this.servers.get(s.name());
            ObjectNode n = servers.putObject(s.name());
            n.put("cluster", s.cluster());
            n.put("intent", r.intent().name().toLowerCase(Locale.ROOT));
            if (r.pid() == null) {
                n.putNull("pid");
            } else {
                n.put("pid", r.pid());
            }
            n.put("startedAt", r.startedAt() == null ? null : r.startedAt().toString());
            n.put("logOffset", r.logOffset());
            ObjectNode ports = n.putObject("ports");
            ports.put("bolt", s.boltPort());
            ports.put("cluster", s.clusterPort());
            ports.put("raft", s.raftPort());
            ports.put("metrics", s.metricsPort());
            Path serverDir = dir.toAbsolutePath().resolve(s.name());
            n.put("conf", serverDir.resolve(ServerProcess.CONF).toString());
            n.put("log", serverDir.resolve(ServerProcess.LOG).toString());
            n.put("data", serverDir.resolve(ServerProcess.DATA).toString());
        }
        try {
            return JSON.writeValueAsString(root) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e); // a tree of strings and numbers always serializes
        }
    }

    static SandboxState fromJson(String text) throws IOException {
        JsonNode root = JSON.readTree(text);
        int format = required(root, "format").asInt();
        if (format != FORMAT) {
            throw new IllegalArgumentException("format " + format + " (expected " + FORMAT + ")");
        }
        JsonNode l = required(root, "layout");
        Map<String, String> settings = new TreeMap<>();
        JsonNode s = l.path("settings");
        for (Iterator<Map.Entry<String, JsonNode>> it = s.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            settings.put(e.getKey(), e.getValue().asText());
        }
        SandboxLayout layout = new SandboxLayout(required(l, "basePort").asInt(), required(l, "clusters").asInt(),
                required(l, "serversPerCluster").asInt(), required(l, "heap").asText(), settings);
        Map<String, ServerRecord> records = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.path("servers").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode n = e.getValue();
            Long pid = n.path("pid").isNumber() ? n.path("pid").asLong() : null;
            Instant startedAt = n.path("startedAt").isTextual() ? Instant.parse(n.path("startedAt").asText()) : null;
            Intent intent = Intent.valueOf(required(n, "intent").asText().toUpperCase(Locale.ROOT));
            records.put(e.getKey(), new ServerRecord(pid, startedAt, intent, n.path("logOffset").asLong(0)));
        }
        return new SandboxState(layout, records);
    }

    private static JsonNode required(JsonNode node, String field) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            throw new IllegalArgumentException("missing field '" + field + "'");
        }
        return v;
    }
}
