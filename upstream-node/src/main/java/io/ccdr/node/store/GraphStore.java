package io.ccdr.node.store;

import io.ccdr.node.graph.GraphException;
import io.ccdr.node.graph.IndexDescriptor;
import io.ccdr.node.tx.BinaryReader;
import io.ccdr.node.tx.BinaryWriter;
import io.ccdr.node.tx.ChainHash;
import io.ccdr.node.tx.ChangeSet;
import io.ccdr.node.tx.ChangeSetCodec;
import io.ccdr.node.tx.CorruptDataException;
import io.ccdr.node.tx.TransactionRecord;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.Checkpoint;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.CompressionType;
import org.rocksdb.DBOptions;
import org.rocksdb.FlushOptions;
import org.rocksdb.LRUCache;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Optional;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.StampedLock;
import java.util.stream.Stream;

/**
 * One database's on-disk graph (RocksDB). The Raft state machine is its only writer: {@link #apply}
 * turns a replicated change set into one atomic write batch that also records the new
 * {@link StoreState} and the transaction-log entry, so the store is always at a well-defined
 * position.
 *
 * <p>Durability comes from the Raft log, not from RocksDB's WAL: writes skip the WAL, column
 * families flush atomically, and after a crash the state machine replays Raft entries past the
 * recovered {@link StoreState#appliedIndex()}. A checkpoint (flush + hard links) is what lets Raft
 * purge its log, and is also what a far-behind follower installs.
 */
public final class GraphStore implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(GraphStore.class);
    private static final byte[] STATE_KEY = "state".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] LOG_BYTES_KEY = "txlog.bytes".getBytes(StandardCharsets.US_ASCII);
    private static final String SCHEMA_PREFIX = "schema/";
    private static final List<String> FAMILIES = List.of("default", "nodes", "rels", "labels", "adjacency", "properties", "txlog");

    static {
        RocksDB.loadLibrary();
    }

    private final Path dir;
    /**
     * Pins the open RocksDB instance: views and reads hold a read stamp, snapshot install and close
     * take the write stamp. A StampedLock because a Bolt transaction opens a view on one worker
     * thread and closes it on another.
     */
    private final StampedLock lifecycle = new StampedLock();
    private DBOptions dbOptions;
    private ColumnFamilyOptions cfOptions;
    private LRUCache blockCache;
    private final WriteOptions writeOptions = new WriteOptions().setDisableWAL(true);
    private RocksDB db;
    private List<ColumnFamilyHandle> handles = new ArrayList<>();
    private volatile StoreState state;
    private volatile List<IndexDescriptor> schema = List.of();
    private volatile long logBytes;
    private final java.util.concurrent.CopyOnWriteArrayList<Runnable> commitListeners = new java.util.concurrent.CopyOnWriteArrayList<>();

    private GraphStore(Path dir) {
        this.dir = dir;
    }

    /** Opens (creating if needed) the store in {@code dir}. */
    public static GraphStore open(Path dir) {
        GraphStore store = new GraphStore(dir);
        store.openDb();
        return store;
    }

    private void openDb() {
        try {
            Files.createDirectories(dir);
            blockCache = new LRUCache(32L << 20);
            cfOptions = new ColumnFamilyOptions()
                    .setWriteBufferSize(16L << 20)
                    .setMaxWriteBufferNumber(3)
                    .setCompressionType(CompressionType.LZ4_COMPRESSION)
                    .setTableFormatConfig(new BlockBasedTableConfig().setBlockCache(blockCache).setFilterPolicy(new org.rocksdb.BloomFilter(10)));
            dbOptions = new DBOptions().setCreateIfMissing(true).setCreateMissingColumnFamilies(true)
                    .setAtomicFlush(true).setMaxBackgroundJobs(2).setMaxOpenFiles(512);
            List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
            for (String f : FAMILIES) {
                descriptors.add(new ColumnFamilyDescriptor(f.getBytes(StandardCharsets.UTF_8), cfOptions));
            }
            handles = new ArrayList<>();
            db = RocksDB.open(dbOptions, dir.toString(), descriptors, handles);
            byte[] s = db.get(metaCf(), STATE_KEY);
            state = s == null ? StoreState.empty() : StoreState.decode(s);
            byte[] lb = db.get(metaCf(), LOG_BYTES_KEY);
            logBytes = lb == null ? 0 : Keys.getLong(lb, 0);
            schema = loadSchema();
        } catch (RocksDBException | IOException e) {
            throw new GraphException("Neo.DatabaseError.General.StorageDamageDetected", "cannot open store at " + dir + ": " + e.getMessage(), e);
        }
    }

    private List<IndexDescriptor> loadSchema() {
        List<IndexDescriptor> rules = new ArrayList<>();
        byte[] prefix = SCHEMA_PREFIX.getBytes(StandardCharsets.US_ASCII);
        try (RocksIterator it = db.newIterator(metaCf())) {
            for (it.seek(prefix); it.isValid() && Keys.startsWith(it.key(), prefix); it.next()) {
                rules.add(RecordCodec.decodeRule(it.value()));
            }
        }
        rules.sort(Comparator.comparing(IndexDescriptor::name));
        return List.copyOf(rules);
    }

    static GraphException storageFailure(RocksDBException e) {
        return new GraphException("Neo.DatabaseError.General.UnknownError", "storage failure: " + e.getMessage(), e);
    }

    RocksDB db() {
        return db;
    }

    ColumnFamilyHandle metaCf() {
        return handles.get(0);
    }

    ColumnFamilyHandle nodesCf() {
        return handles.get(1);
    }

    ColumnFamilyHandle relsCf() {
        return handles.get(2);
    }

    ColumnFamilyHandle labelsCf() {
        return handles.get(3);
    }

    ColumnFamilyHandle adjacencyCf() {
        return handles.get(4);
    }

    ColumnFamilyHandle propertiesCf() {
        return handles.get(5);
    }

    ColumnFamilyHandle txlogCf() {
        return handles.get(6);
    }

    public Path directory() {
        return dir;
    }

    public StoreState state() {
        return state;
    }

    List<IndexDescriptor> schemaRules() {
        return schema;
    }

    /** A consistent read view of the committed state; close it when done. */
    public StoreView view() {
        long stamp = lifecycle.readLock();
        try {
            return new StoreView(this, true, stamp);
        } catch (RuntimeException e) {
            lifecycle.unlockRead(stamp);
            throw e;
        }
    }

    void releaseView(long stamp) {
        lifecycle.unlockRead(stamp);
    }

    /**
     * Runs {@code listener} whenever newly committed transactions have become visible, once per
     * applied Raft entry (not per transaction, so a reader woken by it finds the whole entry), on
     * the applying thread: it must only hand work off, never block. How the transaction stream
     * pushes commits to its subscribers.
     */
    public void addCommitListener(Runnable listener) {
        commitListeners.add(listener);
    }

    public void removeCommitListener(Runnable listener) {
        commitListeners.remove(listener);
    }

    /** Called by the applier after each entry (and after the store was replaced): tells the commit listeners. */
    public void publishCommits() {
        for (Runnable l : commitListeners) {
            try {
                l.run();
            } catch (RuntimeException e) {
                LOG.warn("commit listener of store {} failed: {}", dir, e.toString());
            }
        }
    }

    /**
     * Views open now (each pins a snapshot and keeps the store from being replaced or closed), the
     * apply path's live view included: a result left open by a client shows here.
     */
    public int openViews() {
        return lifecycle.getReadLockCount();
    }

    /** Records a Raft entry that carries no transaction (so replay can skip it next time). */
    public void markApplied(long term, long index) {
        markApplied(term, index, StoreState.WHOLE_ENTRY);
    }

    private void markApplied(long term, long index, int item) {
        synchronized (positionLock) {
            if (!state.covers(index, item)) {
                state = state.withApplied(term, index, item);
            }
        }
    }

    /**
     * Held while the store's position changes (an apply, a mark) and while a checkpoint records it,
     * so a checkpoint's recorded state is exactly the data it holds, never an older position.
     */
    private final Object positionLock = new Object();

    /**
     * Applies the change set carried by Raft entry {@code (term, index)}. Deterministic: every
     * member given the same store and bytes reaches the same outcome and the same chain hash.
     */
    public ApplyOutcome apply(long term, long index, byte[] changeSetBytes) {
        return apply(term, index, 0, changeSetBytes);
    }

    /** Applies change set number {@code item} of Raft entry {@code (term, index)}. */
    public ApplyOutcome apply(long term, long index, int item, byte[] changeSetBytes) {
        ChangeSet cs;
        try {
            cs = ChangeSetCodec.decode(changeSetBytes);
        } catch (CorruptDataException e) {
            markApplied(term, index, item);
            return new ApplyOutcome.Rejected("Neo.DatabaseError.Transaction.TransactionCommitFailed", "corrupt change set: " + e.getMessage());
        }
        StoreState before = state;
        long txId = before.lastTxId() + 1;
        long commitTime = Math.max(before.lastCommitTimeMillis(), cs.proposedCommitTimeMillis());
        return applyAt(term, index, item, cs, changeSetBytes, txId, commitTime, ChainHash.next(before.chainHash(), txId, changeSetBytes));
    }

    /**
     * Applies an upstream transaction (replica databases) as item {@code item} of Raft entry
     * {@code (term, index)}: same txId, commit time and chain hash as upstream. It must be the next
     * transaction and its chain hash must follow from this store's; otherwise nothing is written
     * and the outcome is a {@code Neo.ClientError.Cluster.LineageMismatch} rejection.
     */
    public ApplyOutcome applyReplicated(long term, long index, int item, TransactionRecord record) {
        StoreState before = state;
        if (record.txId() != before.lastTxId() + 1) {
            markApplied(term, index, item);
            return new ApplyOutcome.Rejected(LINEAGE_MISMATCH, "upstream transaction " + record.txId() + " does not follow this store's last "
                    + "transaction " + before.lastTxId());
        }
        byte[] chain = ChainHash.next(before.chainHash(), record.txId(), record.changeSetBytes());
        if (!java.util.Arrays.equals(chain, record.chainHash())) {
            markApplied(term, index, item);
            return new ApplyOutcome.Rejected(LINEAGE_MISMATCH, "chain hash of upstream transaction " + record.txId() + " is "
                    + ChainHash.hex(record.chainHash()) + " but this store's history gives " + ChainHash.hex(chain));
        }
        ChangeSet cs;
        try {
            cs = ChangeSetCodec.decode(record.changeSetBytes());
        } catch (CorruptDataException e) {
            markApplied(term, index, item);
            return new ApplyOutcome.Rejected(LINEAGE_MISMATCH, "upstream transaction " + record.txId() + " is corrupt: " + e.getMessage());
        }
        ApplyOutcome outcome = applyAt(term, index, item, cs, record.changeSetBytes(), record.txId(), record.commitTimeMillis(), chain);
        if (outcome instanceof ApplyOutcome.Rejected r) {
            // the upstream committed it, so this store is not the prefix it claims to be
            return new ApplyOutcome.Rejected(LINEAGE_MISMATCH, "upstream transaction " + record.txId() + " cannot be applied here ("
                    + r.statusCode() + ": " + r.message() + ")");
        }
        return outcome;
    }

    private static final String LINEAGE_MISMATCH = "Neo.ClientError.Cluster.LineageMismatch";

    private ApplyOutcome applyAt(long term, long index, int item, ChangeSet cs, byte[] changeSetBytes, long txId, long commitTime,
                                 byte[] chain) {
        synchronized (positionLock) {
            return applyLocked(term, index, item, cs, changeSetBytes, txId, commitTime, chain);
        }
    }

    private ApplyOutcome applyLocked(long term, long index, int item, ChangeSet cs, byte[] changeSetBytes, long txId, long commitTime,
                                     byte[] chain) {
        StoreState before = state;
        long stamp = lifecycle.readLock(); // released when the live view closes
        try (StoreView live = new StoreView(this, false, stamp); WriteBatch batch = new WriteBatch()) {
            TransactionState tx = new TransactionState(live, null, cs.baseTxId(), true);
            for (ChangeSet.Op op : cs.ops()) {
                tx.replay(op);
            }
            long[] nextIds = {before.nextNodeId(), before.nextRelationshipId()};
            new ChangeSetMaterializer(this, live, tx, txId, batch, nextIds).materialize();
            StoreState after = new StoreState(term, index, item, txId, commitTime, chain, nextIds[0], nextIds[1], before.promotedAtTxId());
            batch.put(metaCf(), STATE_KEY, after.encode());
            byte[] logRecord = encodeLogRecord(commitTime, chain, changeSetBytes);
            batch.put(txlogCf(), Keys.id(txId), logRecord);
            long newLogBytes = logBytes + logRecord.length;
            batch.put(metaCf(), LOG_BYTES_KEY, Keys.id(newLogBytes));
            db.write(writeOptions, batch);
            logBytes = newLogBytes;
            if (!tx.schemaTouched().isEmpty()) {
                schema = loadSchema();
            }
            state = after;
            return new ApplyOutcome.Committed(txId, commitTime, chain);
        } catch (GraphException e) {
            markApplied(term, index, item);
            return new ApplyOutcome.Rejected(e.statusCode(), e.getMessage());
        } catch (RocksDBException e) {
            // The store cannot take the write (e.g. disk full). Not deterministic, so never report
            // it as a rejection: fail the state machine so Raft stops applying on this member.
            throw storageFailure(e);
        }
    }

    /** Records, durably, that this (replica) database was promoted at its current txId by Raft entry {@code (term, index)}. */
    public void markPromoted(long term, long index) {
        synchronized (positionLock) {
            StoreState after = state.promotedAt(term, index, state.lastTxId());
            try {
                db.put(metaCf(), writeOptions, STATE_KEY, after.encode());
            } catch (RocksDBException e) {
                throw storageFailure(e);
            }
            state = after;
        }
    }

    private static byte[] encodeLogRecord(long commitTime, byte[] chain, byte[] changeSetBytes) {
        return new BinaryWriter(48 + changeSetBytes.length).writeLong(commitTime).writeBytes(chain)
                .writeBytes(changeSetBytes).toByteArray();
    }

    private static TransactionRecord decodeLogRecord(long txId, byte[] bytes) {
        BinaryReader r = new BinaryReader(bytes);
        long time = r.readLong();
        byte[] chain = r.readBytes(ChainHash.LENGTH);
        return new TransactionRecord(txId, time, chain, r.readBytes(r.remaining()));
    }

    /** The chain hash after transaction {@code txId}, while this store knows it (its last, or one its log still holds). */
    public Optional<byte[]> chainHashAt(long txId) {
        StoreState s = state;
        if (txId == s.lastTxId()) {
            return Optional.of(s.chainHash());
        }
        if (txId == 0) {
            return Optional.of(ChainHash.genesis());
        }
        if (txId > s.lastTxId()) {
            return Optional.empty();
        }
        return transactions(txId, 1).stream().filter(r -> r.txId() == txId).map(TransactionRecord::chainHash).findFirst();
    }

    /** Committed transactions from {@code fromTxId} on, at most {@code max}, in txId order. */
    public List<TransactionRecord> transactions(long fromTxId, int max) {
        List<TransactionRecord> out = new ArrayList<>();
        long stamp = lifecycle.readLock();
        try (RocksIterator it = db.newIterator(txlogCf())) {
            for (it.seek(Keys.id(fromTxId)); it.isValid() && out.size() < max; it.next()) {
                long txId = Keys.getLong(it.key(), 0);
                if (!out.isEmpty() && txId != out.get(out.size() - 1).txId() + 1) {
                    break;
                }
                if (out.isEmpty() && txId != fromTxId) {
                    break; // fromTxId was pruned
                }
                out.add(decodeLogRecord(txId, it.value()));
            }
        } finally {
            lifecycle.unlockRead(stamp);
        }
        return out;
    }

    /** The oldest txId still in the transaction log, or lastTxId + 1 when the log is empty. */
    public long firstRetainedTxId() {
        long stamp = lifecycle.readLock();
        try {
            return firstRetainedTxIdUnlocked();
        } finally {
            lifecycle.unlockRead(stamp);
        }
    }

    private long firstRetainedTxIdUnlocked() {
        try (RocksIterator it = db.newIterator(txlogCf())) {
            it.seekToFirst();
            return it.isValid() ? Keys.getLong(it.key(), 0) : state.lastTxId() + 1;
        }
    }

    /** Drops transaction-log entries the policy no longer retains; returns how many were dropped. */
    public long pruneTransactionLog(RetentionPolicy policy, long nowMillis) {
        long stamp = lifecycle.readLock();
        try {
            long last = state.lastTxId();
            long first = firstRetainedTxIdUnlocked();
            long keepFrom = first;
            long bytesDropped = 0;
            try (RocksIterator it = db.newIterator(txlogCf())) {
                for (it.seekToFirst(); it.isValid(); it.next()) {
                    long txId = Keys.getLong(it.key(), 0);
                    byte[] v = it.value();
                    long commitTime = Keys.getLong(v, 0);
                    if (txId >= last || policy.retains(last - txId, logBytes - bytesDropped, nowMillis - commitTime)) {
                        break;
                    }
                    bytesDropped += v.length;
                    keepFrom = txId + 1;
                }
            }
            if (keepFrom > first) {
                try (WriteBatch batch = new WriteBatch()) {
                    batch.deleteRange(txlogCf(), Keys.id(first), Keys.id(keepFrom));
                    long newBytes = Math.max(0, logBytes - bytesDropped);
                    batch.put(metaCf(), LOG_BYTES_KEY, Keys.id(newBytes));
                    db.write(writeOptions, batch);
                    logBytes = newBytes;
                }
            }
            return keepFrom - first;
        } catch (RocksDBException e) {
            throw storageFailure(e);
        } finally {
            lifecycle.unlockRead(stamp);
        }
    }

    /** Approximate bytes on disk (SST files plus memtables). */
    public long sizeBytes() {
        long stamp = lifecycle.readLock();
        try {
            long total = 0;
            for (ColumnFamilyHandle h : handles) {
                total += db.getLongProperty(h, "rocksdb.total-sst-files-size");
                total += db.getLongProperty(h, "rocksdb.cur-size-all-mem-tables");
            }
            return total;
        } catch (RocksDBException e) {
            return -1;
        } finally {
            lifecycle.unlockRead(stamp);
        }
    }

    /**
     * Makes everything applied so far durable and writes a checkpoint (hard links, cheap) into
     * {@code target}, which must not exist. Returns the state the checkpoint holds.
     */
    public StoreState checkpoint(Path target) {
        long stamp = lifecycle.readLock();
        try (FlushOptions fo = new FlushOptions().setWaitForFlush(true)) {
            // The bulk of the flush happens while applies go on; under the position lock only what was applied
            // meanwhile is flushed, so a checkpoint holds up applies for milliseconds, not for a whole flush.
            db.flush(fo, handles);
            afterUnlockedFlush.run();
            synchronized (positionLock) {
                StoreState at = state;
                // persist the applied index of trailing non-transaction entries too
                db.put(metaCf(), writeOptions, STATE_KEY, at.encode());
                db.flush(fo, handles);
                try (Checkpoint cp = Checkpoint.create(db)) {
                    cp.createCheckpoint(target.toString());
                }
                return at;
            }
        } catch (RocksDBException e) {
            throw storageFailure(e);
        } finally {
            lifecycle.unlockRead(stamp);
        }
    }

    /** Runs between a checkpoint's unlocked and locked flush (tests observe that applies go on meanwhile). */
    volatile Runnable afterUnlockedFlush = () -> { };

    /** Reads the state recorded in a checkpoint directory without opening it as the live store. */
    public static StoreState readCheckpointState(Path checkpoint) {
        try (GraphStore s = open(checkpoint)) {
            return s.state();
        }
    }

    /**
     * Replaces the live store with a copy of {@code checkpoint} (snapshot install). Waits for open
     * views to close; readers arriving meanwhile wait.
     */
    public void replaceWith(Path checkpoint) {
        replaceWith(checkpoint, null);
    }

    /**
     * Replaces the live store with a store copy taken from another Raft group (a replica's baseline):
     * the copy's data and transaction history, with this group's Raft position {@code (term, index)}.
     */
    public void replaceWith(Path checkpoint, long term, long index) {
        replaceWith(checkpoint, new long[]{term, index});
    }

    private void replaceWith(Path checkpoint, long[] raftPosition) {
        long stamp;
        try {
            stamp = lifecycle.tryWriteLock(60, TimeUnit.SECONDS);
            if (stamp == 0) {
                throw new IllegalStateException("store " + dir + " still has open readers after 60 s; cannot install snapshot");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while installing snapshot", e);
        }
        try {
            closeDb();
            deleteRecursively(dir);
            Files.createDirectories(dir);
            try (Stream<Path> files = Files.list(checkpoint)) {
                for (Path f : files.toList()) {
                    Path to = dir.resolve(f.getFileName().toString());
                    try {
                        Files.createLink(to, f);
                    } catch (IOException | UnsupportedOperationException e) {
                        Files.copy(f, to);
                    }
                }
            }
            openDb();
            if (raftPosition != null) {
                StoreState at = state;
                state = new StoreState(raftPosition[0], raftPosition[1], StoreState.WHOLE_ENTRY, at.lastTxId(), at.lastCommitTimeMillis(),
                        at.chainHash(), at.nextNodeId(), at.nextRelationshipId(), StoreState.NOT_PROMOTED);
                db.put(metaCf(), writeOptions, STATE_KEY, state.encode());
            }
            LOG.info("store {} replaced from checkpoint {} at txId {}", dir, checkpoint, state.lastTxId());
        } catch (RocksDBException e) {
            throw storageFailure(e);
        } catch (IOException e) {
            throw new GraphException("Neo.DatabaseError.General.UnknownError", "cannot install checkpoint " + checkpoint + ": " + e.getMessage(), e);
        } finally {
            lifecycle.unlockWrite(stamp);
        }
    }

    public static void deleteRecursively(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(p)) {
            for (Path q : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(q);
            }
        }
    }

    private void closeDb() {
        if (db == null) {
            return;
        }
        try (FlushOptions fo = new FlushOptions().setWaitForFlush(true)) {
            db.flush(fo, handles);
        } catch (RocksDBException e) {
            LOG.warn("flush on close of {} failed: {}", dir, e.getMessage());
        }
        handles.forEach(ColumnFamilyHandle::close);
        handles = new ArrayList<>();
        db.close();
        db = null;
        dbOptions.close();
        cfOptions.close();
        blockCache.close();
    }

    @Override
    public void close() {
        long stamp = 0;
        try {
            stamp = lifecycle.tryWriteLock(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (stamp == 0) {
            LOG.warn("store {} still has open readers after 10 s; closing anyway", dir);
        }
        try {
            closeDb();
        } finally {
            if (stamp != 0) {
                lifecycle.unlockWrite(stamp);
            }
        }
    }

    /** Content fingerprint over all nodes and relationships (for verify tools and tests). */
    public byte[] contentFingerprint() {
        java.security.MessageDigest sha;
        try {
            sha = java.security.MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        long stamp = lifecycle.readLock();
        try (ReadOptions ro = new ReadOptions()) {
            for (ColumnFamilyHandle cf : List.of(nodesCf(), relsCf())) {
                try (RocksIterator it = db.newIterator(cf, ro)) {
                    for (it.seekToFirst(); it.isValid(); it.next()) {
                        sha.update(it.key());
                        // skip the version (8 bytes): it is a txId, already covered by the chain hash
                        byte[] v = it.value();
                        sha.update(v, 8, v.length - 8);
                    }
                }
            }
        } finally {
            lifecycle.unlockRead(stamp);
        }
        return sha.digest();
    }

}
