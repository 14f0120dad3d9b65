package io.ccdr.node.security;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Optional;

/**
 * The password the initial {@code neo4j} admin user gets when the cluster's {@code system} database
 * is first created. In order: the file {@code <data>/dbms/auth.ini} written by
 * {@code ccdr admin set-initial-password}, then the environment variable {@code CCDR_AUTH} as
 * {@code neo4j/<password>}; otherwise {@code neo4j}, which must be changed on first use
 * ({@code Neo.ClientError.Security.CredentialsExpired} until then), as in Neo4j.
 */
public record InitialPassword(String password, boolean changeRequired) {
    public static final String USER = "neo4j";
    static final String FILE = "auth.ini";

    public static Path file(Path dataDirectory) {
        return dataDirectory.resolve("dbms").resolve(FILE);
    }

    public static InitialPassword resolve(Path dataDirectory, Map<String, String> environment) throws IOException {
        Path f = file(dataDirectory);
        if (Files.exists(f)) {
            String line = Files.readString(f).trim();
            String hashOrPassword = line.startsWith(USER + ":") ? line.substring(USER.length() + 1) : line;
            return new InitialPassword(hashOrPassword, false);
        }
        Optional<String> env = Optional.ofNullable(environment.get("CCDR_AUTH"));
        if (env.isPresent() && env.get().startsWith(USER + "/") && env.get().length() > USER.length() + 1) {
            return new InitialPassword(env.get().substring(USER.length() + 1), false);
        }
        return new InitialPassword(USER, true);
    }

    /** Writes the initial password for a server that has not formed its cluster yet (owner-only file). */
    public static void write(Path dataDirectory, String password) throws IOException {
        if (password.length() < 8) {
            throw new IllegalArgumentException("the password must be at least 8 characters");
        }
        Path f = file(dataDirectory);
        Files.createDirectories(f.getParent());
        Files.writeString(f, USER + ":" + password + "\n");
        try {
            Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException e) {
            // non-POSIX file system
        }
    }
}
