package io.ccdr.node.raft;

import org.junit.jupiter.api.Test;

import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** Every member reassembles fragmented entries from the log alone, by the same rules. */
class FragmentAssemblyTest {
    private static EntryFragments.Fragment f(UUID id, int index, int count, String bytes) {
        return new EntryFragments.Fragment(id, index, count, bytes.getBytes());
    }

    /** Feeds one entry at (term, index) as the state machine does: the log position first, then the fragment. */
    private static byte[] apply(FragmentAssembly a, long term, long index, EntryFragments.Fragment f) {
        a.onEntry(term, index);
        return a.add(term, index, f);
    }

    @Test
    void aCompleteSequenceYieldsTheWholeEntryOnItsLastFragmentEvenWithOtherEntriesBetween() {
        FragmentAssembly a = new FragmentAssembly();
        UUID x = UUID.randomUUID();
        UUID y = UUID.randomUUID();
        assertThat(apply(a, 1, 10, f(x, 0, 3, "ab"))).isNull();
        a.onEntry(1, 11); // some other transaction's entry
        assertThat(apply(a, 1, 12, f(y, 0, 2, "12"))).isNull();
        assertThat(apply(a, 1, 13, f(x, 1, 3, "cd"))).isNull();
        assertThat(a.hasOpen()).isTrue();
        assertThat(apply(a, 1, 14, f(y, 1, 2, "34"))).isEqualTo("1234".getBytes());
        assertThat(apply(a, 1, 15, f(x, 2, 3, "e"))).isEqualTo("abcde".getBytes());
        assertThat(a.hasOpen()).isFalse();
    }

    @Test
    void aMissingFragmentDiscardsTheSequence() {
        FragmentAssembly a = new FragmentAssembly();
        UUID x = UUID.randomUUID();
        apply(a, 1, 1, f(x, 0, 3, "a"));
        assertThat(apply(a, 1, 2, f(x, 2, 3, "c"))).as("fragment 1 was never appended").isNull();
        assertThat(a.hasOpen()).isFalse();
        assertThat(apply(a, 1, 3, f(x, 1, 3, "b"))).isNull();
    }

    @Test
    void aLaterTermDiscardsWhatTheOldLeaderLeftOpen() {
        FragmentAssembly a = new FragmentAssembly();
        UUID x = UUID.randomUUID();
        apply(a, 1, 1, f(x, 0, 2, "a"));
        a.onEntry(2, 2); // the new leader's first entry
        assertThat(a.hasOpen()).isFalse();
        assertThat(apply(a, 2, 3, f(x, 1, 2, "b"))).isNull();
    }

    @Test
    void aSequenceOpenTooLongIsDiscarded() {
        FragmentAssembly a = new FragmentAssembly();
        UUID x = UUID.randomUUID();
        apply(a, 1, 1, f(x, 0, 2, "a"));
        a.onEntry(1, 2 + FragmentAssembly.MAX_SPAN);
        assertThat(a.hasOpen()).isFalse();
    }

    @Test
    void fragmentsRoundTripThroughTheirEncoding() {
        EntryFragments.Fragment in = f(UUID.randomUUID(), 4, 9, "payload");
        byte[] encoded = EntryFragments.encode(in);
        assertThat(EntryFragments.isFragment(encoded)).isTrue();
        EntryFragments.Fragment out = EntryFragments.decode(encoded);
        assertThat(out.sequence()).isEqualTo(in.sequence());
        assertThat(out.index()).isEqualTo(4);
        assertThat(out.count()).isEqualTo(9);
        assertThat(out.bytes()).isEqualTo("payload".getBytes());
        assertThat(ReplicationEntry.isReplicationEntry(encoded)).isFalse();
    }
}
