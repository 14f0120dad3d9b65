package io.ccdr.node.cypher;

import java.util.List;
import java.util.Map;

/**
 * An administration command, parsed but not executed by the Cypher engine: the server runs it
 * against its system database. Names are exactly as written (backquotes removed); Neo4j treats
 * database names case-insensitively, which is the executor's business.
 */
public sealed interface AdminCommand {

    /** Whether running the command changes the system database (routes to its leader). */
    default boolean isWrite() {
        return true;
    }

    enum WaitMode { NOWAIT, WAIT }

    /**
     * Which databases a {@code SHOW ... DATABASE(S)} asks for.
     */
    enum DatabaseScope { ALL, NAMED, DEFAULT, HOME }

    /** {@code SHOW DATABASES}, {@code SHOW DATABASE x}, {@code SHOW DEFAULT DATABASE}, {@code SHOW HOME DATABASE}. */
    record ShowDatabases(DatabaseScope scope, String name, ShowProjection projection) implements AdminCommand {
        @Override
        public boolean isWrite() {
            return false;
        }
    }

    record ShowServers(ShowProjection projection) implements AdminCommand {
        @Override
        public boolean isWrite() {
            return false;
        }
    }

    record ShowUsers(ShowProjection projection) implements AdminCommand {
        @Override
        public boolean isWrite() {
            return false;
        }
    }

    record ShowCurrentUser(ShowProjection projection) implements AdminCommand {
        @Override
        public boolean isWrite() {
            return false;
        }
    }

    /**
     * {@code primaries}/{@code secondaries} are null when no TOPOLOGY was given; {@code options} is the
     * OPTIONS map as written (keys as spelled, e.g. {@code seedURI}).
     */
    record CreateDatabase(String name, boolean ifNotExists, Integer primaries, Integer secondaries, WaitMode waitMode,
                          Long waitSeconds, Map<String, OptionValue> options) implements AdminCommand {
        public CreateDatabase {
            options = Map.copyOf(options);
        }

        public CreateDatabase(String name, boolean ifNotExists, Integer primaries, Integer secondaries, WaitMode waitMode, Long waitSeconds) {
            this(name, ifNotExists, primaries, secondaries, waitMode, waitSeconds, Map.of());
        }
    }

    /**
     * A value in an OPTIONS map: a literal (a String, a Long, or a {@link java.time.ZonedDateTime}
     * for {@code datetime('…')}) or a parameter, resolved when the command runs.
     */
    record OptionValue(Object literal, String parameter) {
        public Object resolve(Map<String, Object> params) {
            if (parameter == null) {
                return literal;
            }
            if (params == null || !params.containsKey(parameter)) {
                throw new io.ccdr.node.graph.GraphException(Errors.PARAMETER_MISSING, "Expected parameter(s): " + parameter);
            }
            return params.get(parameter);
        }
    }

    record DropDatabase(String name, boolean ifExists, WaitMode waitMode, Long waitSeconds) implements AdminCommand {
    }

    record StartDatabase(String name, WaitMode waitMode, Long waitSeconds) implements AdminCommand {
    }

    record StopDatabase(String name, WaitMode waitMode, Long waitSeconds) implements AdminCommand {
    }

    record AlterDatabaseAccess(String name, boolean ifExists, boolean readOnly) implements AdminCommand {
    }

    /**
     * A password given as a string literal or as a parameter; never logged ({@link #toString()} hides it).
     */
    record Secret(String literal, String parameter) {
        public String resolve(Map<String, Object> params) {
            if (literal != null) {
                return literal;
            }
            Object value = params == null ? null : params.get(parameter);
            if (!(value instanceof String s)) {
                throw new io.ccdr.node.graph.GraphException(Errors.PARAMETER_MISSING,
                        "Expected parameter(s): " + parameter + " (a string)");
            }
            return s;
        }

        @Override
        public String toString() {
            return parameter == null ? "******" : "$" + parameter;
        }
    }

    /**
     * {@code CREATE USER}; the password is plaintext (ENCRYPTED passwords are rejected when parsing).
     * {@code changeRequired} defaults to true, as in Neo4j.
     */
    record CreateUser(String name, boolean ifNotExists, Secret password, boolean changeRequired)
            implements AdminCommand {
    }

    record DropUser(String name, boolean ifExists) implements AdminCommand {
    }

    record GrantRoles(List<String> roles, List<String> users) implements AdminCommand {
        public GrantRoles {
            roles = List.copyOf(roles);
            users = List.copyOf(users);
        }
    }

    record RevokeRoles(List<String> roles, List<String> users) implements AdminCommand {
        public RevokeRoles {
            roles = List.copyOf(roles);
            users = List.copyOf(users);
        }
    }

    record AlterCurrentUserPassword(Secret oldPassword, Secret newPassword) implements AdminCommand {
    }
}
