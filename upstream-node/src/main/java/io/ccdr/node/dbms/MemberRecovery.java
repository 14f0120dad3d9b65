package io.ccdr.node.dbms;

import io.ccdr.node.graph.GraphException;
import io.ccdr.node.system.DatabaseInfo;
import io.ccdr.node.system.SystemCommand;
import io.ccdr.node.system.SystemResult;
import org.apache.ratis.protocol.RaftGroupId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * What this server does about a database member of its own that stopped applying transactions
 * (its Raft log or store cannot be written, typically a full disk). Such a member falls further
 * behind with every commit, so it must not look healthy: it leaves leadership, records the
 * failure in the {@code system} database (routing tables then leave it out and SHOW DATABASES
 * says why), and serves no reads. Once its data directory has room again it is reopened, replays
 * from its own store's position and catches up from the other members; when it has, the record is
 * cleared. Driven by the database manager's reconciliation, one thread.
 */
public final class MemberRecovery {
    private static final Logger LOG = LoggerFactory.getLogger(MemberRecovery.class);
    private static final long FIRST_RETRY_NANOS = TimeUnit.SECONDS.toNanos(5);
    private static final long MAX_RETRY_NANOS = TimeUnit.MINUTES.toNanos(1);

    /** Closes a stopped member and opens it again from its storage. */
    @FunctionalInterface
    public interface Reopener {
        void reopen() throws IOException;
    }

    private static final class Stopped {
        final String why;
        /** Kept for the member's current Raft division: a reopened one is not paused. */
        boolean stoodDown;
        boolean reported;
        long nextAttemptNanos = System.nanoTime() + FIRST_RETRY_NANOS;
        long backoffNanos = FIRST_RETRY_NANOS;

        Stopped(String why) {
            this.why = why;
        }
    }

    private final String serverId;
    private final Path dataDir;
    private final long minFreeBytes;
    private final Function<SystemCommand, SystemResult> system;
    private final io.ccdr.node.raft.RaftNode raft;
    private final Map<String, Stopped> stopped = new HashMap<>();

    /**
     * @param minFreeBytes usable bytes the data directory needs before a stopped member is reopened
     * @param system       proposes a command to the {@code system} database (through its leader)
     */
    MemberRecovery(String serverId, Path dataDir, long minFreeBytes, Function<SystemCommand, SystemResult> system, io.ccdr.node.raft.RaftNode raft) {
        this.serverId = serverId;
        this.dataDir = dataDir;
        this.minFreeBytes = minFreeBytes;
        this.system = system;
        this.raft = raft;
    }

    /**
     * One reconciliation step for a hosted database; {@code info} is what the system database
     * records for it, {@code reopener} reopens this member.
     */
    void check(Database db, DatabaseInfo info, Reopener reopener) {
        String why = db.stoppedApplying();
        if (why != null) {
            Stopped s = onStopped(db.name(), why, db.isSecondary() ? null : db.groupId(), reopener);
            if (!s.reported) {
                s.reported = propose(new SystemCommand.SetMemberFailure(db.name(), serverId, "This server " + s.why
                        + "; it serves no reads until it has recovered"));
            }
            return;
        }
        if (stopped.containsKey(db.name()) || info.failedMembers().containsKey(serverId)) {
            clearWhenCaughtUp(db);
        }
    }

    /** The same for this server's member of the system group ({@code why} null while it applies). */
    void checkSystem(String why, RaftGroupId systemGroup, Reopener reopener) {
        if (why != null) {
            onStopped("system", why, systemGroup, reopener);
        } else if (stopped.remove("system") != null) {
            LOG.info("the system database on this server is applying again");
        }
    }

    private Stopped onStopped(String name, String why, RaftGroupId group, Reopener reopener) {
        Stopped s = stopped.get(name);
        if (s == null) {
            s = new Stopped(why);
            stopped.put(name, s);
            LOG.error("database '{}' on this server {}; it no longer serves reads or leads, and rejoins by itself once {} has {} MiB free "
                    + "(now {} MiB)", name, why, dataDir, minFreeBytes >> 20, usableBytes() >> 20);
        }
        if (!s.stoodDown && group != null) {
            try {
                raft.standDown(group);
                s.stoodDown = true;
            } catch (IOException | RuntimeException e) {
                LOG.debug("database '{}': cannot stand down yet: {}", name, e.toString());
            }
        }
        long now = System.nanoTime();
        if (now - s.nextAttemptNanos < 0) {
            return s;
        }
        long free = usableBytes();
        if (free < minFreeBytes) {
            s.nextAttemptNanos = now + FIRST_RETRY_NANOS;
            return s;
        }
        s.backoffNanos = Math.min(MAX_RETRY_NANOS, s.backoffNanos * 2);
        s.nextAttemptNanos = now + s.backoffNanos;
        try {
            LOG.info("database '{}': {} MiB free in {} now; reopening this member to catch up", name, free >> 20, dataDir);
            reopener.reopen();
            s.stoodDown = false; // a reopened member stands for election again; if it stops again it stands down again
        } catch (IOException | RuntimeException e) {
            LOG.warn("database '{}': reopening this member failed (next try in {} s): {}", name,
                    TimeUnit.NANOSECONDS.toSeconds(s.backoffNanos), e.toString());
        }
        return s;
    }

    private void clearWhenCaughtUp(Database db) {
        boolean caughtUp = db.isSecondary() || (db.leader().isPresent() && db.commitIndex() >= 0 && db.appliedIndex() >= db.commitIndex());
        if (!caughtUp) {
            return;
        }
        if (propose(new SystemCommand.SetMemberFailure(db.name(), serverId, ""))) {
            if (stopped.remove(db.name()) != null) {
                LOG.info("database '{}' on this server has recovered: applying again at txId {}", db.name(), db.lastCommittedTxId());
            }
        }
    }

    /** Forgets a database that is no longer hosted here. */
    void forget(String database) {
        stopped.remove(database);
    }

    private boolean propose(SystemCommand command) {
        try {
            return system.apply(command).ok();
        } catch (GraphException e) {
            return false; // no system leader reachable right now; retried on the next step
        }
    }

    private long usableBytes() {
        try {
            return Files.getFileStore(dataDir).getUsableSpace();
        } catch (IOException e) {
            return 0;
        }
    }
}
