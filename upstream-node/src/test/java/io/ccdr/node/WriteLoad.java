package io.ccdr.node;

import io.ccdr.node.embedded.EmbeddedCluster;

import io.ccdr.node.dbms.ClusterErrors;
import io.ccdr.node.dbms.Database;
import io.ccdr.node.graph.GraphException;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Concurrent writers creating {@code (:Ping {id})} nodes against whichever server leads, the way a
 * routing client would: a NotALeader answer (which ccdr gives only when the write did not commit)
 * is retried with the same id; an "outcome unknown" answer is recorded as unacknowledged and the
 * id is never reused.
 */
final class WriteLoad implements AutoCloseable {
    private final EmbeddedCluster cluster;
    private final String database;
    private final ExecutorService pool;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicLong nextId = new AtomicLong();
    final Set<Long> acknowledged = ConcurrentHashMap.newKeySet();
    final Set<Long> unknown = ConcurrentHashMap.newKeySet();
    final AtomicLong retries = new AtomicLong();
    private final CountDownLatch done;

    WriteLoad(EmbeddedCluster cluster, String database, int writers) {
        this.cluster = cluster;
        this.database = database;
        this.pool = Executors.newFixedThreadPool(writers);
        this.done = new CountDownLatch(writers);
        for (int i = 0; i < writers; i++) {
            pool.execute(this::writeLoop);
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
                boolean settled = false;
                while (!settled && running.get()) {
                    Optional<Database> db = leader();
                    if (db.isEmpty()) {
                        pause();
                        continue;
                    }
                    try {
                        db.get().write(tx -> tx.createNode(Set.of("Ping"), Map.of("id", id)));
                        acknowledged.add(id);
                        settled = true;
                    } catch (GraphException e) {
                        if (ClusterErrors.COMMIT_OUTCOME_UNKNOWN.equals(e.statusCode())) {
                            unknown.add(id);
                            settled = true;
                        } else if (e.isRetryable() || ClusterErrors.NOT_A_LEADER.equals(e.statusCode())) {
                            retries.incrementAndGet();
                            pause();
                        } else {
                            throw e;
                        }
                    } catch (RuntimeException e) {
                        // the server was closed under us: the write's fate is unknown
                        unknown.add(id);
                        settled = true;
                    }
                }
            }
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

    void awaitAcknowledged(long count, Duration timeout) {
        Eventually.eventually(timeout, count + " acknowledged writes (have " + acknowledged.size() + ")",
                () -> acknowledged.size() >= count);
    }

    @Override
    public void close() throws InterruptedException {
        running.set(false);
        done.await(60, TimeUnit.SECONDS);
        pool.shutdownNow();
    }
}
