package io.ccdr.cli.faults;

import io.ccdr.cli.drill.Cypher;
import org.neo4j.driver.AccessMode;
import org.neo4j.driver.Driver;
import org.neo4j.driver.Session;
import org.neo4j.driver.SessionConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The checker's eyes during the run, on its own thread: every half second both databases' positions
 * (the lag the checker measures itself), each replica member's txId and chain hash (checked against
 * the upstream's log afterwards), and a write attempted on the replica, which must be refused every
 * time.
 */
final class Observer implements AutoCloseable {
    static final String PROBE_LABEL = "FaultProbe";
    private static final long INTERVAL_MILLIS = 500;

    /** Positions at one moment; -1 where a cluster did not answer. */
    record Sample(long nanos, long upstreamTxId, long replicaTxId) {
        boolean known() {
            return upstreamTxId >= 0 && replicaTxId >= 0;
        }

        long lag() {
            return Math.max(0, upstreamTxId - replicaTxId);
        }
    }

    /** A replica member's position as it reported it: it must be a point of the upstream's history. */
    record MemberPosition(String address, long txId, String chainHash) {
    }

    private final Driver upstream;
    private final String upstreamDb;
    private final Driver replica;
    private final String replicaDb;
    private final List<Sample> samples = new ArrayList<>();
    private final List<MemberPosition> positions = new ArrayList<>();
    private final AtomicInteger probesRefused = new AtomicInteger();
    private final List<String> probesAccepted = new ArrayList<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread thread;

    Observer(Driver upstream, String upstreamDb, Driver replica, String replicaDb) {
        this.upstream = upstream;
        this.upstreamDb = upstreamDb;
        this.replica = replica;
        this.replicaDb = replicaDb;
        this.thread = new Thread(this::loop, "faults-observer");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    private void loop() {
        int round = 0;
        while (running.get()) {
            long started = System.nanoTime();
            long up = Cypher.txId(upstream, upstreamDb);
            long rep = -1;
            try {
                List<Cypher.Member> members = Cypher.members(replica, replicaDb);
                for (Cypher.Member m : members) {
                    if (m.txId() != null && m.chainHash() != null) {
                        rep = Math.max(rep, m.txId());
                        if (round % 4 == 0) {
                            synchronized (positions) {
                                positions.add(new MemberPosition(m.address(), m.txId(), m.chainHash()));
                            }
                        }
                    }
                }
            } catch (RuntimeException e) {
                rep = -1; // the replica cluster did not answer (a paused or killed member): unknown, not 0
            }
            synchronized (samples) {
                samples.add(new Sample(System.nanoTime(), up, rep));
            }
            if (round % 4 == 2) {
                probeReplicaWrite();
            }
            round++;
            long left = INTERVAL_MILLIS - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            if (left > 0) {
                try {
                    Thread.sleep(left);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    /** A replica accepts no writes whatever happens to its links and members: two writers of one lineage otherwise. */
    private void probeReplicaWrite() {
        try (Session s = replica.session(SessionConfig.builder().withDatabase(replicaDb).withDefaultAccessMode(AccessMode.WRITE).build())) {
            s.run("CREATE (:" + PROBE_LABEL + " {at: timestamp()})").consume();
            synchronized (probesAccepted) {
                probesAccepted.add("a write to '" + replicaDb + "' was acknowledged at " + java.time.Instant.now());
            }
        } catch (RuntimeException refused) {
            probesRefused.incrementAndGet();
        }
    }

    List<Sample> samples() {
        synchronized (samples) {
            return List.copyOf(samples);
        }
    }

    List<MemberPosition> positions() {
        synchronized (positions) {
            return List.copyOf(positions);
        }
    }

    int probesRefused() {
        return probesRefused.get();
    }

    List<String> probesAccepted() {
        synchronized (probesAccepted) {
            return List.copyOf(probesAccepted);
        }
    }

    @Override
    public void close() {
        running.set(false);
        thread.interrupt();
        try {
            thread.join(30_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
