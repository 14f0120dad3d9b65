package io.ccdr.cli.status;

import java.time.Instant;
import java.util.List;

/**
 * What one probe of one cluster saw. {@code error} is non-null when the cluster could not be
 * queried at all; {@code notes} lists partial problems (a server that could not be asked for its
 * own transaction ids). Cells are display strings, {@code -} for absent values.
 */
public record ClusterSnapshot(String address, Instant at, List<List<String>> servers, List<List<String>> databases,
                              List<String> notes, String error) {
    public ClusterSnapshot {
        servers = List.copyOf(servers);
        databases = List.copyOf(databases);
        notes = List.copyOf(notes);
    }

    public static ClusterSnapshot unreachable(String address, Instant at, String error) {
        return new ClusterSnapshot(address, at, List.of(), List.of(), List.of(), error);
    }

    public boolean reachable() {
        return error == null;
    }
}
