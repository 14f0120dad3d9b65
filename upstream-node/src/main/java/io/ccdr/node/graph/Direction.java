package io.ccdr.node.graph;

/** Direction of a relationship as seen from one of its end nodes. */
public enum Direction {
    OUTGOING, INCOMING, BOTH
}
