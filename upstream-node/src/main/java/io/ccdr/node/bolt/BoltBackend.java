package io.ccdr.node.bolt;

import java.util.List;
import java.util.Map;

/**
 * What the Bolt server needs from the rest of the node: authentication, transactions and routing.
 *
 * <p>Every method may block (Raft round trips, bookmark waits); the server always calls it from
 * its bounded worker pool, never from a Netty event loop, and never concurrently for the same
 * connection. Methods signal failures with {@link io.ccdr.node.graph.GraphException} carrying a
 * Neo4j status code; the server reports it to the client unchanged. Any other exception is
 * reported as {@code Neo.DatabaseError.General.UnknownError} without its message and logged.
 */
public interface BoltBackend {

    /**
     * Checks the credentials of a HELLO (Bolt 5.0, 4.4) or LOGON (5.1+) message.
     *
     * @param authToken the token as sent by the driver, e.g. {@code {scheme: "basic", principal:
     *                  "neo4j", credentials: "secret"}} or {@code {scheme: "none"}}
     * @return the authenticated principal (user name), passed back in {@link TransactionRequest}
     * @throws io.ccdr.node.graph.GraphException {@code Neo.ClientError.Security.Unauthorized} when
     *                                           the credentials are wrong
     */
    String authenticate(Map<String, Object> authToken);

    /** Starts a transaction, waiting for the request's bookmarks to be applied first. */
    BoltTransaction begin(TransactionRequest request);

    /**
     * The routing table for {@code database} (null = the principal's home database), as answered
     * to the ROUTE message of {@code neo4j://} drivers.
     *
     * @param routingContext the context the driver sent (always includes {@code address}, the
     *                       address the driver was given)
     * @param principal      the user whose home database {@code null} means: the authenticated
     *                       user, or the impersonated one when the driver sent {@code imp_user}
     *                       (routing tables reveal no data, so impersonation rights are checked
     *                       when a transaction begins, not here)
     */
    RoutingTable route(Map<String, Object> routingContext, String database, List<String> bookmarks, String principal);

    /**
     * The server agent reported in HELLO's SUCCESS, e.g. {@code Neo4j/5.26.0}. Drivers check that
     * it starts with {@code Neo4j/}.
     */
    String serverAgent();

    /**
     * A client connection was accepted: called once per TCP connection, before TLS and the Bolt handshake, so that
     * connections that never get past the handshake are counted too (as Neo4j's
     * {@code bolt.connections_opened} does). Exactly one {@link #connectionClosed()} follows, whatever way the
     * connection ends.
     *
     * <p>Called on a Netty event loop, unlike the other methods: it must not block. An exception is logged and
     * otherwise ignored; it never affects the connection.
     */
    default void connectionOpened() {
    }

    /** A connection accepted earlier ({@link #connectionOpened()}) is closed. Same threading rules. */
    default void connectionClosed() {
    }
}
