package io.ccdr.node.backup;

import io.ccdr.node.store.ApplyOutcome;
import io.ccdr.node.store.GraphStore;
import io.ccdr.node.store.StoreState;
import io.ccdr.node.tx.TransactionRecord;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Materialises a chain into a store directory: the FULL artefact's store files, then its
 * transactions and every DIFF's, applied as replicated transactions (same txId, commit time and
 * chain hash as the original) up to a {@link RestoreUntil}. The result opens with
 * {@link GraphStore#open} at the restored txId with the original chain hash at that txId; its Raft
 * position is meaningless until the store is installed into a group
 * ({@code GraphStore.replaceWith(dir, term, index)} does that).
 */
public final class BackupRestore {
    /** What was restored. */
    public record Restored(String database, String lineageId, long txId, byte[] chainHash, long commitMillis, List<Path> artefacts) {
    }

    private BackupRestore() {
    }

    /** Restores {@code chain} into {@code target}, which must not exist or be empty. */
    public static Restored restore(BackupChains.Chain chain, RestoreUntil until, Path target) throws BackupException {
        BackupHeader full = requireCovers(chain, until);
        try {
            Files.createDirectories(target);
            try (var list = Files.list(target)) {
                if (list.findAny().isPresent()) {
                    throw new BackupException(BackupException.Reason.IO, "restore target " + target + " is not empty");
                }
            }
            writeStoreFiles(chain.full(), target);
            try (GraphStore store = GraphStore.open(target)) {
                StoreState s = store.state();
                if (s.lastTxId() != full.startTxId() || !Arrays.equals(s.chainHash(), full.startChainHash())) {
                    throw new BackupException(BackupException.Reason.CORRUPT, chain.full().file() + ": its store is at txId " + s.lastTxId()
                            + " (" + s.chainHashHex() + "), the header says " + full.startTxId() + " (" + full.startChainHashHex() + ")");
                }
                walk(chain, until, (artefact, r) -> {
                    if (r.txId() <= store.state().lastTxId()) {
                        return;
                    }
                    // term/index 0: a placeholder position, replaced when the store is installed into a Raft group
                    ApplyOutcome o = store.applyReplicated(0, 0, 0, r);
                    if (o instanceof ApplyOutcome.Rejected rej) {
                        throw new BackupException(BackupException.Reason.CORRUPT, artefact.file() + ": txId " + r.txId()
                                + " cannot be restored (" + rej.statusCode() + ": " + rej.message() + ")");
                    }
                });
                StoreState at = store.state();
                return new Restored(chain.database(), chain.lineageId(), at.lastTxId(), at.chainHash(), at.lastCommitTimeMillis(),
                        files(chain));
            }
        } catch (BackupException e) {
            throw e;
        } catch (IOException e) {
            throw new BackupException(BackupException.Reason.IO, "cannot restore into " + target + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new BackupException(BackupException.Reason.CORRUPT, "restore of " + chain.full().file() + " failed: " + e.getMessage(), e);
        }
    }

    /**
     * What {@link #restore} would give, without writing anything: reads every block it would read
     * (so checksums and the chain hash are checked) and returns the txId, chain hash and commit time
     * it stops at. A server checks a seed this way before it records a database seeded from it.
     */
    public static Restored check(BackupChains.Chain chain, RestoreUntil until) throws BackupException {
        BackupHeader full = requireCovers(chain, until);
        long[] at = {full.startTxId(), full.startCommitMillis()};
        byte[][] hash = {full.startChainHash()};
        walk(chain, until, (artefact, r) -> {
            if (r.txId() > at[0]) {
                at[0] = r.txId();
                at[1] = r.commitTimeMillis();
                hash[0] = r.chainHash();
            }
        });
        return new Restored(chain.database(), chain.lineageId(), at[0], hash[0], at[1], files(chain));
    }

    private static BackupHeader requireCovers(BackupChains.Chain chain, RestoreUntil until) throws BackupException {
        BackupHeader full = chain.full().header();
        if (!until.includes(full.startTxId(), full.startCommitMillis())) {
            throw new BackupException(BackupException.Reason.NOT_FOUND, "the chain starting with " + chain.full().file().getFileName()
                    + " begins at txId " + full.startTxId() + " (committed " + java.time.Instant.ofEpochMilli(full.startCommitMillis())
                    + "); it cannot restore to " + until + " before that");
        }
        return full;
    }

    private static List<Path> files(BackupChains.Chain chain) {
        return chain.artefacts().stream().map(BackupArtefact::file).toList();
    }

    @FunctionalInterface
    private interface RecordSink {
        void accept(BackupArtefact artefact, TransactionRecord record) throws IOException;
    }

    /** Hands every chain-verified transaction of the chain up to {@code until} to {@code sink}, in order. */
    private static void walk(BackupChains.Chain chain, RestoreUntil until, RecordSink sink) throws BackupException {
        boolean[] more = {true};
        for (BackupArtefact artefact : chain.artefacts()) {
            artefact.read(new BackupArtefact.Visitor() {
                @Override
                public boolean transactions(List<TransactionRecord> records) throws IOException {
                    for (TransactionRecord r : records) {
                        if (!until.includes(r.txId(), r.commitTimeMillis())) {
                            more[0] = false;
                            return false;
                        }
                        sink.accept(artefact, r);
                    }
                    return true;
                }
            });
            if (!more[0]) {
                return;
            }
        }
    }

    private static void writeStoreFiles(BackupArtefact full, Path target) throws BackupException {
        Map<String, FileChannel> open = new HashMap<>();
        try {
            full.read(new BackupArtefact.Visitor() {
                @Override
                public void storeFile(String name, long size) throws IOException {
                    open.put(name, FileChannel.open(target.resolve(name), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE));
                }

                @Override
                public void storeData(String name, long offset, byte[] data, int from, int length) throws IOException {
                    ByteBuffer b = ByteBuffer.wrap(data, from, length);
                    FileChannel c = open.get(name);
                    while (b.hasRemaining()) {
                        c.write(b, offset + b.position() - from);
                    }
                }

                @Override
                public boolean transactions(List<TransactionRecord> records) {
                    return false; // the store is complete before the first transaction block
                }
            });
            for (FileChannel c : open.values()) {
                c.force(true);
            }
        } catch (IOException e) {
            throw e instanceof BackupException b ? b : new BackupException(BackupException.Reason.IO, "cannot write store files into " + target
                    + ": " + e.getMessage(), e);
        } finally {
            for (FileChannel c : open.values()) {
                try {
                    c.close();
                } catch (IOException ignored) {
                    // reported by force() above if it matters
                }
            }
        }
    }
}
