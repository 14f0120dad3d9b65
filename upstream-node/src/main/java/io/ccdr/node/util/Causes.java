package io.ccdr.node.util;

/** Turning an exception chain into the one line an operator reads. */
public final class Causes {
    private Causes() {
    }

    /** The innermost cause's message (its type when it has none), e.g. "No space left on device". */
    public static String rootMessage(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String m = root.getMessage();
        return m == null ? root.getClass().getSimpleName() : m;
    }
}
