package io.ccdr.replica;

import io.ccdr.node.CcdrServer;
import io.ccdr.node.cypher.Procedure;
import io.ccdr.node.dbms.Database;
import io.ccdr.node.extension.ServerExtension;
import io.ccdr.node.stream.TransactionStreamClient;
import io.ccdr.node.system.DatabaseInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The replica role of a server: for every replica database hosted here, a {@link ReplicaPuller}
 * that pulls from the upstream while this member leads the replica's group; the store-copy source
 * members use to reach a baseline; and the {@code internal.dbms.*} procedures that create and
 * promote replicas.
 */
public final class ReplicaExtension implements ServerExtension {
    private static final Logger LOG = LoggerFactory.getLogger(ReplicaExtension.class);
    private static final long TICK_MILLIS = 200;

    private final Map<Database, ReplicaPuller> pullers = new IdentityHashMap<>(); // owned by the scheduler thread
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "ccdr-replicas");
        t.setDaemon(true);
        return t;
    });
    private volatile CcdrServer server;
    private final TransactionStreamClient.Settings streamSettings = TransactionStreamClient.Settings.defaults();
    private final java.util.concurrent.ExecutorService fencer = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "ccdr-fencing");
        t.setDaemon(true);
        return t;
    });
    private final java.util.concurrent.atomic.AtomicBoolean fencing = new java.util.concurrent.atomic.AtomicBoolean();
    private volatile Promotion promotion;

    @Override
    public void start(CcdrServer server) {
        this.server = server;
        this.promotion = new Promotion(server);
        server.handleClusterRequest(io.ccdr.node.stream.Frame.Type.FENCE, payload -> Promotion.handleFence(server, payload));
        scheduler.scheduleWithFixedDelay(this::tickQuietly, 0, TICK_MILLIS, TimeUnit.MILLISECONDS);
        server.addSystemStateListener(s -> scheduler.execute(this::tickQuietly));
    }

    private void tickQuietly() {
        try {
            tick();
        } catch (RuntimeException e) {
            LOG.warn("replica supervision failed (will retry): {}", e.toString());
        }
    }

    private void tick() {
        CcdrServer s = server;
        Map<Database, Boolean> seen = new IdentityHashMap<>();
        for (Database db : s.databases()) {
            DatabaseInfo info = db.info();
            if (info == null || db.store() == null || db.isSecondary()) {
                continue;
            }
            if (info.isReplica() && info.upstream() != null) {
                seen.put(db, true);
                ReplicaPuller p = pullers.get(db);
                if (p == null) {
                    db.stateMachine().setBaselineSource(new ReplicaStoreCopySource(s));
                    p = new ReplicaPuller(s, db, info.upstream(), streamSettings);
                    pullers.put(db, p);
                }
                p.tick(info);
                if (info.promotion() != null && !info.promotion().done() && db.isLeader() && !p.active()) {
                    promotion.complete(db, info, p);
                }
            } else if (info.promotion() != null && info.promotion().fence() && info.promotion().fenceStatus().isEmpty() && db.isLeader()
                    && fencing.compareAndSet(false, true)) {
                fencer.execute(() -> {
                    try {
                        promotion.fenceIfDue(db, info);
                    } finally {
                        fencing.set(false);
                    }
                });
            }
        }
        pullers.entrySet().removeIf(e -> {
            if (seen.containsKey(e.getKey())) {
                return false;
            }
            e.getValue().close(); // dropped, or promoted to a standard database
            return true;
        });
    }

    @Override
    public Optional<Procedure> systemProcedure(String qualifiedName, Caller caller) {
        if (CreateReplicaDatabaseProcedure.NAME.equals(qualifiedName)) {
            return Optional.of(new CreateReplicaDatabaseProcedure(server, caller));
        }
        if (PromoteReplicaDatabaseProcedure.NAME.equals(qualifiedName)) {
            return Optional.of(new PromoteReplicaDatabaseProcedure(server, caller, false));
        }
        if (TransactionLogProcedure.NAME.equals(qualifiedName)) {
            return Optional.of(new TransactionLogProcedure(server, caller));
        }
        if (PromoteReplicaDatabaseProcedure.WITH_TOPOLOGY.equals(qualifiedName)) {
            return Optional.of(new PromoteReplicaDatabaseProcedure(server, caller, true));
        }
        return Optional.empty();
    }

    @Override
    public void close() {
        fencer.shutdownNow();
        scheduler.shutdownNow();
        try {
            scheduler.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        pullers.values().forEach(ReplicaPuller::close);
        pullers.clear();
    }
}
