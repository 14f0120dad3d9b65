package io.ccdr.cli.local;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/** Renders {@link ServerStatus} rows as an aligned plain-text table (no colours: it ends up in logs and runbooks). */
public final class StatusTable {
    private static final String[] HEADERS = {"SERVER", "CLUSTER", "PID", "STATE", "BOLT", "CLUSTER ADDRESS", "RAFT ADDRESS", "DATABASES", "DATA"};

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private StatusTable() {
    }

    public static String render(List<ServerStatus> rows) {
        List<String[]> cells = new ArrayList<>();
        cells.add(HEADERS);
        for (ServerStatus s : rows) {
            cells.add(new String[]{
                    s.name(),
                    s.server().cluster(),
                    s.pid() == null || !s.state().isRunning() ? "-" : String.valueOf(s.pid()),
                    s.state().toString(),
                    s.server().boltAddress().toString(),
                    s.server().clusterAddress().toString(),
                    s.server().raftAddress().toString(),
                    databases(s),
                    s.dataDirectory().toString()});
        }
        int[] widths = new int[HEADERS.length];
        for (String[] row : cells) {
            for (int i = 0; i < row.length; i++) {
                widths[i] = Math.max(widths[i], row[i].length());
            }
        }
        StringBuilder b = new StringBuilder();
        for (String[] row : cells) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < row.length; i++) {
                line.append(i == row.length - 1 ? row[i] : pad(row[i], widths[i] + 2));
            }
            b.append(line.toString().stripTrailing()).append('\n');
        }
        return b.toString();
    }

    static String databases(ServerStatus s) {
        if (!s.state().isRunning()) {
            return "-";
        }
        if (s.report() == null) {
            return "unreachable" + (s.probeError() == null ? "" : ": " + s.probeError());
        }
        if (s.report().databases().isEmpty()) {
            return "(no databases yet)";
        }
        return s.report().databases().stream().map(StatusProbe.DatabaseReport::toString).collect(Collectors.joining(", "));
    }

    /**
     * The same rows as JSON, for scripts and drills: one object per server with its state
     * ({@code running}, {@code stopped}, {@code killed}, {@code exited}), exit code, addresses and
     * the databases it reported.
     */
    public static String json(List<ServerStatus> rows) {
        ArrayNode out = JSON.createArrayNode();
        for (ServerStatus s : rows) {
            ObjectNode n = out.addObject();
            n.put("server", s.name());
            n.put("cluster", s.server().cluster());
            if (s.pid() != null && s.state().isRunning()) {
                n.put("pid", s.pid());
            } else {
                n.putNull("pid");
            }
            n.put("state", s.state().kind().name().toLowerCase(java.util.Locale.ROOT));
            if (s.state().exitCode() != null) {
                n.put("exitCode", s.state().exitCode());
            }
            n.put("bolt", s.server().boltAddress().toString());
            n.put("clusterAddress", s.server().clusterAddress().toString());
            n.put("raftAddress", s.server().raftAddress().toString());
            n.put("metricsAddress", s.server().metricsAddress().toString());
            n.put("data", s.dataDirectory().toString());
            if (s.report() != null) {
                n.put("serverId", s.report().serverId());
                ArrayNode dbs = n.putArray("databases");
                for (StatusProbe.DatabaseReport d : s.report().databases()) {
                    ObjectNode db = dbs.addObject();
                    db.put("name", d.name());
                    db.put("role", d.role());
                    db.put("leader", d.leader());
                    db.put("lastCommittedTxId", d.lastCommittedTxId());
                    db.put("chainHash", d.chainHash());
                    db.put("appliedIndex", d.appliedIndex());
                }
            } else if (s.probeError() != null) {
                n.put("probeError", s.probeError());
            }
        }
        try {
            return JSON.writeValueAsString(out) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e); // a tree of strings and numbers always serializes
        }
    }

    private static String pad(String s, int width) {
        return s.length() >= width ? s : s + " ".repeat(width - s.length());
    }
}
