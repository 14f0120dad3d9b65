package io.ccdr.cli.console;

import picocli.CommandLine.Option;

import java.nio.file.Path;

/**
 * Credentials and TLS trust shared by the commands that talk Bolt to a cluster ({@code shell},
 * {@code status}). Names follow cypher-shell ({@code -u}, {@code -p}, {@code NEO4J_USERNAME},
 * {@code NEO4J_PASSWORD}) so that operators' habits and scripts carry over.
 */
public final class ConnectionOptions {
    @Option(names = {"-u", "--username"}, paramLabel = "USER", defaultValue = "${env:NEO4J_USERNAME:-neo4j}",
            description = "user name (default: $NEO4J_USERNAME, else ${DEFAULT-VALUE})")
    String username;

    // No echo-free prompt: these commands are meant for scripts and runbooks, where a prompt would hang.
    @Option(names = {"-p", "--password"}, paramLabel = "PASSWORD", defaultValue = "${env:NEO4J_PASSWORD}",
            description = "password (default: $NEO4J_PASSWORD; prefer the variable, a command line is visible to other users)")
    String password;

    @Option(names = "--trust-ca", paramLabel = "FILE",
            description = "trust servers whose certificate is signed by this CA certificate (PEM); implies TLS. "
                    + "Use with neo4j://, bolt://, neo4j+s:// or bolt+s://")
    Path trustCa;

    public String username() {
        return username;
    }

    public String password() {
        return password;
    }

    public Path trustCa() {
        return trustCa;
    }
}
