package io.ccdr.node.raft;

import io.ccdr.node.tx.BinaryReader;
import io.ccdr.node.tx.BinaryWriter;
import io.ccdr.node.tx.CorruptDataException;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroupId;

import java.util.Arrays;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * Database entries larger than one Raft entry may be. Ratis cannot send an entry larger than its
 * log appender's buffer ({@link RaftTuning#MAX_ENTRY_BYTES} stays well below it), and a leader that
 * tries stops replicating altogether; so a large transaction (or a replica's large upstream
 * transaction) is proposed as a sequence of fragment entries, appended back to back, that every
 * member reassembles in log order and applies as one entry when the last fragment is applied
 * ({@link FragmentAssembly}). The transaction stays atomic: nothing of it is visible before its
 * last fragment is applied, and a sequence that does not complete is discarded.
 *
 * <p>Fragment entry: byte {@link #FRAGMENT}, 16 bytes sequence id, varint index, varint count,
 * then the bytes.
 */
public final class EntryFragments {
    public static final int FRAGMENT = 6;
    private static final int HEADER = 1 + 16 + 5 + 5;

    /** One fragment, as decoded. */
    public record Fragment(UUID sequence, int index, int count, byte[] bytes) {
        public boolean last() {
            return index == count - 1;
        }
    }

    private EntryFragments() {
    }

    /** True when {@code data} is a fragment entry rather than a whole one. */
    static boolean isFragment(byte[] data) {
        return data.length > 0 && data[0] == FRAGMENT;
    }

    /**
     * Proposes {@code entry} to {@code groupId} through the local server, in fragments if it is
     * larger than one Raft entry may be. Fragments are submitted one after another from this
     * thread, so they are appended in order. The reply is that of the whole entry (carried by its
     * last fragment).
     */
    public static CompletableFuture<RaftClientReply> submit(RaftNode raft, RaftGroupId groupId, byte[] entry) {
        int max = RaftTuning.MAX_ENTRY_BYTES - HEADER;
        if (entry.length <= RaftTuning.MAX_ENTRY_BYTES) {
            return raft.submitLocal(groupId, entry);
        }
        UUID sequence = UUID.randomUUID();
        int count = (entry.length + max - 1) / max;
        // the first answer that settles the whole: a refused fragment (the sequence cannot complete), or the last one's
        CompletableFuture<RaftClientReply> whole = new CompletableFuture<>();
        for (int i = 0; i < count; i++) {
            int from = i * max;
            int to = Math.min(entry.length, from + max);
            boolean last = i == count - 1;
            raft.submitLocal(groupId, encode(sequence, i, count, entry, from, to)).whenComplete((r, e) -> {
                if (e != null) {
                    whole.completeExceptionally(e);
                } else if (last || !r.isSuccess()) {
                    whole.complete(r);
                }
            });
        }
        return whole;
    }

    static byte[] encode(Fragment f) {
        return encode(f.sequence(), f.index(), f.count(), f.bytes(), 0, f.bytes().length);
    }

    /** A fragment carrying {@code entry[from, to)}, built without copying that slice first. */
    private static byte[] encode(UUID sequence, int index, int count, byte[] entry, int from, int to) {
        byte[] head = new BinaryWriter(HEADER).writeByte(FRAGMENT).writeLong(sequence.getMostSignificantBits())
                .writeLong(sequence.getLeastSignificantBits()).writeVarInt(index).writeVarInt(count).toByteArray();
        byte[] out = Arrays.copyOf(head, head.length + (to - from));
        System.arraycopy(entry, from, out, head.length, to - from);
        return out;
    }

    static Fragment decode(byte[] data) {
        BinaryReader r = new BinaryReader(data);
        if (r.readByte() != FRAGMENT) {
            throw new CorruptDataException("not a fragment entry");
        }
        UUID sequence = new UUID(r.readLong(), r.readLong());
        int index = r.readVarInt();
        int count = r.readVarInt();
        if (count < 2 || index >= count) {
            throw new CorruptDataException("fragment " + index + " of " + count);
        }
        return new Fragment(sequence, index, count, r.readBytes(r.remaining()));
    }
}
