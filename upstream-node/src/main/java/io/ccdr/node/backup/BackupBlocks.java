package io.ccdr.node.backup;

import io.ccdr.node.tx.CorruptDataException;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * The block layer of an artefact file (docs/design/backup.md): after an 8-byte magic, blocks of
 * {@code uint8 type, int32 length, payload, int32 CRC32C(type, length, payload)}, big-endian. The
 * CRC covers the length too, so a damaged length is caught before it is trusted for more than the
 * bounds check.
 */
final class BackupBlocks {
    static final byte[] MAGIC = "CCDRBKP\n".getBytes(StandardCharsets.US_ASCII);
    static final int HEADER = 1, STORE_FILE = 2, STORE_DATA = 3, TRANSACTIONS = 4, END = 5;
    static final int OVERHEAD = 1 + 4 + 4;
    /** No block is larger (a store chunk is 1 MiB, a transaction block at most 4 MiB plus one oversized change set). */
    static final int MAX_PAYLOAD = 256 << 20;

    private BackupBlocks() {
    }

    static String name(int type) {
        return switch (type) {
            case HEADER -> "header";
            case STORE_FILE -> "store file";
            case STORE_DATA -> "store data";
            case TRANSACTIONS -> "transactions";
            case END -> "end";
            default -> "type " + type;
        };
    }

    /** The whole block as it goes to disk. */
    static ByteBuffer encode(int type, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(OVERHEAD + payload.length);
        b.put((byte) type).putInt(payload.length).put(payload);
        b.putInt(crc(b.array(), 0, 5 + payload.length));
        return b.flip();
    }

    static int crc(byte[] data, int offset, int length) {
        CRC32C c = new CRC32C();
        c.update(data, offset, length);
        return (int) c.getValue();
    }

    /** Deflated payload: int32 raw length, then the deflate stream (only blocks with bulk data are compressed). */
    static byte[] deflate(byte[] raw) {
        Deflater d = new Deflater(Deflater.BEST_SPEED);
        try {
            d.setInput(raw);
            d.finish();
            ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length / 2 + 64);
            out.writeBytes(ByteBuffer.allocate(4).putInt(raw.length).array());
            byte[] buf = new byte[64 << 10];
            while (!d.finished()) {
                out.write(buf, 0, d.deflate(buf));
            }
            return out.toByteArray();
        } finally {
            d.end();
        }
    }

    static byte[] inflate(byte[] stored) {
        if (stored.length < 4) {
            throw new CorruptDataException("compressed block shorter than its length prefix");
        }
        int rawLength = ByteBuffer.wrap(stored).getInt();
        if (rawLength < 0 || rawLength > MAX_PAYLOAD) {
            throw new CorruptDataException("compressed block claims " + rawLength + " bytes");
        }
        Inflater i = new Inflater();
        try {
            i.setInput(stored, 4, stored.length - 4);
            byte[] raw = new byte[rawLength];
            int n = 0;
            while (n < rawLength && !i.finished()) {
                int got = i.inflate(raw, n, rawLength - n);
                if (got == 0 && (i.needsInput() || i.needsDictionary())) {
                    break;
                }
                n += got;
            }
            if (n != rawLength || !i.finished()) {
                throw new CorruptDataException("compressed block inflates to " + n + " bytes, expected " + rawLength);
            }
            return raw;
        } catch (DataFormatException e) {
            throw new CorruptDataException("compressed block does not inflate: " + e.getMessage());
        } finally {
            i.end();
        }
    }
}
