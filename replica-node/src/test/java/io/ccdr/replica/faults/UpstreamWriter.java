package io.ccdr.replica.faults;

import io.ccdr.node.CcdrServer;
import io.ccdr.node.dbms.ClusterErrors;
import io.ccdr.node.dbms.Database;
import io.ccdr.node.embedded.EmbeddedCluster;
import io.ccdr.node.graph.GraphException;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static io.ccdr.node.Eventually.eventually;

/**
 * Background writers on the upstream cluster, as a routing client would write: each creates
 * {@code (:Ping {id, run, pad})} on whichever server leads (a relationship to the previous one every few
 * writes). NotALeader and retryable answers are retried with the same id; an answer whose outcome
 * is unknown (leader lost mid-commit, server closed under the call) is recorded as unknown and the
 * id is never reused. So afterwards every acknowledged id must exist exactly once, an unknown one at
 * most once, and nothing else.
 */
final class UpstreamWriter implements AutoCloseable {
    private final EmbeddedCluster cluster;
    private final String database;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicLong nextId = new AtomicLong();
    /** Tags this writer's nodes, so that several writers (one per test) can share an upstream database. */
    final String run = java.util.UUID.randomUUID().toString();
    final Set<Long> acknowledged = ConcurrentHashMap.newKeySet();
    final Set<Long> unknown = ConcurrentHashMap.newKeySet();
    private final CountDownLatch done;
    private final AtomicLong failures = new AtomicLong();
    private volatile Throwable fatal;

    UpstreamWriter(EmbeddedCluster cluster, String database, int writers) {
        this.cluster = cluster;
        this.database = database;
        this.done = new CountDownLatch(writers);
        for (int i = 0; i < writers; i++) {
            Thread t = new Thread(this::writeLoop, "upstream-writer-" + i);
            t.setDaemon(true);
            t.start();
        }
    }

    private Optional<Database> leader() {
        return cluster.leaderOf(database).flatMap(i -> {
            CcdrServer s = cluster.server(i);
            return s == null ? Optional.empty() : s.database(database);
        });
    }

    private void writeLoop() {
        try {
            while (running.get()) {
                long id = nextId.incrementAndGet();
                String pad = "p".repeat((int) (id % 97) * 3);
                boolean settled = false;
                while (!settled && running.get()) {
                    Optional<Database> db = leader();
                    if (db.isEmpty()) {
                        pause();
                        continue;
                    }
                    try {
                        db.get().write(tx -> {
                            long node = tx.createNode(Set.of("Ping"), Map.of("id", id, "run", run, "pad", pad));
                            if (id % 5 == 0) {
                                long other = tx.createNode(Set.of("Pong"), Map.of("of", id));
                                tx.createRelationship(node, other, "ECHO", Map.of("n", id));
                            }
                            return node;
                        });
                        acknowledged.add(id);
                        settled = true;
                    } catch (GraphException e) {
                        if (ClusterErrors.COMMIT_OUTCOME_UNKNOWN.equals(e.statusCode())) {
                            unknown.add(id);
                            settled = true;
                        } else if (e.isRetryable() || ClusterErrors.NOT_A_LEADER.equals(e.statusCode())) {
                            failures.incrementAndGet();
                            pause();
                        } else {
                            throw e;
                        }
                    } catch (RuntimeException e) {
                        unknown.add(id); // the server was closed under us: the write's fate is unknown
                        settled = true;
                    }
                }
            }
        } catch (Throwable t) {
            fatal = t;
        } finally {
            done.countDown();
        }
    }

    private static void pause() {
        try {
            Thread.sleep(20);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Waits until at least {@code more} further writes are acknowledged. */
    void awaitMore(long more, Duration timeout) {
        long target = acknowledged.size() + more;
        eventually(timeout, target + " acknowledged upstream writes", () -> {
            if (fatal != null) {
                throw new AssertionError("writer failed", fatal);
            }
            return acknowledged.size() >= target;
        });
    }

    /** Stops the writers and waits for them; fails if a writer met an unexpected error. */
    void stop() throws InterruptedException {
        running.set(false);
        if (!done.await(60, TimeUnit.SECONDS)) {
            throw new AssertionError("writers did not stop");
        }
        if (fatal != null) {
            throw new AssertionError("a writer failed with a non-retryable error", fatal);
        }
    }

    @Override
    public void close() throws InterruptedException {
        running.set(false);
        done.await(60, TimeUnit.SECONDS);
    }
}
