package io.ccdr.node.backup;

import io.ccdr.node.stream.StreamMessages;
import io.ccdr.node.tx.BinaryWriter;
import io.ccdr.node.tx.ChainHash;
import io.ccdr.node.tx.TransactionRecord;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * Writes one artefact: into a hidden temporary file next to its final name, which it gets only in
 * {@link #complete}, after the end block, the final header and an fsync of file and directory. A
 * backup that dies before that leaves a {@code .*.partial} file that no reader takes for an artefact
 * (and the next backup into the directory deletes it).
 *
 * <p>Transactions must arrive in order and chain onto the header's start; the writer checks that, so
 * an artefact is never written with a gap or a break in it.
 */
public final class BackupArtefactWriter implements AutoCloseable {
    static final String SUFFIX = ".backup";
    static final String PARTIAL_SUFFIX = ".partial";
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH-mm-ss").withZone(ZoneOffset.UTC);
    private static final int STORE_CHUNK = 1 << 20;
    private static final int TX_BLOCK_BYTES = 4 << 20;

    private final Path dir;
    private final Path temp;
    private final FileChannel out;
    private BackupHeader header;
    private final int headerBlockLength;
    private long lastTxId;
    private byte[] lastHash;
    private long lastCommitMillis;
    private long storeBytes;
    private long transactions;
    private long blocks;
    private final List<TransactionRecord> pending = new ArrayList<>();
    private long pendingBytes;
    private boolean completed;
    /** The store file being appended ({@link #beginStoreFile}), or null. */
    private String storeName;
    private byte[] storeNameBytes;
    private long storeSize;
    private long storeOffset;
    /** The STORE_DATA block being filled: type, length (set when written), name, offset, then up to 1 MiB of data. */
    private ByteBuffer dataBlock;
    private boolean dataBlockOpen;
    private int dataBlockBytes;

    private BackupArtefactWriter(Path dir, BackupHeader header) throws IOException {
        this.dir = dir;
        this.header = header;
        this.temp = dir.resolve("." + header.database() + "-" + header.createdAtMillis() + "-" + ProcessHandle.current().pid()
                + SUFFIX + PARTIAL_SUFFIX);
        this.out = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        this.lastTxId = header.startTxId();
        this.lastHash = header.startChainHash().clone();
        this.lastCommitMillis = header.startCommitMillis();
        write(ByteBuffer.wrap(BackupBlocks.MAGIC));
        byte[] h = header.encode();
        headerBlockLength = BackupBlocks.OVERHEAD + h.length;
        block(BackupBlocks.HEADER, h);
    }

    /** Starts an artefact in {@code dir} whose header (end fields aside) is {@code header}. */
    public static BackupArtefactWriter create(Path dir, BackupHeader header) throws IOException {
        Files.createDirectories(dir);
        return new BackupArtefactWriter(dir, header);
    }

    /** Appends one store file, read from {@code file}, in checksummed chunks (FULL only, before any transaction). */
    public void storeFile(Path file) throws IOException {
        long size = Files.size(file);
        beginStoreFile(file.getFileName().toString(), size);
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer data = ByteBuffer.allocate((int) Math.min(STORE_CHUNK, size));
            long offset = 0;
            while (offset < size) {
                data.clear().limit((int) Math.min(STORE_CHUNK, size - offset));
                while (data.hasRemaining()) {
                    if (in.read(data, offset + data.position()) < 0) {
                        throw new IOException(file + " shrank while being backed up");
                    }
                }
                offset += data.flip().remaining();
                storeData(data);
            }
        }
        endStoreFile();
    }

    /**
     * Starts a store file of {@code size} bytes whose data follows in {@link #storeData} calls, in
     * order, and which {@link #endStoreFile} closes (FULL only, before any transaction). However the
     * data arrives, it is written as the blocks {@link #storeFile} writes: a STORE_DATA block per
     * 1 MiB of the file.
     */
    public void beginStoreFile(String name, long size) throws IOException {
        if (header.kind() != BackupHeader.Kind.FULL || transactions > 0) {
            throw new IllegalStateException("store files belong at the start of a FULL artefact");
        }
        if (storeName != null) {
            throw new IllegalStateException("store file " + storeName + " is not ended");
        }
        if (size < 0) {
            throw new IllegalArgumentException("negative size " + size);
        }
        block(BackupBlocks.STORE_FILE, new BinaryWriter(name.length() + 16).writeString(name).writeLong(size).toByteArray());
        storeName = name;
        storeNameBytes = new BinaryWriter(name.length() + 8).writeString(name).toByteArray();
        storeSize = size;
        storeOffset = 0;
        int capacity = 5 + storeNameBytes.length + 8 + STORE_CHUNK + 4;
        if (dataBlock == null || dataBlock.capacity() < capacity) {
            // uncompressed, the block goes to disk from here: a direct buffer spares the channel a copy
            dataBlock = header.compressed() ? ByteBuffer.allocate(capacity) : ByteBuffer.allocateDirect(capacity);
        }
        dataBlockOpen = false;
    }

    /** The next bytes of the current store file (all of {@code data}'s remaining bytes are taken). */
    public void storeData(ByteBuffer data) throws IOException {
        if (storeName == null) {
            throw new IllegalStateException("store data outside a store file");
        }
        if (data.remaining() > storeSize - storeOffset) {
            throw new IOException("store file " + storeName + " gets more than its " + storeSize + " bytes");
        }
        while (data.hasRemaining()) {
            if (!dataBlockOpen) {
                dataBlock.clear();
                dataBlock.put((byte) BackupBlocks.STORE_DATA).putInt(0).put(storeNameBytes).putLong(storeOffset);
                dataBlockBytes = 0;
                dataBlockOpen = true;
            }
            int n = Math.min(STORE_CHUNK - dataBlockBytes, data.remaining());
            dataBlock.put(dataBlock.position(), data, data.position(), n);
            dataBlock.position(dataBlock.position() + n);
            data.position(data.position() + n);
            dataBlockBytes += n;
            storeOffset += n;
            if (dataBlockBytes == STORE_CHUNK) {
                flushDataBlock();
            }
        }
    }

    /** Ends the current store file, which must have received all its bytes. */
    public void endStoreFile() throws IOException {
        if (storeName == null) {
            throw new IllegalStateException("no store file to end");
        }
        if (storeOffset != storeSize) {
            throw new IOException("store file " + storeName + " ends after " + storeOffset + " of its " + storeSize + " bytes");
        }
        if (dataBlockOpen) {
            flushDataBlock();
        }
        storeBytes += storeSize;
        storeName = null;
    }

    /** Writes the STORE_DATA block being filled: {@link BackupBlocks#encode} laid out in place. */
    private void flushDataBlock() throws IOException {
        dataBlockOpen = false;
        int payloadLength = dataBlock.position() - 5;
        if (header.compressed()) {
            byte[] payload = Arrays.copyOfRange(dataBlock.array(), 5, 5 + payloadLength);
            block(BackupBlocks.STORE_DATA, BackupBlocks.deflate(payload));
            return;
        }
        dataBlock.putInt(1, payloadLength);
        CRC32C crc = new CRC32C();
        crc.update(dataBlock.duplicate().flip());
        dataBlock.putInt((int) crc.getValue());
        write(dataBlock.flip());
        blocks++;
    }

    /** Appends transactions; each must follow the previous one (txId and chain hash). */
    public void transactions(List<TransactionRecord> records) throws IOException {
        if (storeName != null) {
            throw new IllegalStateException("store file " + storeName + " is not ended");
        }
        for (TransactionRecord r : records) {
            if (r.txId() != lastTxId + 1) {
                throw new BackupException(BackupException.Reason.CORRUPT, "transaction " + r.txId() + " does not follow " + lastTxId);
            }
            byte[] next = ChainHash.next(lastHash, r.txId(), r.changeSetBytes());
            if (!Arrays.equals(next, r.chainHash())) {
                throw new BackupException(BackupException.Reason.LINEAGE, "the chain breaks at transaction " + r.txId());
            }
            lastTxId = r.txId();
            lastHash = next;
            lastCommitMillis = r.commitTimeMillis();
            transactions++;
            pending.add(r);
            pendingBytes += r.changeSetBytes().length + 64;
            if (pendingBytes >= TX_BLOCK_BYTES || pending.size() >= 512) {
                flushTransactions();
            }
        }
    }

    public long lastTxId() {
        return lastTxId;
    }

    public byte[] lastChainHash() {
        return lastHash.clone();
    }

    public long bytesWritten() throws IOException {
        return out.position();
    }

    private void flushTransactions() throws IOException {
        if (pending.isEmpty()) {
            return;
        }
        byte[] payload = StreamMessages.encodeBatch(pending);
        block(BackupBlocks.TRANSACTIONS, header.compressed() ? BackupBlocks.deflate(payload) : payload);
        pending.clear();
        pendingBytes = 0;
    }

    /**
     * Finishes the artefact: end block, final header, fsync, then the rename to
     * {@code DATABASE-<UTC timestamp>.backup} (a suffix {@code -N} if that name is taken) and an fsync of
     * the directory. Returns the artefact's path.
     */
    public Path complete() throws IOException {
        if (storeName != null) {
            throw new IllegalStateException("store file " + storeName + " is not ended");
        }
        flushTransactions();
        header = header.ending(lastTxId, lastHash, lastCommitMillis, storeBytes, transactions);
        block(BackupBlocks.END, new BinaryWriter(64).writeLong(blocks).writeLong(lastTxId).writeBytes(lastHash).toByteArray());
        ByteBuffer h = BackupBlocks.encode(BackupBlocks.HEADER, header.encode());
        if (h.remaining() != headerBlockLength) {
            throw new IllegalStateException("header changed length");
        }
        while (h.hasRemaining()) {
            out.write(h, BackupBlocks.MAGIC.length + h.position());
        }
        out.force(true);
        out.close();
        String base = header.database() + "-" + STAMP.format(Instant.ofEpochMilli(header.createdAtMillis()));
        for (int n = 1; ; n++) {
            Path target = dir.resolve(base + (n == 1 ? "" : "-" + n) + SUFFIX);
            if (Files.exists(target)) {
                continue;
            }
            try {
                try {
                    Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(temp, target);
                }
            } catch (FileAlreadyExistsException e) {
                continue;
            }
            fsyncDirectory(dir);
            completed = true;
            return target;
        }
    }

    static void fsyncDirectory(Path dir) {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException e) {
            // not every file system lets a directory be opened for fsync; the rename itself is atomic
        }
    }

    private void block(int type, byte[] payload) throws IOException {
        write(BackupBlocks.encode(type, payload));
        blocks++;
    }

    private void write(ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            out.write(b);
        }
    }

    /** Abandons an artefact that was not completed: the temporary file goes. */
    @Override
    public void close() throws IOException {
        if (!completed) {
            out.close();
            Files.deleteIfExists(temp);
        }
    }
}
