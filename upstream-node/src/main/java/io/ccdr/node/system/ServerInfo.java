package io.ccdr.node.system;

/**
 * A server as registered in the {@code system} database. Addresses are advertised addresses.
 * {@code modeConstraint} is {@code NONE}, {@code PRIMARY} or {@code SECONDARY}
 * ({@code initial.server.mode_constraint}).
 */
public record ServerInfo(String id, String name, String raftAddress, String clusterAddress, String boltAddress,
                         String modeConstraint) {

    public boolean canHostPrimary() {
        return !"SECONDARY".equals(modeConstraint);
    }
}
