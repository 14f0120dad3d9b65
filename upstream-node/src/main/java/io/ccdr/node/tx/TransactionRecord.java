package io.ccdr.node.tx;

/**
 * A committed transaction as kept in the transaction log and shipped by the transaction stream.
 * {@code changeSetBytes} are the exact bytes that were hashed, so a reader can re-verify the chain.
 */
public record TransactionRecord(long txId, long commitTimeMillis, byte[] chainHash, byte[] changeSetBytes) {

    public ChangeSet changeSet() {
        return ChangeSetCodec.decode(changeSetBytes);
    }
}
