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
        if (header.kind() != BackupHeader.Kind.FULL || transactions > 0) {
            throw new IllegalStateException("store files belong at the start of a FULL artefact");
        }
        String name = file.getFileName().toString();
        long size = Files.size(file);
        block(BackupBlocks.STORE_FILE, new BinaryWriter(name.length() + 16).writeString(name).writeLong(size).toByteArray());
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
            long offset = 0;
            while (offset < size) {
                int n = (int) Math.min(STORE_CHUNK, size - offset);
                ByteBuffer data = ByteBuffer.allocate(n);
                while (data.hasRemaining()) {
                    if (in.read(data, offset + data.position()) < 0) {
                        throw new IOException(file + " shrank while being backed up");
                    }
                }
                BinaryWriter w = new BinaryWriter(n + name.length() + 16).writeString(name).writeLong(offset);
                byte[] payload = concat(w.toByteArray(), data.array());
                block(BackupBlocks.STORE_DATA, header.compressed() ? BackupBlocks.deflate(payload) : payload);
                offset += n;
            }
        }
        storeBytes += size;
    }

    /** Appends transactions; each must follow the previous one (txId and chain hash). */
    public void transactions(List<TransactionRecord> records) throws IOException {
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

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] r = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
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
