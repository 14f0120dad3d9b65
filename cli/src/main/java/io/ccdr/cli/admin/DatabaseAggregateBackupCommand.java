package io.ccdr.cli.admin;

import io.ccdr.node.backup.BackupAggregation;
import io.ccdr.node.backup.BackupArtefact;
import io.ccdr.node.backup.BackupChains;
import io.ccdr.node.backup.BackupException;
import io.ccdr.node.backup.BackupHeader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.Callable;

/** {@code ccdr admin database aggregate-backup}: folds the newest chain of a database into one FULL artefact. */
@Command(name = "aggregate-backup", mixinStandardHelpOptions = true, description = {
        "Fold the newest backup chain of DATABASE in --from-path into one FULL artefact at the chain's end.",
        "Restores then read one file; the folded artefacts stay (delete them, or use backup --keep-chains)."})
final class DatabaseAggregateBackupCommand extends ConsoleCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "DATABASE", description = "the database whose chain to fold")
    String database;

    @Option(names = "--from-path", required = true, paramLabel = "DIR", description = "the backup directory")
    Path fromPath;

    @Option(names = "--compress", description = "deflate the new artefact's blocks")
    boolean compress;

    @Override
    public Integer call() {
        try {
            BackupChains chains = BackupChains.scan(fromPath);
            BackupChains.Chain chain = chains.chains().stream().filter(c -> c.database().equals(database))
                    .max(Comparator.comparingLong(BackupChains.Chain::endTxId))
                    .orElseThrow(() -> new BackupException(BackupException.Reason.NOT_FOUND, fromPath + " holds no backup chain of database '"
                            + database + "'"));
            Path file = BackupAggregation.aggregate(chain, compress);
            BackupHeader h = BackupArtefact.open(file).header();
            out().println("folded " + chain.artefacts().size() + " artefact(s) into " + file + ": FULL at txId "
                    + h.startTxId() + " (chain hash " + h.startChainHashHex() + ")");
            return 0;
        } catch (BackupException e) {
            return BackupExitCodes.fail(err(), "database aggregate-backup", e);
        }
    }
}
