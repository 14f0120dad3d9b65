package io.ccdr.node.backup;

import java.io.IOException;

/**
 * A backup, validation or restore that cannot go on, with a one-line message that says what to do.
 * {@link #reason()} lets the command map it to an exit code without parsing the message.
 */
public final class BackupException extends IOException {
    /** Why; the CLI's exit code is {@code 2 + ordinal} (1 is left for usage errors). */
    public enum Reason {
        /** No --from address answered. */
        UNREACHABLE,
        /** The TLS handshake failed: the servers do not trust our certificate, or we do not trust theirs. */
        UNTRUSTED,
        /** No address hosts the database. */
        NO_SUCH_DATABASE,
        /** A DIFF needs transactions the upstream no longer retains. */
        BEHIND_RETENTION,
        /** The upstream's history does not continue the chain in the backup directory (or the directory mixes databases). */
        LINEAGE,
        /** An artefact is damaged, truncated, or the chain has a gap. */
        CORRUPT,
        /** Nothing to read, or the requested point is not covered by the chain. */
        NOT_FOUND,
        /** Local I/O failed (e.g. the target disk is full). */
        IO
    }

    private final Reason reason;

    public BackupException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public BackupException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
