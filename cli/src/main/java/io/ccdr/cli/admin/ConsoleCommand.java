package io.ccdr.cli.admin;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;

/** The backup commands print through picocli's writers (tests and scripts redirect them), not {@code System.out}. */
abstract class ConsoleCommand {
    @Spec
    CommandSpec spec;

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    PrintWriter err() {
        return spec.commandLine().getErr();
    }
}
