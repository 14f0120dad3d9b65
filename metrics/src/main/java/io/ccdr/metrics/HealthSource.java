package io.ccdr.metrics;

import java.util.Optional;

/**
 * Answers the health endpoints ({@code /db/{database}/cluster/…}) for one server. Implemented by the server;
 * called from the HTTP threads on every load-balancer probe, so it must be cheap and non-blocking.
 */
@FunctionalInterface
public interface HealthSource {
    /**
     * This server's view of {@code database}, or empty when this server does not host it (or it does not exist).
     * The name has already been validated as a database name.
     */
    Optional<DatabaseHealth> health(String database);

    /** A source for a server that hosts nothing. */
    static HealthSource none() {
        return db -> Optional.empty();
    }
}
