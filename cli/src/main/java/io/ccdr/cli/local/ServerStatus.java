package io.ccdr.cli.local;

import java.nio.file.Path;
import java.util.Optional;

/**
 * One row of {@code ccdr local status}: where a server is, whether its process runs and, if it
 * answered, what it reports ({@code report}); {@code probeError} says why a running server did not.
 */
public record ServerStatus(SandboxServer server, Long pid, ServerState state, Path dataDirectory,
                           StatusProbe.Report report, String probeError) {

    public String name() {
        return server.name();
    }

    public Optional<StatusProbe.DatabaseReport> database(String name) {
        return report == null ? Optional.empty() : report.databases().stream().filter(d -> d.name().equals(name)).findFirst();
    }
}
