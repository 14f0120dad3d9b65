package io.ccdr.node.system;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/**
 * An entry of the {@code system} Raft group. Commands are validated when applied (deterministically,
 * against the replicated state), so the proposer needs no lock and a stale proposer cannot corrupt
 * the state.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "op")
@JsonSubTypes({
        @JsonSubTypes.Type(value = SystemCommand.RegisterServer.class, name = "registerServer"),
        @JsonSubTypes.Type(value = SystemCommand.CreateDatabase.class, name = "createDatabase"),
        @JsonSubTypes.Type(value = SystemCommand.DropDatabase.class, name = "dropDatabase"),
        @JsonSubTypes.Type(value = SystemCommand.SetDatabaseStatus.class, name = "setDatabaseStatus"),
        @JsonSubTypes.Type(value = SystemCommand.SetDatabaseAccess.class, name = "setDatabaseAccess"),
        @JsonSubTypes.Type(value = SystemCommand.CreateUser.class, name = "createUser"),
        @JsonSubTypes.Type(value = SystemCommand.DropUser.class, name = "dropUser"),
        @JsonSubTypes.Type(value = SystemCommand.SetPassword.class, name = "setPassword"),
        @JsonSubTypes.Type(value = SystemCommand.GrantRole.class, name = "grantRole"),
        @JsonSubTypes.Type(value = SystemCommand.RevokeRole.class, name = "revokeRole"),
        @JsonSubTypes.Type(value = SystemCommand.CreateReplicaDatabase.class, name = "createReplicaDatabase"),
        @JsonSubTypes.Type(value = SystemCommand.SetDatabaseStatusMessage.class, name = "setDatabaseStatusMessage"),
        @JsonSubTypes.Type(value = SystemCommand.PromoteDatabase.class, name = "promoteDatabase"),
        @JsonSubTypes.Type(value = SystemCommand.RequestPromotion.class, name = "requestPromotion"),
        @JsonSubTypes.Type(value = SystemCommand.RecordFence.class, name = "recordFence"),
        @JsonSubTypes.Type(value = SystemCommand.SetMemberFailure.class, name = "setMemberFailure"),
})
public sealed interface SystemCommand {

    record RegisterServer(ServerInfo server) implements SystemCommand {
    }

    /**
     * {@code groupId} is chosen by the proposer; {@code makeDefault} marks the default database.
     * {@code seed} and {@code seedLineageId} (the backup's lineage, which the database continues) are
     * null unless the database is seeded from a backup.
     */
    record CreateDatabase(String name, String groupId, int primaries, int secondaries, boolean ifNotExists,
                          boolean makeDefault, long timeMillis, DatabaseInfo.Seed seed, String seedLineageId) implements SystemCommand {
    }

    /**
     * A read-only database in this cluster that follows {@code upstream} in another cluster and
     * continues its history, {@code lineageId} (null when the upstream did not say: the replica's
     * own group id then stands in).
     */
    record CreateReplicaDatabase(String name, String groupId, int primaries, int secondaries, DatabaseInfo.Upstream upstream,
                                 long timeMillis, String lineageId) implements SystemCommand {
    }

    /** Sets the database's status message; {@code replicationStopped} marks a replica that must not resume by itself. */
    record SetDatabaseStatusMessage(String name, String message, boolean replicationStopped) implements SystemCommand {
    }

    /** Asks for a replica's promotion: its subscription stops at once and its leader completes the promotion. */
    record RequestPromotion(String name, boolean fence, long timeMillis) implements SystemCommand {
    }

    /** Turns a replica database into a standard (writable) one, for good; proposed by the replica's leader after its PROMOTE entry. */
    record PromoteDatabase(String name, DatabaseInfo.Promotion promotion) implements SystemCommand {
    }

    /** The old upstream acknowledged being fenced (or why it could not be). */
    record RecordFence(String name, String status) implements SystemCommand {
    }

    /**
     * A hosting server reports that it stopped applying the database's transactions and why
     * ({@code why} empty: it recovered). Proposed by that server itself.
     */
    record SetMemberFailure(String name, String serverId, String why) implements SystemCommand {
    }

    record DropDatabase(String name, boolean ifExists) implements SystemCommand {
    }

    record SetDatabaseStatus(String name, String requestedStatus) implements SystemCommand {
    }

    record SetDatabaseAccess(String name, String access) implements SystemCommand {
    }

    /** {@code passwordHash} is computed by the proposer; the plaintext never enters the log. */
    record CreateUser(String name, String passwordHash, boolean changeRequired, boolean ifNotExists, java.util.Set<String> roles)
            implements SystemCommand {
    }

    record DropUser(String name, boolean ifExists) implements SystemCommand {
    }

    record SetPassword(String name, String passwordHash, boolean changeRequired) implements SystemCommand {
    }

    record GrantRole(String role, String user) implements SystemCommand {
    }

    record RevokeRole(String role, String user) implements SystemCommand {
    }
}
