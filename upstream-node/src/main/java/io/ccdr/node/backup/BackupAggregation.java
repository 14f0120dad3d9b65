package io.ccdr.node.backup;

import io.ccdr.node.store.GraphStore;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * {@code aggregate-backup}: folds a chain into one FULL artefact at the chain's end (restored through
 * {@link BackupRestore}, so everything is checked on the way), which a restore then reads alone. The
 * folded artefacts stay where they are; the new FULL starts a chain of its own that later DIFFs
 * continue, being the newest.
 */
public final class BackupAggregation {
    private BackupAggregation() {
    }

    /** Writes the FULL next to the chain's artefacts and returns it. */
    public static Path aggregate(BackupChains.Chain chain, boolean compress) throws BackupException {
        Path dir = chain.last().file().toAbsolutePath().getParent();
        Path staging = dir.resolve(".staging-" + ProcessHandle.current().pid() + "-" + UUID.randomUUID());
        try {
            BackupRestore.Restored r = BackupRestore.restore(chain, RestoreUntil.END, staging);
            BackupHeader last = chain.last().header();
            BackupHeader start = new BackupHeader(last.database(), chain.lineageId(), BackupHeader.Kind.FULL, compress, r.txId(), r.chainHash(),
                    r.txId(), r.chainHash(), r.commitMillis(), r.commitMillis(), System.currentTimeMillis(), 0, 0);
            try (BackupArtefactWriter w = BackupArtefactWriter.create(dir, start)) {
                List<Path> files;
                try (Stream<Path> s = Files.list(staging)) {
                    files = s.sorted().toList();
                }
                for (Path f : files) {
                    w.storeFile(f);
                }
                return w.complete();
            }
        } catch (BackupException e) {
            throw e;
        } catch (IOException e) {
            throw new BackupException(BackupException.Reason.IO, "cannot write the aggregated artefact into " + dir + ": " + e.getMessage(), e);
        } finally {
            try {
                GraphStore.deleteRecursively(staging);
            } catch (IOException ignored) {
                // a later backup run removes staging leftovers
            }
        }
    }
}
