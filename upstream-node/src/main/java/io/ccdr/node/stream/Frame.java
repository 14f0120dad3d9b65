package io.ccdr.node.stream;

import java.util.zip.CRC32C;

/**
 * One message on the cluster port ({@code server.cluster.listen_address}):
 * <pre>
 *   int32  length     bytes that follow (version .. checksum)
 *   uint8  version    {@link #VERSION}
 *   uint8  type       see {@link Type}
 *   bytes  payload
 *   int32  checksum   CRC32C over version, type and payload
 * </pre>
 * The length is checked against {@link #MAX_LENGTH} before anything is allocated.
 */
public record Frame(int type, byte[] payload) {
    public static final int VERSION = 1;
    /** Room for one transaction of server.cluster.max_transaction_size's maximum (120 MiB) and its framing. */
    public static final int MAX_LENGTH = 128 << 20;

    /** Frame types. Requests are odd, their responses the next even number. */
    public static final class Type {
        public static final int DISCOVER = 1, DISCOVER_REPLY = 2;
        public static final int STATUS = 3, STATUS_REPLY = 4;
        /**
         * Transaction stream (docs/design/transaction-stream.md). SUBSCRIBE turns the connection into a
         * one-way stream of TX_BATCH and HEARTBEAT frames, ended by STORE_COPY_NEEDED or ERROR.
         */
        public static final int SUBSCRIBE = 5, TX_BATCH = 6, HEARTBEAT = 8, STORE_COPY_NEEDED = 10;
        /** Store copy: STORE_COPY opens a stream of STORE_COPY_BEGIN, STORE_COPY_CHUNK..., STORE_COPY_END (or ERROR). */
        public static final int STORE_COPY = 7, STORE_COPY_BEGIN = 12, STORE_COPY_CHUNK = 14, STORE_COPY_END = 16;
        /** Fencing: make a database read-only because a replica of it was promoted elsewhere (payload: JSON). */
        public static final int FENCE = 20, FENCE_REPLY = 21;
        public static final int ERROR = 127;

        private Type() {
        }
    }

    static int checksum(int version, int type, byte[] payload) {
        CRC32C crc = new CRC32C();
        crc.update(version);
        crc.update(type);
        crc.update(payload);
        return (int) crc.getValue();
    }
}
