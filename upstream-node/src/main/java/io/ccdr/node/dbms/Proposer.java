package io.ccdr.node.dbms;

import io.ccdr.node.raft.DatabaseEntry;
import io.ccdr.node.raft.RaftNode;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroupId;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * Group commit on the leader: change sets waiting to be proposed are packed into one Raft entry.
 * At most {@link #MAX_IN_FLIGHT} entries are in flight; while they are, new change sets queue up
 * and leave together in the next entry. A lone writer is never delayed (an idle proposer sends at
 * once); under load, Raft carries fewer, larger entries.
 */
final class Proposer {
    static final int MAX_IN_FLIGHT = 4;
    private static final int MAX_ITEMS = 256;
    /** Change-set bytes per entry; a single larger change set leaves alone (in fragments). */
    private static final int MAX_BYTES = io.ccdr.node.raft.RaftTuning.MAX_ENTRY_BYTES - 64 * 1024;

    /** A change set waiting for Raft; {@code rejected} completes if Raft refuses the entry that carries it. */
    record Pending(UUID requestId, byte[] changeSet, CompletableFuture<Object> rejected) {
    }

    private final RaftNode raft;
    private final RaftGroupId groupId;
    private final ArrayDeque<Pending> queue = new ArrayDeque<>();
    private int inFlight;

    Proposer(RaftNode raft, RaftGroupId groupId) {
        this.raft = raft;
        this.groupId = groupId;
    }

    void propose(Pending p) {
        List<Pending> batch;
        synchronized (this) {
            queue.add(p);
            if (inFlight >= MAX_IN_FLIGHT) {
                return;
            }
            batch = drain();
            inFlight++;
        }
        send(batch);
    }

    private List<Pending> drain() {
        List<Pending> batch = new ArrayList<>();
        int bytes = 0;
        while (!queue.isEmpty() && batch.size() < MAX_ITEMS && (batch.isEmpty() || bytes + queue.peek().changeSet().length <= MAX_BYTES)) {
            Pending p = queue.poll();
            bytes += p.changeSet().length;
            batch.add(p);
        }
        return batch;
    }

    private void send(List<Pending> batch) {
        List<DatabaseEntry.Item> items = new ArrayList<>(batch.size());
        for (Pending p : batch) {
            items.add(new DatabaseEntry.Item(p.requestId(), p.changeSet()));
        }
        CompletableFuture<RaftClientReply> reply = io.ccdr.node.raft.EntryFragments.submit(raft, groupId, new DatabaseEntry(items).encode());
        reply.whenComplete((r, e) -> {
            if (e != null || !r.isSuccess()) {
                Object why = e != null ? e : r;
                for (Pending p : batch) {
                    p.rejected().complete(why);
                }
            }
            List<Pending> next = null;
            synchronized (this) {
                if (queue.isEmpty()) {
                    inFlight--;
                } else {
                    next = drain();
                }
            }
            if (next != null) {
                send(next);
            }
        });
    }
}
