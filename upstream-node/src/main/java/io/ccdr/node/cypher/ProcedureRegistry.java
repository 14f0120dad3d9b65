package io.ccdr.node.cypher;

import java.util.Optional;

/**
 * Procedures callable with {@code CALL}; supplied by the server, which decides what exists
 * ({@code db.ping}, {@code dbms.components}, {@code dbms.routing.getRoutingTable}, ...).
 * Names are matched exactly as Neo4j does (case-sensitive, namespace-qualified).
 */
@FunctionalInterface
public interface ProcedureRegistry {
    ProcedureRegistry EMPTY = name -> Optional.empty();

    Optional<Procedure> lookup(String qualifiedName);
}
