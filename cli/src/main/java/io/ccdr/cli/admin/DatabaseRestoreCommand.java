package io.ccdr.cli.admin;

import io.ccdr.node.backup.BackupException;
import io.ccdr.node.backup.BackupRestore;
import io.ccdr.node.backup.BackupSeed;
import io.ccdr.node.backup.RestoreUntil;
import io.ccdr.node.config.ConfigException;
import io.ccdr.node.config.ServerConfig;
import io.ccdr.node.dbms.DatabaseManager;
import io.ccdr.node.store.GraphStore;
import io.ccdr.node.tx.ChainHash;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * {@code ccdr admin database restore}: the offline restore of Neo4j 5's {@code neo4j-admin database
 * restore}, for one stopped server. The store is built from the backup chain next to where the
 * server keeps the database and renamed into place last; the operator then creates the database
 * with {@code OPTIONS {existingData: 'use'}}, after restoring the same backup on every server that
 * will host it (the creation checks that they all hold the same history).
 */
@Command(name = "restore", mixinStandardHelpOptions = true, description = {
        "Restore DATABASE on this (stopped) server from a backup directory (its newest complete chain) or one artefact file.",
        "Then, once every hosting server has restored the same backup: CREATE DATABASE name OPTIONS {existingData: 'use'}.",
        "Online, without stopping anything: CREATE DATABASE name OPTIONS {seedURI: 'file:///DIR/'}.",
        "Exit codes: 0 done, 1 usage or refused, 7 damaged artefact, 8 point not covered / nothing to restore, 9 local I/O."})
final class DatabaseRestoreCommand extends ConsoleCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "DATABASE", description = "the database to restore (the name it will be created with)")
    String database;

    @Option(names = "--from-path", required = true, paramLabel = "DIR|FILE", description = "a backup directory or one artefact file")
    Path fromPath;

    @Option(names = "--restore-until", paramLabel = "TXID|DATETIME",
            description = "stop at this txId, or after the last transaction committed at or before this ISO-8601 time (default: the chain's end)")
    String restoreUntil;

    @Option(names = "--overwrite-destination", description = "replace a store this server already has for DATABASE")
    boolean overwrite;

    @Option(names = "--conf", required = true, paramLabel = "FILE", description = "the server's configuration file (ccdr.conf)")
    Path conf;

    @Override
    public Integer call() {
        RestoreUntil until;
        ServerConfig config;
        try {
            until = restoreUntil == null ? RestoreUntil.END : RestoreUntil.parse(restoreUntil);
            config = ServerConfig.load(conf, System.getenv());
        } catch (IllegalArgumentException | ConfigException e) {
            err().println("ccdr admin database restore: " + e.getMessage());
            return 1;
        }
        Path dataDir = config.dataDirectory();
        Path store = DatabaseManager.storeDirectory(dataDir, database);
        Path databaseDir = store.getParent();
        try {
            Optional<String> hostedGroup = DatabaseManager.hostedGroup(dataDir, database);
            if (hostedGroup.isPresent()) {
                err().println("ccdr admin database restore: this server still hosts '" + database + "' (raft group " + hostedGroup.get()
                        + "); DROP DATABASE " + database + " in the cluster first, then restore on every server that will host it");
                return 1;
            }
            if (Files.exists(store)) {
                if (!overwrite) {
                    err().println("ccdr admin database restore: " + store + " already holds a store of '" + database
                            + "'; give --overwrite-destination to replace it");
                    return 1;
                }
                // RocksDB locks an open store: a running server's store cannot be opened here, and is left alone
                try (GraphStore open = GraphStore.open(store)) {
                    out().println("replacing the store at " + store + " (txId " + open.state().lastTxId() + ")");
                } catch (RuntimeException e) {
                    err().println("ccdr admin database restore: cannot open " + store + " (" + e.getMessage()
                            + "); stop the server before restoring");
                    return 1;
                }
                GraphStore.deleteRecursively(databaseDir);
            }
            boolean created = !Files.exists(databaseDir);
            Files.createDirectories(databaseDir);
            BackupRestore.Restored r;
            try {
                r = BackupSeed.install(fromPath, until, store);
            } catch (BackupException e) {
                if (created) {
                    GraphStore.deleteRecursively(databaseDir); // a failed restore leaves the server as it found it
                }
                throw e;
            }
            out().println("restored '" + database + "' at txId " + r.txId() + " (chain hash " + ChainHash.hex(r.chainHash())
                    + ") from " + r.artefacts().size() + " artefact(s) into " + store);
            out().println("next: restore the same backup on every server that will host '" + database + "', then run "
                    + "CREATE DATABASE `" + database + "` OPTIONS {existingData: 'use'}");
            return 0;
        } catch (BackupException e) {
            return BackupExitCodes.fail(err(), "database restore", e);
        } catch (IOException e) {
            return BackupExitCodes.fail(err(), "database restore", new BackupException(BackupException.Reason.IO, e.getMessage(), e));
        }
    }
}
