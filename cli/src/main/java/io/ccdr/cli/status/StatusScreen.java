package io.ccdr.cli.status;

import io.ccdr.cli.console.TextTable;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

/** Renders snapshots as one text screen: a block per cluster, servers then databases. */
public final class StatusScreen {
    private StatusScreen() {
    }

    public static String render(Instant at, List<ClusterSnapshot> clusters) {
        StringBuilder b = new StringBuilder();
        long down = clusters.stream().filter(c -> !c.reachable()).count();
        b.append("ccdr status ").append(at.truncatedTo(ChronoUnit.SECONDS)).append("  ")
                .append(clusters.size()).append(clusters.size() == 1 ? " cluster" : " clusters");
        if (down > 0) {
            b.append(", ").append(down).append(" UNREACHABLE");
        }
        b.append('\n');
        for (ClusterSnapshot c : clusters) {
            b.append('\n');
            if (!c.reachable()) {
                b.append("cluster ").append(c.address()).append("  UNREACHABLE: ").append(c.error()).append('\n');
                continue;
            }
            b.append("cluster ").append(c.address()).append("  ").append(c.servers().size()).append(" servers\n\n");
            b.append("SERVERS\n").append(TextTable.aligned(ClusterProbe.SERVER_COLUMNS, c.servers())).append('\n');
            b.append("DATABASES\n").append(TextTable.aligned(ClusterProbe.DATABASE_COLUMNS, c.databases()));
            for (String note : c.notes()) {
                b.append("note: ").append(note).append('\n');
            }
        }
        return b.toString();
    }
}
