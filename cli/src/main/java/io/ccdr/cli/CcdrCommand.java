package io.ccdr.cli;

import io.ccdr.cli.admin.AdminCommand;
import io.ccdr.cli.bench.BenchCommand;
import io.ccdr.cli.demo.DemoCommand;
import io.ccdr.cli.drill.DrillCommand;
import io.ccdr.cli.failback.FailbackCommand;
import io.ccdr.cli.faults.FaultsCommand;
import io.ccdr.cli.promote.PromoteCommand;
import io.ccdr.cli.local.LocalCommand;
import io.ccdr.cli.server.ServerCommand;
import io.ccdr.cli.shell.ShellCommand;
import io.ccdr.cli.status.StatusCommand;
import io.ccdr.cli.tls.TlsCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code ccdr} command: one binary for servers, operators and scripts. */
@Command(name = "ccdr",
        mixinStandardHelpOptions = true,
        version = "ccdr 0.1.0",
        description = "Cross-cluster disaster-recovery replication for property-graph databases.",
        subcommands = {CommandLine.HelpCommand.class, AdminCommand.class, BenchCommand.class, DemoCommand.class, DrillCommand.class, FailbackCommand.class, FaultsCommand.class, LocalCommand.class, PromoteCommand.class, ServerCommand.class, ShellCommand.class, StatusCommand.class, TlsCommand.class})
public final class CcdrCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** Builds the command line with every subcommand registered; tests parse against this. */
    public static CommandLine commandLine() {
        return new CommandLine(new CcdrCommand());
    }

    public static void main(String[] args) {
        io.ccdr.node.util.CommonPool.ensureParallelism(); // before anything starts the pool: servers, benches, drills
        System.exit(commandLine().execute(args));
    }
}
