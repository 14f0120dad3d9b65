package io.ccdr.node.bolt;

/** The access mode a driver declares for a transaction ({@code mode: "r"} means READ). */
public enum AccessMode {
    READ, WRITE
}
