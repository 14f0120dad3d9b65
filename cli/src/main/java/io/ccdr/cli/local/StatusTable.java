package io.ccdr.cli.local;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/** Renders {@link ServerStatus} rows as an aligned plain-text table (no colours: it ends up in logs and runbooks). */
public final class StatusTable {
    private static final String[] HEADERS = {"SERVER", "CLUSTER", "PID", "STATE", "BOLT", "CLUSTER ADDRESS", "RAFT ADDRESS", "DATABASES", "DATA"};

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

    private static String pad(String s, int width) {
        return s.length() >= width ? s : s + " ".repeat(width - s.length());
    }
}
