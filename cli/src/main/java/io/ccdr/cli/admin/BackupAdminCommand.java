package io.ccdr.cli.admin;

import picocli.CommandLine.Command;

/** {@code ccdr admin backup ...}: reading backup artefacts (Neo4j 5's {@code neo4j-admin backup} verbs). */
@Command(name = "backup", mixinStandardHelpOptions = true, description = "Inspect and validate backup artefacts.",
        subcommands = {BackupInspectCommand.class, BackupValidateCommand.class})
public final class BackupAdminCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
