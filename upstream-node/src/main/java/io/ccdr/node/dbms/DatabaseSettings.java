package io.ccdr.node.dbms;

import java.time.Duration;

/**
 * The server settings every hosted database's write and read paths follow.
 *
 * @param writeTimeout        {@code server.cluster.write_timeout}: how long a commit waits for Raft before its outcome is settled otherwise
 * @param bookmarkTimeout     {@code db.transaction.bookmark_ready_timeout}
 * @param maxTransactionBytes {@code server.cluster.max_transaction_size}: the largest change set one transaction may commit
 */
public record DatabaseSettings(Duration writeTimeout, Duration bookmarkTimeout, long maxTransactionBytes) {
    public DatabaseSettings {
        if (writeTimeout.isNegative() || writeTimeout.isZero() || bookmarkTimeout.isNegative() || maxTransactionBytes < 1) {
            throw new IllegalArgumentException("timeouts and the transaction size limit must be positive");
        }
    }
}
