package io.ccdr.node.bolt;

/** A negotiated Bolt protocol version and the features that depend on it. */
record BoltVersion(int major, int minor) implements Comparable<BoltVersion> {

    static final BoltVersion V4_4 = new BoltVersion(4, 4);
    static final BoltVersion V5_0 = new BoltVersion(5, 0);
    static final BoltVersion V5_1 = new BoltVersion(5, 1);
    static final BoltVersion V5_4 = new BoltVersion(5, 4);

    /** Versions this server speaks, newest first. */
    static final java.util.List<BoltVersion> SUPPORTED = java.util.List.of(
            V5_4, new BoltVersion(5, 3), new BoltVersion(5, 2), V5_1, V5_0, V4_4);

    /** Bolt 5 carries element ids in nodes and relationships. */
    boolean elementIds() {
        return major >= 5;
    }

    /** Bolt 5.1 moved authentication from HELLO to LOGON/LOGOFF. */
    boolean separateLogon() {
        return compareTo(V5_1) >= 0;
    }

    boolean telemetry() {
        return compareTo(V5_4) >= 0;
    }

    /** The four bytes of the handshake answer: {@code 00 00 minor major}. */
    int encode() {
        return (minor << 8) | major;
    }

    @Override
    public int compareTo(BoltVersion o) {
        return major != o.major ? Integer.compare(major, o.major) : Integer.compare(minor, o.minor);
    }

    @Override
    public String toString() {
        return major + "." + minor;
    }

    /**
     * Picks the highest supported version inside any of the client's proposals, or null. A
     * proposal is {@code [reserved][range][minor][major]}: it offers minor, minor-1, ...,
     * minor-range of that major. Anything else (e.g. the 5.7+ handshake manifest 0x000001FF) is
     * simply not a version we support.
     */
    static BoltVersion negotiate(int[] proposals) {
        BoltVersion best = null;
        for (int p : proposals) {
            int major = p & 0xFF;
            int minor = (p >>> 8) & 0xFF;
            int range = (p >>> 16) & 0xFF;
            for (BoltVersion v : SUPPORTED) {
                if (v.major == major && v.minor <= minor && v.minor >= minor - range
                        && (best == null || v.compareTo(best) > 0)) {
                    best = v;
                }
            }
        }
        return best;
    }
}
