package io.ccdr.cli.admin;

import picocli.CommandLine.Command;

/** {@code ccdr admin database ...}: Neo4j 5's {@code neo4j-admin database} verbs that ccdr has. */
@Command(name = "database", mixinStandardHelpOptions = true, description = "Back up and restore databases.",
        subcommands = {DatabaseBackupCommand.class, DatabaseRestoreCommand.class, DatabaseAggregateBackupCommand.class})
public final class DatabaseAdminCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
