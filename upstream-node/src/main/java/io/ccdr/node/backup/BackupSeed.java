package io.ccdr.node.backup;

import io.ccdr.node.store.GraphStore;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * A database store seeded from a backup, as {@code CREATE DATABASE … OPTIONS {seedURI,
 * seedRestoreUntil}} and {@code ccdr admin database restore} make one: where the seed is, what it
 * restores to, and putting the restored store where a database's Raft group will open it.
 */
public final class BackupSeed {
    private BackupSeed() {
    }

    /**
     * The directory or artefact file a {@code seedURI} names. Only {@code file:} URIs: every hosting
     * server reads the seed itself, at the same path (as Neo4j's FileSeedProvider does).
     *
     * @throws IllegalArgumentException when the URI is not an absolute {@code file:} URI
     */
    public static Path location(String seedURI) {
        URI uri;
        try {
            uri = new URI(seedURI);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("seedURI '" + seedURI + "' is not a URI: " + e.getMessage());
        }
        if (!"file".equalsIgnoreCase(uri.getScheme())) {
            throw new IllegalArgumentException("seedURI '" + seedURI + "' is not supported: ccdr seeds from file: URIs "
                    + "(file:///backups/neo4j/ for a directory's newest chain, or one artefact file), readable at that path on every "
                    + "server that hosts the database");
        }
        try {
            return Path.of(uri);
        } catch (IllegalArgumentException | java.nio.file.FileSystemNotFoundException e) {
            throw new IllegalArgumentException("seedURI '" + seedURI + "' is not an absolute file: URI (e.g. file:///backups/neo4j/)");
        }
    }

    /** The chain a restore from {@code location} reads, checked block by block, and where it stops; nothing is written. */
    public static BackupRestore.Restored check(Path location, RestoreUntil until) throws BackupException {
        return BackupRestore.check(BackupChains.scan(location).restoreChain(), until);
    }

    /**
     * Restores {@code location} up to {@code until} into {@code storeDir}, which must not exist, at
     * the Raft position of a store that has applied nothing: a new Raft group applies its first
     * entry on top of the restored transactions. The store is built next to {@code storeDir} and
     * renamed into place last, so after a crash {@code storeDir} is either absent or complete.
     */
    public static BackupRestore.Restored install(Path location, RestoreUntil until, Path storeDir) throws BackupException {
        if (Files.exists(storeDir)) {
            throw new BackupException(BackupException.Reason.IO, storeDir + " already exists; a seed is only restored into a new store");
        }
        Path restored = storeDir.resolveSibling(storeDir.getFileName() + ".seed-restored");
        Path positioned = storeDir.resolveSibling(storeDir.getFileName() + ".seed-positioned");
        try {
            GraphStore.deleteRecursively(restored);
            GraphStore.deleteRecursively(positioned);
            BackupRestore.Restored r = BackupRestore.restore(BackupChains.scan(location).restoreChain(), until, restored);
            // the backup's store carries the Raft position of the group it was copied from; this group starts with none
            try (GraphStore store = GraphStore.open(positioned)) {
                store.replaceWith(restored, 0, -1);
            }
            Files.move(positioned, storeDir, StandardCopyOption.ATOMIC_MOVE);
            BackupArtefactWriter.fsyncDirectory(storeDir.toAbsolutePath().getParent());
            return r;
        } catch (BackupException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new BackupException(BackupException.Reason.IO, "cannot install the restored store into " + storeDir + ": " + e.getMessage(), e);
        } finally {
            try {
                GraphStore.deleteRecursively(restored);
                GraphStore.deleteRecursively(positioned);
            } catch (IOException e) {
                // leftovers are deleted by the next install into this directory
            }
        }
    }
}
