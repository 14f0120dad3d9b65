package io.ccdr.node.dbms;

/**
 * A replica database's upstream subscription as seen by the member that runs it (the replica
 * group's leader). {@code state} is {@code connected}, {@code disconnected}, {@code store-copy},
 * {@code broken-chain} or {@code stopped}; {@code upstreamLastCommittedTxId} is -1 before first
 * contact and {@code lagSeconds} NaN then.
 */
public record ReplicationStatus(String state, String upstreamAddress, long upstreamLastCommittedTxId, long lagTransactions,
                                double lagSeconds) {
}
