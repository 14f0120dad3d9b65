package io.ccdr.node.raft;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * Reassembles {@link EntryFragments fragment entries} in log order. Every member follows the same
 * rules over the same log, so all of them apply a fragmented entry, or discard it, alike:
 *
 * <ul>
 *   <li>fragment 0 opens a sequence; fragment k continues it only if it is the next one, in the
 *   same term (fragments are appended back to back by one leader), otherwise the sequence is
 *   dropped;</li>
 *   <li>an entry of a later term drops every open sequence: a new leader never continues one;</li>
 *   <li>a sequence open for more than {@link #MAX_SPAN} entries, or open sequences holding more
 *   than {@link #MAX_PENDING_BYTES}, are dropped (a bound on what a stuck proposer can hold);</li>
 *   <li>the last fragment of a complete sequence yields the whole entry, applied at its index.</li>
 * </ul>
 *
 * Open sequences live only in memory: the state machine takes no snapshot while one is open, so
 * after a restart the log still holds all their fragments and replay rebuilds them. Confined to
 * the applying thread.
 */
final class FragmentAssembly {
    static final long MAX_SPAN = 100_000;
    static final long MAX_PENDING_BYTES = 1L << 30;

    private static final class Open {
        final long term;
        final long firstIndex;
        final int count;
        int next;
        long size;
        final List<byte[]> parts = new ArrayList<>();

        Open(long term, long firstIndex, int count) {
            this.term = term;
            this.firstIndex = firstIndex;
            this.count = count;
        }
    }

    private final Map<UUID, Open> open = new LinkedHashMap<>();
    private long openBytes;

    /** Every entry, in log order, before anything else is done with it (applied, skipped as covered, or metadata). */
    void onEntry(long term, long index) {
        for (Iterator<Open> it = open.values().iterator(); it.hasNext(); ) {
            Open o = it.next();
            if (term > o.term || index - o.firstIndex > MAX_SPAN) {
                openBytes -= o.size;
                it.remove();
            }
        }
    }

    /** Adds a fragment entry at {@code (term, index)}; returns the whole entry when this fragment completes it, else null. */
    byte[] add(long term, long index, EntryFragments.Fragment f) {
        Open o;
        if (f.index() == 0) {
            drop(f.sequence());
            o = new Open(term, index, f.count());
            open.put(f.sequence(), o);
        } else {
            o = open.get(f.sequence());
            if (o == null || o.next != f.index() || o.term != term || o.count != f.count()) {
                drop(f.sequence()); // a fragment went missing: this sequence can never complete
                return null;
            }
        }
        o.parts.add(f.bytes());
        o.size += f.bytes().length;
        openBytes += f.bytes().length;
        o.next++;
        if (openBytes > MAX_PENDING_BYTES) {
            drop(f.sequence());
            return null;
        }
        if (!f.last()) {
            return null;
        }
        open.remove(f.sequence());
        openBytes -= o.size;
        // one allocation of the exact size: a large transaction is otherwise copied while it grows
        byte[] whole = new byte[Math.toIntExact(o.size)];
        int at = 0;
        for (byte[] part : o.parts) {
            System.arraycopy(part, 0, whole, at, part.length);
            at += part.length;
        }
        return whole;
    }

    boolean hasOpen() {
        return !open.isEmpty();
    }

    void clear() {
        open.clear();
        openBytes = 0;
    }

    private void drop(UUID sequence) {
        Open o = open.remove(sequence);
        if (o != null) {
            openBytes -= o.size;
        }
    }
}
