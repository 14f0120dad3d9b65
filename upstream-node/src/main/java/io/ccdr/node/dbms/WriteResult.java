package io.ccdr.node.dbms;

import io.ccdr.node.tx.ChainHash;

/**
 * The result of a write transaction. {@code txId} is the committed transaction, or, when the work
 * changed nothing, the txId it read from ({@code committed} false). Either way it is a valid
 * bookmark for a causally consistent read.
 */
public record WriteResult<T>(T value, long txId, boolean committed, byte[] chainHash, long commitTimeMillis) {
    public String chainHashHex() {
        return chainHash == null ? null : ChainHash.hex(chainHash);
    }
}
