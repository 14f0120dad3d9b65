package io.ccdr.cli.admin;

import io.ccdr.node.config.ServerConfig;
import io.ccdr.node.security.InitialPassword;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code ccdr admin ...}: offline administration of a server's data directory. */
@Command(name = "admin", mixinStandardHelpOptions = true, description = "Administration: a server's data directory, online backup and backup artefacts.",
        subcommands = {AdminCommand.SetInitialPassword.class, DatabaseAdminCommand.class, BackupAdminCommand.class})
public final class AdminCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    @Command(name = "set-initial-password", mixinStandardHelpOptions = true,
            description = {"Set the password of the initial 'neo4j' admin user, before the cluster is first started.",
                    "Alternatively set CCDR_AUTH=neo4j/<password> in the environment of the first start.",
                    "Without either, the user starts with password 'neo4j' and must change it on first use."})
    static final class SetInitialPassword implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "PASSWORD", description = "at least 8 characters")
        String password;

        @Option(names = "--conf", paramLabel = "FILE",
                description = "the server's configuration file (default: ./ccdr.conf if present, else the default settings in this directory)")
        Path conf;

        @Override
        public Integer call() throws Exception {
            Path file = conf != null ? conf : (java.nio.file.Files.exists(Path.of("ccdr.conf")) ? Path.of("ccdr.conf") : null);
            ServerConfig config = ServerConfig.load(file, System.getenv());
            try {
                InitialPassword.write(config.dataDirectory(), password);
            } catch (IllegalArgumentException e) {
                System.err.println("ccdr admin set-initial-password: " + e.getMessage());
                return 1;
            }
            System.out.println("initial password set in " + InitialPassword.file(config.dataDirectory())
                    + " (used when the cluster's system database is first created)");
            return 0;
        }
    }
}
