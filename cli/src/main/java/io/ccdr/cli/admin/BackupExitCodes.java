package io.ccdr.cli.admin;

import io.ccdr.node.backup.BackupException;

import java.io.PrintWriter;

/** Exit codes of the backup commands: 0 done, 1 usage, 2 + the failure's reason (documented in the runbook). */
final class BackupExitCodes {
    private BackupExitCodes() {
    }

    static int code(BackupException.Reason reason) {
        return 2 + reason.ordinal();
    }

    /** One line on standard error, the command's name first; returns the exit code. */
    static int fail(PrintWriter err, String command, BackupException e) {
        err.println("ccdr admin " + command + ": " + e.getMessage());
        return code(e.reason());
    }
}
