package io.ccdr.cli.admin;

import io.ccdr.node.backup.BackupHeader;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The outcome of the last successful backup of one database as a Prometheus text-format file, for
 * node_exporter's textfile collector (or any scraper of {@code .prom} files). A backup is a job that
 * runs and exits, so it cannot be scraped itself; the file is what an alert "backups stopped" reads
 * ({@code time() - ccdr_backup_last_success_timestamp_seconds > 26 * 3600}). It is replaced
 * atomically, so a scrape never sees half a file, and only after the artefact is complete.
 */
final class BackupMetricsFile {
    private BackupMetricsFile() {
    }

    static void write(Path file, BackupHeader h, long artefactBytes, long finishedMillis) throws IOException {
        String labels = "{database=\"" + h.database().replace("\\", "\\\\").replace("\"", "\\\"") + "\",type=\"" + h.kind() + "\"}";
        String text = "# HELP ccdr_backup_last_success_timestamp_seconds When the last successful backup of the database finished.\n"
                + "# TYPE ccdr_backup_last_success_timestamp_seconds gauge\n"
                + "ccdr_backup_last_success_timestamp_seconds" + labels + " " + (finishedMillis / 1000.0) + "\n"
                + "# HELP ccdr_backup_last_size_bytes Size of the artefact the last successful backup wrote.\n"
                + "# TYPE ccdr_backup_last_size_bytes gauge\n"
                + "ccdr_backup_last_size_bytes" + labels + " " + artefactBytes + "\n"
                + "# HELP ccdr_backup_last_tx_id The last txId the last successful backup holds.\n"
                + "# TYPE ccdr_backup_last_tx_id gauge\n"
                + "ccdr_backup_last_tx_id" + labels + " " + h.endTxId() + "\n"
                + "# HELP ccdr_backup_last_commit_timestamp_seconds Commit time of that transaction: the newest point a restore reaches.\n"
                + "# TYPE ccdr_backup_last_commit_timestamp_seconds gauge\n"
                + "ccdr_backup_last_commit_timestamp_seconds" + labels + " " + (h.endCommitMillis() / 1000.0) + "\n";
        Path parent = file.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path tmp = parent.resolve("." + file.getFileName() + ".tmp");
        Files.writeString(tmp, text, StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
