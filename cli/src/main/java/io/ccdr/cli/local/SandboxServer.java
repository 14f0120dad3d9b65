package io.ccdr.cli.local;

import io.ccdr.node.config.HostPort;

/**
 * One server of a sandbox as the layout places it: its name ({@code a1}), cluster ({@code a}),
 * indexes and loopback ports. Pure data, derived from {@link SandboxLayout}.
 */
public record SandboxServer(String name, String cluster, int clusterIndex, int index,
                            int boltPort, int clusterPort, int raftPort, int metricsPort) {

    /** Every sandbox server listens and advertises on loopback only. */
    public static final String HOST = "127.0.0.1";

    public HostPort boltAddress() {
        return new HostPort(HOST, boltPort);
    }

    /** The address peers and {@code ccdr local status} talk to (discovery, STATUS frames). */
    public HostPort clusterAddress() {
        return new HostPort(HOST, clusterPort);
    }

    public HostPort raftAddress() {
        return new HostPort(HOST, raftPort);
    }

    public HostPort metricsAddress() {
        return new HostPort(HOST, metricsPort);
    }
}
