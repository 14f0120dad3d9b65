package io.ccdr.metrics;

import java.util.List;
import java.util.Objects;

/**
 * One server's view of one database it hosts, as reported by the health endpoints.
 *
 * @param database          the database name
 * @param role              this server's role for the database
 * @param writable          this server accepts writes for the database now (it is the leader of a writable,
 *                          standard database); implies {@code available} and not {@code readOnly}
 * @param available         this server can serve the database now (started, not in store copy, not failed)
 * @param readOnly          this server serves the database read-only: a follower, a secondary, a member of a
 *                          replica database, or any member of a database set to read-only access
 * @param lastCommittedTxId the last transaction applied on this server
 * @param lag               transactions behind the writer (replica: behind the upstream); {@code -1} if unknown
 * @param members           the servers participating in the database's group, as addresses or server ids
 */
public record DatabaseHealth(String database, Role role, boolean writable, boolean available, boolean readOnly,
                             long lastCommittedTxId, long lag, List<String> members) {

    /** Roles in the Neo4j 5 sense; {@code REPLICA} is a member of a replica database (follows another cluster). */
    public enum Role { LEADER, FOLLOWER, SECONDARY, REPLICA }

    public DatabaseHealth {
        Objects.requireNonNull(database, "database");
        Objects.requireNonNull(role, "role");
        members = List.copyOf(members);
        if (writable && (readOnly || !available || role != Role.LEADER)) {
            throw new IllegalArgumentException("a writable database must be available, not read-only, and led here: "
                    + database + " role=" + role + " available=" + available + " readOnly=" + readOnly);
        }
        if (lag < -1) {
            throw new IllegalArgumentException("lag must be >= 0 or -1 (unknown): " + lag);
        }
    }
}
