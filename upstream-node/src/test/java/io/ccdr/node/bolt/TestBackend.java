package io.ccdr.node.bolt;

import io.ccdr.node.graph.GraphException;
import io.ccdr.node.graph.NodeRecord;
import io.ccdr.node.graph.PathValue;
import io.ccdr.node.graph.RelationshipRecord;

import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A tiny backend answering a fixed set of queries, recording what the server asked of it.
 *
 * <ul>
 *   <li>{@code RETURN 1 AS x}: one row, read;</li>
 *   <li>{@code RETURN $x AS x}: echoes the parameter (value round trips);</li>
 *   <li>{@code UNWIND range(1, $n) AS i RETURN i}: n rows;</li>
 *   <li>{@code GRAPH}: a node, a relationship, a path and a zoned date-time;</li>
 *   <li>{@code CREATE (n)}: a write; its commit returns bookmark {@code FB:test:<n>};</li>
 *   <li>{@code FLAKY}: fails with a transient error while {@link #flakyFailures} is positive;</li>
 *   <li>{@code SLOW}: blocks until {@link #slowGate} opens;</li>
 *   <li>{@code FAIL}: a syntax error; {@code BOOM}: an unexpected runtime exception.</li>
 * </ul>
 */
final class TestBackend implements BoltBackend {
    final List<TransactionRequest> begins = new CopyOnWriteArrayList<>();
    final List<String> events = new CopyOnWriteArrayList<>();
    final List<String> routePrincipals = new CopyOnWriteArrayList<>();
    final AtomicInteger flakyFailures = new AtomicInteger();
    final AtomicInteger flakyAttempts = new AtomicInteger();
    final AtomicInteger bookmarkCounter = new AtomicInteger();
    volatile String routeAddress = "localhost:7687";
    /** Rows handed out by lazy UNWIND results, to observe back-pressure. */
    final java.util.concurrent.atomic.AtomicLong rowsProduced = new java.util.concurrent.atomic.AtomicLong();
    /** {@code SLOW} blocks until this latch opens (at most 30 s), like a commit waiting for Raft. */
    volatile java.util.concurrent.CountDownLatch slowGate = new java.util.concurrent.CountDownLatch(0);
    volatile java.util.concurrent.CountDownLatch slowEntered = new java.util.concurrent.CountDownLatch(1);

    static final NodeRecord ALICE = new NodeRecord(1, Set.of("Person"), Map.of("name", "Alice", "age", 42L));
    static final NodeRecord BOB = new NodeRecord(2, Set.of("Person", "Admin"), Map.of("name", "Bob"));
    static final RelationshipRecord KNOWS = new RelationshipRecord(7, "KNOWS", 1, 2, Map.of("since", 2020L));
    static final ZonedDateTime WHEN = ZonedDateTime.of(2024, 2, 29, 13, 45, 10, 123456789, ZoneId.of("Europe/Paris"));

    @Override
    public String authenticate(Map<String, Object> token) {
        if ("basic".equals(token.get("scheme")) && "neo4j".equals(token.get("principal"))
                && "secret".equals(token.get("credentials"))) {
            return "neo4j";
        }
        throw new GraphException("Neo.ClientError.Security.Unauthorized",
                "The client is unauthorized due to authentication failure.");
    }

    @Override
    public BoltTransaction begin(TransactionRequest request) {
        begins.add(request);
        events.add("begin " + (request.implicit() ? "implicit" : "explicit"));
        return new Tx(request.database() == null ? "neo4j" : request.database());
    }

    @Override
    public RoutingTable route(Map<String, Object> context, String database, List<String> bookmarks, String principal) {
        events.add("route " + database);
        routePrincipals.add(principal);
        List<String> me = List.of(routeAddress);
        return new RoutingTable(300, database == null ? "neo4j" : database, List.of(
                new RoutingTable.Server(me, RoutingTable.Role.WRITE),
                new RoutingTable.Server(me, RoutingTable.Role.READ),
                new RoutingTable.Server(me, RoutingTable.Role.ROUTE)));
    }

    @Override
    public String serverAgent() {
        return "Neo4j/5.26.0";
    }

    /** A lazy result 1..n, producing rows only as the server asks for them. */
    private final class Counting implements BoltResult {
        private final long n;
        private long next = 1;

        Counting(long n) {
            this.n = n;
        }

        @Override
        public List<String> fields() {
            return List.of("i");
        }

        @Override
        public List<Object> next() {
            if (next > n) {
                return null;
            }
            rowsProduced.incrementAndGet();
            return List.of(next++);
        }

        @Override
        public Map<String, Object> summary() {
            return Map.of("type", "r");
        }
    }

    private final class Tx implements BoltTransaction {
        private final String db;
        private boolean wrote;
        private boolean done;
        private volatile boolean terminated;

        Tx(String db) {
            this.db = db;
        }

        @Override
        public BoltResult run(String query, Map<String, Object> params) {
            events.add("run " + query);
            switch (query) {
                case "RETURN 1 AS x":
                    return BoltResult.of(List.of("x"), List.of(List.of(1L)), Map.of("type", "r"));
                case "RETURN $x AS x": {
                    List<Object> row = new ArrayList<>();
                    row.add(params.get("x"));
                    return BoltResult.of(List.of("x"), List.of(row), Map.of("type", "r"));
                }
                case "UNWIND range(1, $n) AS i RETURN i":
                    return new Counting((Long) params.get("n"));
                case "GRAPH":
                    return BoltResult.of(List.of("a", "r", "p", "when"), List.of(List.of(ALICE, KNOWS,
                            new PathValue(List.of(ALICE, BOB, ALICE), List.of(KNOWS, KNOWS)), WHEN)), Map.of());
                case "CREATE (n)":
                    wrote = true;
                    return BoltResult.of(List.of(), List.of(), Map.of("type", "w",
                            "stats", Map.of("nodes-created", 1L, "contains-updates", true)));
                case "FLAKY":
                    flakyAttempts.incrementAndGet();
                    if (flakyFailures.getAndDecrement() > 0) {
                        throw new GraphException("Neo.TransientError.Transaction.DeadlockDetected", "try again");
                    }
                    wrote = true;
                    return BoltResult.of(List.of("ok"), List.of(List.of(true)), Map.of("type", "w"));
                case "SHOW DEFAULT DATABASE":
                    // The Java driver sends this (against system) to resolve the home database of a
                    // session with its own auth token, on Bolt versions before server-side routing.
                    return BoltResult.of(List.of("name"), List.of(List.of("neo4j")), Map.of());
                case "SLOW":
                    slowEntered.countDown();
                    try {
                        long deadline = System.nanoTime() + 30_000_000_000L;
                        while (!slowGate.await(10, java.util.concurrent.TimeUnit.MILLISECONDS)
                                && System.nanoTime() < deadline) {
                            if (terminated) {
                                throw new GraphException("Neo.ClientError.Transaction.Terminated",
                                        "The transaction has been terminated.");
                            }
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return BoltResult.of(List.of("done"), List.of(List.of(true)), Map.of());
                case "FAIL":
                    throw new GraphException("Neo.ClientError.Statement.SyntaxError", "Invalid input 'FAIL'");
                case "BOOM":
                    throw new IllegalStateException("secret internal detail");
                default:
                    throw new GraphException("Neo.ClientError.Statement.SyntaxError", "unknown test query: " + query);
            }
        }

        @Override
        public String commit() {
            if (done) {
                throw new IllegalStateException("already finished");
            }
            done = true;
            events.add("commit");
            return wrote ? "FB:test:" + bookmarkCounter.incrementAndGet() : "FB:test:" + bookmarkCounter.get();
        }

        @Override
        public void rollback() {
            if (!done) {
                done = true;
                events.add("rollback");
            }
        }

        @Override
        public void terminate() {
            terminated = true;
            events.add("terminate");
        }

        @Override
        public String database() {
            return db;
        }

        @Override
        public String databaseId() {
            return "db-" + db;
        }
    }
}
