package io.ccdr.cli.admin;

import io.ccdr.node.backup.BackupArtefact;
import io.ccdr.node.backup.BackupChains;
import io.ccdr.node.backup.BackupException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code ccdr admin backup validate}: reads every block of every artefact (CRC32C, change-set
 * decoding, the chain hash from first transaction to last, the end block) and checks that every
 * DIFF continues an artefact. Exit 0 only when all of it holds.
 */
@Command(name = "validate", mixinStandardHelpOptions = true, description = {
        "Check backup artefacts: every block checksum, every change set, the chain hash from first to last transaction,",
        "and that every DIFF continues an artefact in the directory. Exit 0 only when all hold; a failure names the file and offset."})
final class BackupValidateCommand extends ConsoleCommand implements Callable<Integer> {
    @Option(names = "--from-path", required = true, paramLabel = "DIR|FILE", description = "a backup directory or one artefact")
    Path fromPath;

    @Override
    public Integer call() {
        try {
            BackupChains chains = BackupChains.scan(fromPath);
            boolean dir = Files.isDirectory(fromPath);
            List<BackupArtefact> artefacts = dir ? chains.artefacts()
                    : chains.artefacts().stream().filter(a -> a.file().toAbsolutePath().normalize().equals(fromPath.toAbsolutePath().normalize())).toList();
            if (artefacts.isEmpty()) {
                throw new BackupException(BackupException.Reason.NOT_FOUND, fromPath + " holds no backup artefact");
            }
            BackupException first = null;
            for (BackupArtefact a : artefacts) {
                try {
                    a.read(new BackupArtefact.Visitor() { });
                    out().println("OK   " + a);
                } catch (BackupException e) {
                    out().println("FAIL " + e.getMessage());
                    first = first == null ? e : first;
                }
            }
            for (BackupArtefact o : chains.orphans()) {
                if (artefacts.contains(o)) {
                    BackupException gap = new BackupException(BackupException.Reason.CORRUPT, "gap in the backup chain: " + o.file()
                            + " (DIFF from txId " + o.header().startTxId() + ") continues no artefact in its directory");
                    out().println("FAIL " + gap.getMessage());
                    first = first == null ? gap : first;
                }
            }
            if (first != null) {
                return BackupExitCodes.fail(err(), "backup validate", first);
            }
            out().println(artefacts.size() + " artefact(s) valid");
            return 0;
        } catch (BackupException e) {
            return BackupExitCodes.fail(err(), "backup validate", e);
        }
    }
}
