package io.ccdr.node.backup;

import io.ccdr.node.stream.StreamMessages;
import io.ccdr.node.tx.BinaryReader;
import io.ccdr.node.tx.ChainHash;
import io.ccdr.node.tx.ChangeSetCodec;
import io.ccdr.node.tx.CorruptDataException;
import io.ccdr.node.tx.TransactionRecord;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One artefact file, read. {@link #open} reads only the magic and the header; {@link #read} walks
 * every block and checks everything the format promises: each block's CRC32C, the store files'
 * offsets and sizes, that every change set decodes, that txIds follow one another from the header's
 * start and that the chain hash recomputed from the header's start hash gives every record's hash
 * and the header's end hash, and that the end block closes the file. Any failure is a
 * {@link BackupException} (CORRUPT) naming the file and the offset or txId.
 */
public final class BackupArtefact {
    private final Path file;
    private final BackupHeader header;
    private final long size;

    private BackupArtefact(Path file, BackupHeader header, long size) {
        this.file = file;
        this.header = header;
        this.size = size;
    }

    /** What {@link #read} hands over, in file order. */
    public interface Visitor {
        default void storeFile(String name, long size) throws IOException {
        }

        default void storeData(String name, long offset, byte[] data, int from, int length) throws IOException {
        }

        /** Chain-verified transactions; return false to stop reading (nothing further is checked). */
        default boolean transactions(List<TransactionRecord> records) throws IOException {
            return true;
        }
    }

    public static BackupArtefact open(Path file) throws BackupException {
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = in.size();
            ByteBuffer magic = readFully(in, 0, BackupBlocks.MAGIC.length, file);
            if (!Arrays.equals(magic.array(), BackupBlocks.MAGIC)) {
                throw corrupt(file, 0, "not a ccdr backup artefact (wrong magic)");
            }
            Block h = readBlock(in, BackupBlocks.MAGIC.length, size, file);
            if (h.type != BackupBlocks.HEADER) {
                throw corrupt(file, BackupBlocks.MAGIC.length, "first block is " + BackupBlocks.name(h.type) + ", not the header");
            }
            try {
                return new BackupArtefact(file, BackupHeader.decode(h.payload), size);
            } catch (CorruptDataException | IllegalArgumentException e) {
                throw corrupt(file, BackupBlocks.MAGIC.length, "header: " + e.getMessage());
            }
        } catch (NoSuchFileException e) {
            throw new BackupException(BackupException.Reason.NOT_FOUND, file + ": no such file");
        } catch (BackupException e) {
            throw e;
        } catch (IOException e) {
            throw new BackupException(BackupException.Reason.IO, file + ": " + e.getMessage(), e);
        }
    }

    public Path file() {
        return file;
    }

    public BackupHeader header() {
        return header;
    }

    public long size() {
        return size;
    }

    /** Reads and checks the whole artefact (see the class comment). */
    public void read(Visitor visitor) throws BackupException {
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
            long pos = BackupBlocks.MAGIC.length;
            Block headerBlock = readBlock(in, pos, size, file);
            pos += headerBlock.length();
            long blocks = 1;
            long txId = header.startTxId();
            byte[] hash = header.startChainHash();
            long transactions = 0;
            long storeBytes = 0;
            Map<String, Long> declared = new HashMap<>();
            Map<String, Long> received = new HashMap<>();
            while (true) {
                if (pos >= size) {
                    throw corrupt(file, pos, "truncated: the file ends before its end block");
                }
                Block b = readBlock(in, pos, size, file);
                long at = pos;
                pos += b.length();
                try {
                    switch (b.type) {
                        case BackupBlocks.STORE_FILE -> {
                            BinaryReader r = new BinaryReader(b.payload);
                            String name = r.readString();
                            long fileSize = r.readLong();
                            if (header.kind() != BackupHeader.Kind.FULL || transactions > 0 || declared.containsKey(name)
                                    || name.contains("/") || name.contains("\\") || name.startsWith(".") || fileSize < 0) {
                                throw corrupt(file, at, "unexpected store file '" + name + "'");
                            }
                            declared.put(name, fileSize);
                            received.put(name, 0L);
                            storeBytes += fileSize;
                            visitor.storeFile(name, fileSize);
                        }
                        case BackupBlocks.STORE_DATA -> {
                            byte[] p = header.compressed() ? BackupBlocks.inflate(b.payload) : b.payload;
                            BinaryReader r = new BinaryReader(p);
                            String name = r.readString();
                            long offset = r.readLong();
                            int length = r.remaining();
                            Long done = received.get(name);
                            if (done == null || offset != done || offset + length > declared.get(name)) {
                                throw corrupt(file, at, "store data for '" + name + "' at " + offset + " does not continue the file");
                            }
                            received.put(name, offset + length);
                            visitor.storeData(name, offset, p, p.length - length, length);
                        }
                        case BackupBlocks.TRANSACTIONS -> {
                            requireStoreComplete(declared, received, at);
                            List<TransactionRecord> records = StreamMessages.decodeBatch(header.compressed() ? BackupBlocks.inflate(b.payload) : b.payload);
                            for (TransactionRecord rec : records) {
                                if (rec.txId() != txId + 1) {
                                    throw corrupt(file, at, "transaction " + rec.txId() + " follows " + txId + " (a gap)");
                                }
                                byte[] next = ChainHash.next(hash, rec.txId(), rec.changeSetBytes());
                                if (!Arrays.equals(next, rec.chainHash())) {
                                    throw corrupt(file, at, "chain hash breaks at txId " + rec.txId());
                                }
                                try {
                                    ChangeSetCodec.decode(rec.changeSetBytes());
                                } catch (CorruptDataException e) {
                                    throw corrupt(file, at, "change set of txId " + rec.txId() + " does not decode: " + e.getMessage());
                                }
                                txId = rec.txId();
                                hash = next;
                            }
                            transactions += records.size();
                            if (!visitor.transactions(records)) {
                                return;
                            }
                        }
                        case BackupBlocks.END -> {
                            requireStoreComplete(declared, received, at);
                            BinaryReader r = new BinaryReader(b.payload);
                            long count = r.readLong();
                            long endTxId = r.readLong();
                            byte[] endHash = r.readBytes(ChainHash.LENGTH);
                            if (count != blocks || endTxId != txId || !Arrays.equals(endHash, hash) || txId != header.endTxId()
                                    || !Arrays.equals(hash, header.endChainHash()) || transactions != header.transactionCount()
                                    || storeBytes != header.storeBytes()) {
                                throw corrupt(file, at, "end block does not match what the artefact holds (txId " + txId + ", "
                                        + blocks + " blocks; header says txId " + header.endTxId() + ")");
                            }
                            if (pos != size) {
                                throw corrupt(file, pos, (size - pos) + " bytes after the end block");
                            }
                            return;
                        }
                        default -> throw corrupt(file, at, "unknown block " + BackupBlocks.name(b.type));
                    }
                } catch (CorruptDataException e) {
                    throw corrupt(file, at, BackupBlocks.name(b.type) + " block: " + e.getMessage());
                }
                blocks++;
            }
        } catch (BackupException e) {
            throw e;
        } catch (IOException e) {
            throw new BackupException(BackupException.Reason.IO, file + ": " + e.getMessage(), e);
        }
    }

    private void requireStoreComplete(Map<String, Long> declared, Map<String, Long> received, long at) throws BackupException {
        for (Map.Entry<String, Long> e : declared.entrySet()) {
            if (!received.get(e.getKey()).equals(e.getValue())) {
                throw corrupt(file, at, "store file '" + e.getKey() + "' has " + received.get(e.getKey()) + " of " + e.getValue() + " bytes");
            }
        }
    }

    private record Block(int type, byte[] payload) {
        long length() {
            return BackupBlocks.OVERHEAD + payload.length;
        }
    }

    private static Block readBlock(FileChannel in, long pos, long size, Path file) throws IOException {
        if (size - pos < BackupBlocks.OVERHEAD) {
            throw corrupt(file, pos, "truncated: " + (size - pos) + " bytes where a block should start");
        }
        ByteBuffer head = readFully(in, pos, 5, file);
        int type = head.get(0) & 0xFF;
        int length = head.getInt(1);
        if (length < 0 || length > BackupBlocks.MAX_PAYLOAD) {
            throw corrupt(file, pos, "block length " + length + " is out of range (damaged)");
        }
        if (size - pos - BackupBlocks.OVERHEAD < length) {
            throw corrupt(file, pos, "truncated: block of " + length + " bytes runs past the end of the file");
        }
        ByteBuffer rest = readFully(in, pos + 5, length + 4, file);
        byte[] whole = new byte[5 + length];
        System.arraycopy(head.array(), 0, whole, 0, 5);
        System.arraycopy(rest.array(), 0, whole, 5, length);
        if (BackupBlocks.crc(whole, 0, whole.length) != rest.getInt(length)) {
            throw corrupt(file, pos, "block fails its CRC32C checksum");
        }
        return new Block(type, Arrays.copyOfRange(whole, 5, whole.length));
    }

    private static ByteBuffer readFully(FileChannel in, long pos, int n, Path file) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n);
        while (b.hasRemaining()) {
            if (in.read(b, pos + b.position()) < 0) {
                throw corrupt(file, pos + b.position(), "truncated");
            }
        }
        return b.flip();
    }

    static BackupException corrupt(Path file, long offset, String what) {
        return new BackupException(BackupException.Reason.CORRUPT, file + " at offset " + offset + ": " + what);
    }

    @Override
    public String toString() {
        return file.getFileName() + " (" + header.kind() + " " + header.database() + " txId " + header.startTxId() + ".." + header.endTxId() + ")";
    }

    static boolean isArtefactName(Path p) {
        String n = p.getFileName().toString();
        return n.endsWith(BackupArtefactWriter.SUFFIX) && !n.startsWith(".") && Files.isRegularFile(p);
    }
}
