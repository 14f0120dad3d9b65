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
})
public sealed interface SystemCommand {

    record RegisterServer(ServerInfo server) implements SystemCommand {
    }

    /** {@code groupId} is chosen by the proposer; {@code makeDefault} marks the default database. */
    record CreateDatabase(String name, String groupId, int primaries, int secondaries, boolean ifNotExists,
                          boolean makeDefault, long timeMillis) implements SystemCommand {
    }

    record DropDatabase(String name, boolean ifExists) implements SystemCommand {
    }

    record SetDatabaseStatus(String name, String requestedStatus) implements SystemCommand {
    }

    record SetDatabaseAccess(String name, String access) implements SystemCommand {
    }
}
