package io.ccdr.node.extension;

import io.ccdr.node.CcdrServer;
import io.ccdr.node.cypher.Procedure;

import java.util.Optional;

/**
 * A role a server takes on beyond the core node, found with {@link java.util.ServiceLoader} on the
 * class path: the replica role (module {@code replica-node}) is one. The core never depends on an
 * extension; an extension sees the server only through {@link CcdrServer}'s public API.
 *
 * <p>Life cycle: {@link #start} once the server's Raft node and database manager run (before Bolt
 * accepts queries); {@link #close} before the server closes its databases.
 */
public interface ServerExtension extends AutoCloseable {

    void start(CcdrServer server);

    /**
     * A DBMS procedure callable on the {@code system} database (e.g. {@code internal.dbms.*}), bound
     * to the authenticated {@code caller}; empty when this extension has no such procedure.
     */
    default Optional<Procedure> systemProcedure(String qualifiedName, Caller caller) {
        return Optional.empty();
    }

    @Override
    default void close() {
    }

    /** The authenticated user running a procedure. */
    record Caller(String name, boolean admin) {
        /** @throws io.ccdr.node.graph.GraphException {@code Neo.ClientError.Security.Forbidden} unless an admin */
        public void requireAdmin(String what) {
            if (!admin) {
                throw new io.ccdr.node.graph.GraphException("Neo.ClientError.Security.Forbidden",
                        "Permission denied: " + what + " requires the admin role.");
            }
        }
    }
}
