package io.ccdr.node.stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ccdr.node.tx.BinaryReader;
import io.ccdr.node.tx.BinaryWriter;
import io.ccdr.node.tx.ChainHash;
import io.ccdr.node.tx.CorruptDataException;
import io.ccdr.node.tx.TransactionRecord;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Payload layouts of the transaction-stream frames (big-endian; strings are varint length + UTF-8).
 * Every decoder checks lengths before allocating and fails with {@link CorruptDataException}.
 */
public final class StreamMessages {
    /** Per-record overhead in a TX_BATCH payload beyond the change-set bytes (upper bound). */
    static final int RECORD_OVERHEAD = 8 + 8 + ChainHash.LENGTH + 5;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Neo4j-style codes the stream answers with. */
    public static final String DATABASE_NOT_FOUND = "Neo.ClientError.Database.DatabaseNotFound";
    /** ccdr's own code: the reader's history is not a prefix of the server's (or the chain broke in transit). */
    public static final String LINEAGE_MISMATCH = "Neo.ClientError.Cluster.LineageMismatch";
    public static final String INVALID_REQUEST = "Neo.ClientError.Request.Invalid";
    public static final String DATABASE_UNAVAILABLE = "Neo.TransientError.General.DatabaseUnavailable";
    /**
     * A member behind the reader (just restarted, lagging its leader): try another member. The message
     * carries the member's last txId and chain hash ({@link #behind}), so the reader can tell a member
     * behind in its own history from one with another history ({@link #behindAt}).
     */
    public static final String UPSTREAM_BEHIND = "Neo.TransientError.Cluster.UpstreamBehind";

    private static final java.util.regex.Pattern BEHIND_AT = java.util.regex.Pattern.compile("history ends at (\\d+) \\(chain hash ([0-9a-f]{64})\\)");

    /** Where a member that answered {@link #UPSTREAM_BEHIND} stands. */
    public record Position(long txId, byte[] chainHash) {
    }

    /** The {@link #UPSTREAM_BEHIND} answer of a member whose history ends at {@code last} for a reader asking from {@code from}. */
    public static Frame behind(String database, long last, byte[] chainHash, long from) {
        return TransactionStreamServer.error(UPSTREAM_BEHIND, "Database '" + database + "': this member's history ends at " + last
                + " (chain hash " + ChainHash.hex(chainHash) + "), behind the reader, which asks for transactions from " + from
                + "; it may still be catching up: try another member");
    }

    /** The position an {@link #UPSTREAM_BEHIND} message names, if it names one. */
    public static java.util.Optional<Position> behindAt(String message) {
        java.util.regex.Matcher m = BEHIND_AT.matcher(message);
        return m.find() ? java.util.Optional.of(new Position(Long.parseLong(m.group(1)), java.util.HexFormat.of().parseHex(m.group(2))))
                : java.util.Optional.empty();
    }

    private StreamMessages() {
    }

    /** SUBSCRIBE: string database, int64 fromTxId, 32 bytes chain hash at fromTxId-1. */
    public record Subscribe(String database, long fromTxId, byte[] expectedChainHash) {
        public Frame toFrame() {
            return new Frame(Frame.Type.SUBSCRIBE, new BinaryWriter(64).writeString(database).writeLong(fromTxId)
                    .writeBytes(expectedChainHash).toByteArray());
        }

        public static Subscribe decode(byte[] payload) {
            BinaryReader r = new BinaryReader(payload);
            Subscribe s = new Subscribe(r.readString(), r.readLong(), r.readBytes(ChainHash.LENGTH));
            requireEnd(r);
            return s;
        }
    }

    /** HEARTBEAT: int64 lastCommittedTxId, int64 lastCommitTimeMillis (the serving member's store). */
    public record Heartbeat(long lastCommittedTxId, long lastCommitTimeMillis) {
        public Frame toFrame() {
            return new Frame(Frame.Type.HEARTBEAT, new BinaryWriter(16).writeLong(lastCommittedTxId).writeLong(lastCommitTimeMillis).toByteArray());
        }

        public static Heartbeat decode(byte[] payload) {
            BinaryReader r = new BinaryReader(payload);
            Heartbeat h = new Heartbeat(r.readLong(), r.readLong());
            requireEnd(r);
            return h;
        }
    }

    /** STORE_COPY_NEEDED: string reason, int64 firstRetainedTxId, int64 serverLastTxId. */
    public record StoreCopyNeeded(String reason, long firstRetainedTxId, long serverLastTxId) {
        public Frame toFrame() {
            return new Frame(Frame.Type.STORE_COPY_NEEDED, new BinaryWriter(64).writeString(reason).writeLong(firstRetainedTxId)
                    .writeLong(serverLastTxId).toByteArray());
        }

        public static StoreCopyNeeded decode(byte[] payload) {
            BinaryReader r = new BinaryReader(payload);
            StoreCopyNeeded s = new StoreCopyNeeded(r.readString(), r.readLong(), r.readLong());
            requireEnd(r);
            return s;
        }
    }

    /**
     * STORE_COPY: string database, string copyId ("" for a new copy), string resumeFile ("" to start at the
     * first file), int64 resumeOffset (bytes of resumeFile the reader already holds).
     */
    public record StoreCopyRequest(String database, String copyId, String resumeFile, long resumeOffset) {
        public Frame toFrame() {
            return new Frame(Frame.Type.STORE_COPY, new BinaryWriter(64).writeString(database).writeString(copyId)
                    .writeString(resumeFile).writeLong(resumeOffset).toByteArray());
        }

        public static StoreCopyRequest decode(byte[] payload) {
            BinaryReader r = new BinaryReader(payload);
            StoreCopyRequest s = new StoreCopyRequest(r.readString(), r.readString(), r.readString(), r.readLong());
            requireEnd(r);
            return s;
        }
    }

    /** One file of a store copy. */
    public record CopyFile(String name, long size) {
    }

    /**
     * STORE_COPY_BEGIN: string copyId, int64 txId, 32 bytes chain hash, int64 lastCommitTimeMillis,
     * varint file count, per file string name + int64 size (files are then sent in this order).
     */
    public record StoreCopyBegin(String copyId, long txId, byte[] chainHash, long lastCommitTimeMillis, List<CopyFile> files) {
        public Frame toFrame() {
            BinaryWriter w = new BinaryWriter(128 + files.size() * 32).writeString(copyId).writeLong(txId).writeBytes(chainHash)
                    .writeLong(lastCommitTimeMillis).writeVarInt(files.size());
            for (CopyFile f : files) {
                w.writeString(f.name()).writeLong(f.size());
            }
            return new Frame(Frame.Type.STORE_COPY_BEGIN, w.toByteArray());
        }

        public static StoreCopyBegin decode(byte[] payload) {
            BinaryReader r = new BinaryReader(payload);
            String id = r.readString();
            long txId = r.readLong();
            byte[] hash = r.readBytes(ChainHash.LENGTH);
            long time = r.readLong();
            int n = r.readVarInt();
            if ((long) n * 9 > r.remaining()) {
                throw new CorruptDataException("store copy claims " + n + " files in " + payload.length + " bytes");
            }
            List<CopyFile> files = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                files.add(new CopyFile(r.readString(), r.readLong()));
            }
            requireEnd(r);
            return new StoreCopyBegin(id, txId, hash, time, List.copyOf(files));
        }

        public long totalBytes() {
            return files.stream().mapToLong(CopyFile::size).sum();
        }
    }

    /**
     * STORE_COPY_CHUNK: string file, int64 offset, varint length + data, int64 CRC32C of data (low 32
     * bits). Decoded as a view of the frame's payload: the data is not copied again.
     */
    public record StoreCopyChunk(String file, long offset, byte[] payload, int dataStart, int length, int crc) {
        /**
         * A chunk frame with {@code length} bytes of {@code in} from {@code offset}, read straight into
         * the frame's payload.
         */
        public static Frame frame(String file, long offset, int length, FileChannel in) throws IOException {
            byte[] name = file.getBytes(StandardCharsets.UTF_8);
            byte[] head = new BinaryWriter(name.length + 24).writeString(file).writeLong(offset).writeVarInt(length).toByteArray();
            byte[] payload = new byte[head.length + length + 8];
            System.arraycopy(head, 0, payload, 0, head.length);
            ByteBuffer data = ByteBuffer.wrap(payload, head.length, length);
            while (data.hasRemaining()) {
                if (in.read(data, offset + data.position() - head.length) < 0) {
                    throw new IOException("store file " + file + " is shorter than " + (offset + length) + " bytes");
                }
            }
            java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
            crc.update(payload, head.length, length);
            ByteBuffer.wrap(payload, head.length + length, 8).putLong(crc.getValue());
            return new Frame(Frame.Type.STORE_COPY_CHUNK, payload);
        }

        public static StoreCopyChunk decode(byte[] payload) {
            BinaryReader r = new BinaryReader(payload);
            String file = r.readString();
            long offset = r.readLong();
            int length = r.readVarInt();
            int start = payload.length - r.remaining();
            if (length > r.remaining() - 8) {
                throw new CorruptDataException("chunk claims " + length + " bytes of data in " + r.remaining());
            }
            r.skip(length);
            int crc = (int) r.readLong();
            requireEnd(r);
            return new StoreCopyChunk(file, offset, payload, start, length, crc);
        }

        /** The chunk's data (a view of the payload). */
        public ByteBuffer data() {
            return ByteBuffer.wrap(payload, dataStart, length);
        }

        public boolean intact() {
            java.util.zip.CRC32C c = new java.util.zip.CRC32C();
            c.update(payload, dataStart, length);
            return (int) c.getValue() == crc;
        }
    }

    static int crc32c(byte[] data) {
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(data);
        return (int) crc.getValue();
    }

    /** ERROR: UTF-8 JSON {@code {"code": ..., "message": ...}} (the cluster port's existing error frame). */
    public record Error(String code, String message) {
        public static Error decode(byte[] payload) {
            try {
                JsonNode n = JSON.readTree(new String(payload, StandardCharsets.UTF_8));
                if (n == null || !n.hasNonNull("code")) {
                    throw new CorruptDataException("error frame without a code");
                }
                return new Error(n.get("code").asText(), n.path("message").asText(""));
            } catch (IOException e) {
                throw new CorruptDataException("error frame is not JSON: " + e.getMessage());
            }
        }
    }

    /** TX_BATCH: varint count, then per record int64 txId, int64 commitTime, 32 bytes chain hash, varint length + change-set bytes. */
    public static byte[] encodeBatch(List<TransactionRecord> records) {
        int size = 5;
        for (TransactionRecord r : records) {
            size += RECORD_OVERHEAD + r.changeSetBytes().length;
        }
        BinaryWriter w = new BinaryWriter(size).writeVarInt(records.size());
        for (TransactionRecord r : records) {
            w.writeLong(r.txId()).writeLong(r.commitTimeMillis()).writeBytes(r.chainHash())
                    .writeVarInt(r.changeSetBytes().length).writeBytes(r.changeSetBytes());
        }
        return w.toByteArray();
    }

    public static List<TransactionRecord> decodeBatch(byte[] payload) {
        BinaryReader r = new BinaryReader(payload);
        int n = r.readVarInt();
        if ((long) n * (8 + 8 + ChainHash.LENGTH + 1) > r.remaining()) { // bound the list before allocating it
            throw new CorruptDataException("batch claims " + n + " records in " + payload.length + " bytes");
        }
        List<TransactionRecord> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            long txId = r.readLong();
            long time = r.readLong();
            byte[] hash = r.readBytes(ChainHash.LENGTH);
            byte[] cs = r.readBytes(r.readVarInt());
            out.add(new TransactionRecord(txId, time, hash, cs));
        }
        requireEnd(r);
        return out;
    }

    private static void requireEnd(BinaryReader r) {
        if (r.remaining() != 0) {
            throw new CorruptDataException(r.remaining() + " unexpected trailing bytes");
        }
    }

    /**
     * The wire form of {@code frame} as a buffer. Writers that care about back-pressure write this
     * instead of the {@link Frame} object so Netty counts the real size against the channel's
     * write-buffer water marks at once (a Frame object is counted as a few bytes until encoded).
     */
    public static ByteBuf wire(Frame frame) {
        byte[] p = frame.payload();
        ByteBuf header = Unpooled.buffer(6, 6).writeInt(p.length + 6).writeByte(Frame.VERSION).writeByte(frame.type());
        ByteBuf trailer = Unpooled.buffer(4, 4).writeInt(Frame.checksum(Frame.VERSION, frame.type(), p));
        return Unpooled.wrappedBuffer(header, Unpooled.wrappedBuffer(p), trailer);
    }
}
