/**
 * The Bolt server: the wire protocol the official Neo4j drivers speak (Bolt 5.0–5.4 and 4.4 over
 * TCP, optionally TLS), in front of a small SPI that the rest of the node implements.
 *
 * <h2>SPI</h2>
 * {@link io.ccdr.node.bolt.BoltBackend} (authenticate, begin, route, server agent, connection events for the Bolt meters),
 * {@link io.ccdr.node.bolt.BoltTransaction} (run, commit → bookmark, rollback, terminate),
 * {@link io.ccdr.node.bolt.BoltResult} (fields, rows, summary), with
 * {@link io.ccdr.node.bolt.TransactionRequest} and {@link io.ccdr.node.bolt.RoutingTable} as
 * plain data. Failures are {@link io.ccdr.node.graph.GraphException}s with Neo4j status codes and
 * reach the driver unchanged; anything else becomes {@code Neo.DatabaseError.General.UnknownError}
 * with a message that reveals nothing and is logged once with its stack trace.
 *
 * <h2>Threads</h2>
 * Netty event loops only frame, decode and enforce limits. Backend calls may block (Raft commits,
 * bookmark waits), so each connection's requests run on a bounded worker pool, at most one task
 * per connection at a time: responses keep request order and a slow commit stalls only its own
 * connection. A RESET or a disconnect is seen on the event loop at once and calls
 * {@link io.ccdr.node.bolt.BoltTransaction#terminate()}, so a client can cut a long statement short.
 *
 * <h2>Defences</h2>
 * Everything a client declares (chunk sizes, string/list/map lengths, nesting) is checked against
 * the configured limits and the bytes actually present before memory is allocated; the estimated
 * heap of decoded values is budgeted too (16 × the message limit), and reading pauses while a
 * connection's queue is long or heavy. Results stream only as fast as the client reads: a PULL
 * is parked while the socket's write buffer is full, without holding a worker thread. Malformed input gets a FAILURE
 * ({@code Neo.ClientError.Request.InvalidFormat}/{@code Invalid}) and a close, and one log line.
 * Connections that do not complete the handshake in time are closed.
 *
 * <h2>Layout</h2>
 * {@link io.ccdr.node.bolt.BoltServer} → {@code BoltChannelInitializer} ([TLS] + handshake) →
 * {@code BoltHandshakeHandler} (version negotiation) → {@code BoltMessageDecoder} (chunks,
 * PackStream → {@code BoltRequest}) → {@code BoltConnectionHandler} (event loop) →
 * {@code BoltConnection} (state machine on the worker pool; {@code RequestArgs} reads request
 * maps, {@code OpenResult} streams rows, {@code BoltOutput} packs and frames responses with
 * {@code PackStreamWriter}).
 */
package io.ccdr.node.bolt;
