package io.ccdr.node.backup;

import io.ccdr.node.store.ApplyOutcome;
import io.ccdr.node.store.GraphStore;
import io.ccdr.node.store.StoreState;
import io.ccdr.node.tx.ChangeSet;
import io.ccdr.node.tx.ChangeSetCodec;
import io.ccdr.node.tx.TransactionRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The artefact format and chains against a real store, without a network: artefacts written the
 * way {@link OnlineBackup} writes them (a checkpoint's files, then transactions from the store's log).
 */
class BackupArtefactTest {
    @TempDir
    Path dir;

    private GraphStore store;
    private long raftIndex;
    private Path backups;

    @BeforeEach
    void open() {
        store = GraphStore.open(dir.resolve("store"));
        backups = dir.resolve("backups");
    }

    @AfterEach
    void close() {
        store.close();
    }

    private void commit(int n) {
        for (int i = 0; i < n; i++) {
            long id = store.state().nextNodeId();
            ChangeSet cs = new ChangeSet(store.state().lastTxId(), System.currentTimeMillis(),
                    List.of(new ChangeSet.CreateNode(id, Set.of("T"), Map.of("i", id, "s", "value-" + id))));
            assertThat(store.apply(1, ++raftIndex, ChangeSetCodec.encode(cs))).isInstanceOf(ApplyOutcome.Committed.class);
        }
    }

    private static BackupHeader start(String db, String lineage, BackupHeader.Kind kind, boolean compress, long txId, byte[] hash, long millis) {
        return new BackupHeader(db, lineage, kind, compress, txId, hash, txId, hash, millis, millis, System.currentTimeMillis(), 0, 0);
    }

    /** A FULL artefact: the store's checkpoint now, plus nothing after it. */
    private Path full(String db, String lineage, boolean compress) throws IOException {
        Path cp = dir.resolve("cp-" + System.nanoTime());
        StoreState at = store.checkpoint(cp);
        try (BackupArtefactWriter w = BackupArtefactWriter.create(backups, start(db, lineage, BackupHeader.Kind.FULL, compress, at.lastTxId(),
                at.chainHash(), at.lastCommitTimeMillis()))) {
            try (Stream<Path> files = Files.list(cp)) {
                for (Path f : files.sorted().toList()) {
                    w.storeFile(f);
                }
            }
            return w.complete();
        } finally {
            GraphStore.deleteRecursively(cp);
        }
    }

    /** A DIFF continuing {@code previous} with everything the store committed since. */
    private Path diff(Path previous, boolean compress) throws IOException {
        BackupHeader p = BackupArtefact.open(previous).header();
        try (BackupArtefactWriter w = BackupArtefactWriter.create(backups, start(p.database(), p.lineageId(), BackupHeader.Kind.DIFF, compress,
                p.endTxId(), p.endChainHash(), p.endCommitMillis()))) {
            w.transactions(store.transactions(p.endTxId() + 1, 100_000));
            return w.complete();
        }
    }

    private static void validate(Path file) throws BackupException {
        BackupArtefact.open(file).read(new BackupArtefact.Visitor() { });
    }

    @Test
    void aFullThenDiffsRestoreToTheEndAndToAnyTxIdWithTheOriginalChainHash() throws Exception {
        commit(40);
        Path f = full("neo4j", "lineage-1", false);
        commit(25);
        Path d1 = diff(f, false);
        commit(30);
        Path d2 = diff(d1, true);
        for (Path p : List.of(f, d1, d2)) {
            validate(p);
            assertThat(p.getFileName().toString()).matches("neo4j-\\d{4}-\\d\\d-\\d\\dT\\d\\d-\\d\\d-\\d\\d(-\\d+)?\\.backup");
        }
        try (Stream<Path> left = Files.list(backups)) {
            assertThat(left.filter(p -> p.getFileName().toString().startsWith("."))).as("no temporary file left").isEmpty();
        }
        BackupHeader h = BackupArtefact.open(d2).header();
        assertThat(h.kind()).isEqualTo(BackupHeader.Kind.DIFF);
        assertThat(h.startTxId()).isEqualTo(65);
        assertThat(h.endTxId()).isEqualTo(95);
        assertThat(h.endChainHash()).isEqualTo(store.state().chainHash());
        assertThat(h.endCommitMillis()).isEqualTo(store.state().lastCommitTimeMillis());

        BackupChains chains = BackupChains.scan(backups);
        assertThat(chains.chains()).hasSize(1);
        assertThat(chains.orphans()).isEmpty();
        BackupChains.Chain chain = chains.restoreChain();
        assertThat(chain.artefacts()).extracting(BackupArtefact::file).containsExactly(f, d1, d2);

        BackupRestore.Restored whole = BackupRestore.restore(chain, RestoreUntil.END, dir.resolve("r-all"));
        assertThat(whole.txId()).isEqualTo(95);
        assertThat(whole.chainHash()).isEqualTo(store.state().chainHash());
        try (GraphStore r = GraphStore.open(dir.resolve("r-all"))) {
            assertThat(r.contentFingerprint()).isEqualTo(store.contentFingerprint());
            assertThat(r.state().lastTxId()).isEqualTo(95);
        }

        // point in time, by txId (inside the second DIFF) and by commit time
        BackupRestore.Restored at70 = BackupRestore.restore(chain, RestoreUntil.txId(70), dir.resolve("r-70"));
        TransactionRecord tx70 = store.transactions(70, 1).get(0);
        assertThat(at70.txId()).isEqualTo(70);
        assertThat(at70.chainHash()).isEqualTo(tx70.chainHash());
        BackupRestore.Restored byTime = BackupRestore.restore(chain, RestoreUntil.time(Instant.ofEpochMilli(tx70.commitTimeMillis())),
                dir.resolve("r-time"));
        assertThat(byTime.commitMillis()).isEqualTo(tx70.commitTimeMillis());
        assertThat(byTime.txId()).isGreaterThanOrEqualTo(70); // every transaction committed at or before that millisecond
        assertThat(store.transactions(byTime.txId() + 1, 1)).allMatch(t -> t.commitTimeMillis() > tx70.commitTimeMillis());

        // a file restores its chain up to that file
        BackupChains.Chain upToD1 = BackupChains.scan(d1).restoreChain();
        assertThat(upToD1.artefacts()).extracting(BackupArtefact::file).containsExactly(f, d1);
        // before the FULL's store: refused
        assertThatThrownBy(() -> BackupRestore.restore(chain, RestoreUntil.txId(10), dir.resolve("r-10")))
                .isInstanceOf(BackupException.class).hasMessageContaining("begins at txId 40");
    }

    @Test
    void aCompressedFullRestoresTheSameStore() throws Exception {
        commit(50);
        Path f = full("neo4j", "lineage-1", true);
        validate(f);
        assertThat(BackupArtefact.open(f).header().compressed()).isTrue();
        BackupRestore.Restored r = BackupRestore.restore(BackupChains.scan(f).restoreChain(), RestoreUntil.END, dir.resolve("r"));
        assertThat(r.chainHash()).isEqualTo(store.state().chainHash());
        try (GraphStore restored = GraphStore.open(dir.resolve("r"))) {
            assertThat(restored.contentFingerprint()).isEqualTo(store.contentFingerprint());
        }
    }

    @Test
    void aCorruptedByteIsFoundByItsBlockChecksumNamingTheFileAndOffset() throws Exception {
        commit(20);
        Path f = full("neo4j", "lineage-1", false);
        commit(20);
        Path d = diff(f, false);
        long size = Files.size(d);
        try (RandomAccessFile raf = new RandomAccessFile(d.toFile(), "rw")) {
            long at = size - 200; // inside the transactions block
            raf.seek(at);
            int b = raf.read();
            raf.seek(at);
            raf.write(b ^ 0x40);
        }
        assertThatThrownBy(() -> validate(d)).isInstanceOf(BackupException.class)
                .hasMessageContaining(d.toString()).hasMessageContaining("at offset").hasMessageContaining("CRC32C")
                .extracting(e -> ((BackupException) e).reason()).isEqualTo(BackupException.Reason.CORRUPT);
        assertThatThrownBy(() -> BackupRestore.restore(BackupChains.scan(backups).restoreChain(), RestoreUntil.END, dir.resolve("r")))
                .isInstanceOf(BackupException.class).hasMessageContaining(d.toString());
    }

    @Test
    void aTruncatedFileIsRefused() throws Exception {
        commit(20);
        Path f = full("neo4j", "lineage-1", false);
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            raf.setLength(raf.length() - 30); // the end block goes, and part of the last block
        }
        assertThatThrownBy(() -> validate(f)).isInstanceOf(BackupException.class).hasMessageContaining(f.toString())
                .hasMessageContaining("truncated");
    }

    @Test
    void anArtefactOfAnotherDatabaseMixedIntoTheDirectoryAndAGapAreRefusedNamingTheFile() throws Exception {
        commit(10);
        Path f = full("neo4j", "lineage-1", false);
        commit(10);
        Path d1 = diff(f, false);
        commit(10);
        Path d2 = diff(d1, false);
        Files.delete(d1);
        assertThat(BackupChains.scan(backups).orphans()).extracting(BackupArtefact::file).containsExactly(d2);
        assertThatThrownBy(() -> BackupChains.scan(backups).restoreChain()).isInstanceOf(BackupException.class)
                .hasMessageContaining("gap").hasMessageContaining(d2.toString());
        assertThatThrownBy(() -> BackupChains.scan(d2).restoreChain()).isInstanceOf(BackupException.class)
                .hasMessageContaining(d2.toString());
        Files.delete(d2);

        Path foreign = full("other", "lineage-2", false);
        assertThatThrownBy(() -> BackupChains.scan(backups).restoreChain()).isInstanceOf(BackupException.class)
                .hasMessageContaining("mixes artefacts").hasMessageContaining(foreign.getFileName().toString())
                .extracting(e -> ((BackupException) e).reason()).isEqualTo(BackupException.Reason.LINEAGE);
        // naming one file is unambiguous
        assertThat(BackupChains.scan(f).restoreChain().artefacts()).extracting(BackupArtefact::file).containsExactly(f);
    }

    @Test
    void theWriterRefusesAGapOrABrokenChainAndAnAbandonedArtefactLeavesNoFileThatLooksWhole() throws Exception {
        commit(10);
        List<TransactionRecord> all = store.transactions(1, 100);
        BackupHeader h = start("neo4j", "l", BackupHeader.Kind.DIFF, false, 0, io.ccdr.node.tx.ChainHash.genesis(), 0);
        try (BackupArtefactWriter w = BackupArtefactWriter.create(backups, h)) {
            w.transactions(all.subList(0, 3));
            assertThatThrownBy(() -> w.transactions(all.subList(4, 5))).isInstanceOf(BackupException.class).hasMessageContaining("does not follow");
            TransactionRecord forged = new TransactionRecord(4, 0, all.get(0).chainHash(), all.get(3).changeSetBytes());
            assertThatThrownBy(() -> w.transactions(List.of(forged))).isInstanceOf(BackupException.class).hasMessageContaining("chain breaks");
        }
        try (Stream<Path> left = Files.list(backups)) {
            assertThat(left).isEmpty();
        }
    }

    @Test
    void aggregationFoldsAChainIntoOneFullThatLaterDiffsContinueAndKeepChainsPrunesOlderChains() throws Exception {
        commit(20);
        Path f = full("neo4j", "lineage-1", false);
        commit(20);
        Path d1 = diff(f, false);
        Path folded = BackupAggregation.aggregate(BackupChains.scan(backups).restoreChain(), true);
        validate(folded);
        BackupHeader h = BackupArtefact.open(folded).header();
        assertThat(h.kind()).isEqualTo(BackupHeader.Kind.FULL);
        assertThat(h.startTxId()).isEqualTo(40);
        assertThat(h.startChainHash()).isEqualTo(store.state().chainHash());
        assertThat(h.lineageId()).isEqualTo("lineage-1");
        // the shorter chain wins at the same end, and a DIFF continues it
        assertThat(BackupChains.scan(backups).restoreChain().artefacts()).extracting(BackupArtefact::file).containsExactly(folded);
        commit(5);
        Path d2 = diff(folded, false);
        BackupChains.Chain chain = BackupChains.scan(backups).restoreChain();
        assertThat(chain.artefacts()).extracting(BackupArtefact::file).containsExactly(folded, d2);
        assertThat(BackupRestore.restore(chain, RestoreUntil.END, dir.resolve("r")).chainHash()).isEqualTo(store.state().chainHash());

        List<Path> deleted = BackupChains.scan(backups).prune("lineage-1", 1);
        assertThat(deleted).containsExactlyInAnyOrder(f, d1);
        assertThat(BackupChains.scan(backups).artefacts()).extracting(BackupArtefact::file).containsExactlyInAnyOrder(folded, d2);
    }

    /**
     * The store blocks as the writer laid them out when it read staged files back (STORE_FILE, then a
     * STORE_DATA block per 1 MiB: name, offset, data; deflated when compressed), rebuilt here by hand.
     */
    private static byte[] storeBlocksAsBefore(String name, byte[] content, boolean compress) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.util.function.BiConsumer<Integer, byte[]> block = (type, payload) -> {
            java.nio.ByteBuffer b = BackupBlocks.encode(type, payload);
            out.write(b.array(), b.arrayOffset() + b.position(), b.remaining());
        };
        block.accept(BackupBlocks.STORE_FILE, new io.ccdr.node.tx.BinaryWriter(64).writeString(name).writeLong(content.length).toByteArray());
        for (int offset = 0; offset < content.length; offset += 1 << 20) {
            int n = Math.min(1 << 20, content.length - offset);
            byte[] payload = new io.ccdr.node.tx.BinaryWriter(n + 64).writeString(name).writeLong(offset)
                    .writeBytes(java.util.Arrays.copyOfRange(content, offset, offset + n)).toByteArray();
            block.accept(BackupBlocks.STORE_DATA, compress ? BackupBlocks.deflate(payload) : payload);
        }
        return out.toByteArray();
    }

    @Test
    void storeDataStreamedInChunksOfAnySizeIsWrittenAsTheSameBlocksAsAFileReadBack() throws Exception {
        java.util.Random random = new java.util.Random(7);
        byte[] big = new byte[(5 << 19) + 12345]; // 2.5 MiB and a bit: two full data blocks and a partial one
        random.nextBytes(big);
        byte[] exact = new byte[1 << 20];
        random.nextBytes(exact);
        Map<String, byte[]> files = new java.util.LinkedHashMap<>();
        files.put("000001.sst", big);
        files.put("CURRENT", new byte[0]);
        files.put("MANIFEST-000005", exact);
        Path staged = dir.resolve("staged");
        Files.createDirectories(staged);
        for (Map.Entry<String, byte[]> e : files.entrySet()) {
            Files.write(staged.resolve(e.getKey()), e.getValue());
        }
        for (boolean compress : List.of(false, true)) {
            BackupHeader h = start("neo4j", "l", BackupHeader.Kind.FULL, compress, 0, io.ccdr.node.tx.ChainHash.genesis(), 0);
            Path streamed;
            try (BackupArtefactWriter w = BackupArtefactWriter.create(dir.resolve("streamed-" + compress), h)) {
                for (Map.Entry<String, byte[]> e : files.entrySet()) {
                    w.beginStoreFile(e.getKey(), e.getValue().length);
                    byte[] c = e.getValue();
                    for (int at = 0; at < c.length; ) {
                        int n = Math.min(c.length - at, 1 + random.nextInt(300_000));
                        w.storeData(java.nio.ByteBuffer.wrap(c, at, n));
                        at += n;
                    }
                    w.endStoreFile();
                }
                streamed = w.complete();
            }
            Path readBack;
            try (BackupArtefactWriter w = BackupArtefactWriter.create(dir.resolve("read-back-" + compress), h)) {
                for (String name : files.keySet()) {
                    w.storeFile(staged.resolve(name));
                }
                readBack = w.complete();
            }
            byte[] bytes = Files.readAllBytes(streamed);
            assertThat(bytes).isEqualTo(Files.readAllBytes(readBack));
            validate(streamed);
            // byte for byte the layout of before: magic, header block, then the store blocks
            java.io.ByteArrayOutputStream expected = new java.io.ByteArrayOutputStream();
            for (Map.Entry<String, byte[]> e : files.entrySet()) {
                expected.writeBytes(storeBlocksAsBefore(e.getKey(), e.getValue(), compress));
            }
            int headerEnd = BackupBlocks.MAGIC.length + BackupBlocks.OVERHEAD + h.encode().length;
            byte[] store = expected.toByteArray();
            assertThat(java.util.Arrays.copyOfRange(bytes, headerEnd, headerEnd + store.length)).isEqualTo(store);
            assertThat(BackupArtefact.open(streamed).header().storeBytes()).isEqualTo(big.length + exact.length);
            Path restored = dir.resolve("restored-" + compress);
            Files.createDirectories(restored);
            BackupArtefact.open(streamed).read(new BackupArtefact.Visitor() {
                @Override
                public void storeData(String name, long offset, byte[] data, int from, int length) throws IOException {
                    try (java.nio.channels.FileChannel c = java.nio.channels.FileChannel.open(restored.resolve(name),
                            java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE)) {
                        c.write(java.nio.ByteBuffer.wrap(data, from, length), offset);
                    }
                }
            });
            assertThat(Files.readAllBytes(restored.resolve("000001.sst"))).isEqualTo(big);
            assertThat(Files.readAllBytes(restored.resolve("MANIFEST-000005"))).isEqualTo(exact);
        }
    }

    @Test
    void aStoreFileThatGetsMoreOrFewerBytesThanDeclaredIsRefused() throws Exception {
        BackupHeader h = start("neo4j", "l", BackupHeader.Kind.FULL, false, 0, io.ccdr.node.tx.ChainHash.genesis(), 0);
        try (BackupArtefactWriter w = BackupArtefactWriter.create(backups, h)) {
            w.beginStoreFile("a", 10);
            assertThatThrownBy(() -> w.storeData(java.nio.ByteBuffer.allocate(11))).isInstanceOf(IOException.class)
                    .hasMessageContaining("more than its 10 bytes");
            w.storeData(java.nio.ByteBuffer.allocate(4));
            assertThatThrownBy(w::endStoreFile).isInstanceOf(IOException.class).hasMessageContaining("4 of its 10 bytes");
            assertThatThrownBy(w::complete).isInstanceOf(IllegalStateException.class).hasMessageContaining("not ended");
        }
        try (Stream<Path> left = Files.list(backups)) {
            assertThat(left).as("an abandoned artefact leaves nothing").isEmpty();
        }
    }
}
