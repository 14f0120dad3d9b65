package io.ccdr.node.bolt;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;

import java.util.Map;

/**
 * Packs responses of one connection (SUCCESS, RECORD, IGNORED, FAILURE), frames them in chunks
 * and writes them to the channel, from the connection's worker thread. Writes are not flushed
 * here; the connection flushes when its queue runs empty.
 */
final class BoltOutput {
    static final int SUCCESS = 0x70;
    static final int RECORD = 0x71;
    static final int IGNORED = 0x7E;
    static final int FAILURE = 0x7F;
    private static final int MAX_CHUNK = 0xFFFF;

    private final Channel channel;
    private final BoltVersion version;
    private boolean utcDateTimes;

    BoltOutput(Channel channel, BoltVersion version) {
        this.channel = channel;
        this.version = version;
        this.utcDateTimes = version.major() >= 5;
    }

    /** Bolt 4.4 with the "utc" patch: date-times go out in the Bolt 5 encoding from now on. */
    void useUtcDateTimes() {
        utcDateTimes = true;
    }

    interface Body {
        void write(PackStreamWriter w);
    }

    void success(Map<String, Object> metadata) {
        channel.write(encode(w -> {
            w.structHeader(1, SUCCESS);
            w.write(metadata);
        }, null));
    }

    void ignored() {
        channel.write(encode(w -> w.structHeader(0, IGNORED), null));
    }

    void failure(String code, String message) {
        channel.write(encode(w -> failureBody(w, code, message), null));
    }

    /** Sends a FAILURE and closes the connection once it is written. */
    void failureAndClose(String code, String message) {
        channel.writeAndFlush(encode(w -> failureBody(w, code, message), null)).addListener(ChannelFutureListener.CLOSE);
    }

    private static void failureBody(PackStreamWriter w, String code, String message) {
        w.structHeader(1, FAILURE);
        w.write(Map.of("code", code, "message", message));
    }

    /** Packs one message into a new buffer, framed in chunks of at most 65535 bytes plus the end marker. */
    ByteBuf encode(Body body, String databaseId) {
        ByteBuf out = channel.alloc().buffer();
        try {
            encodeInto(out, body, databaseId);
            return out;
        } catch (RuntimeException e) {
            out.release();
            throw e;
        }
    }

    /**
     * Packs one message and appends it, framed, to {@code out}. Packing goes to a scratch buffer
     * first, so a value that cannot be packed leaves {@code out} untouched.
     *
     * @param databaseId database identifier for element ids of graph entities, or null
     */
    void encodeInto(ByteBuf out, Body body, String databaseId) {
        ByteBuf raw = channel.alloc().buffer();
        try {
            body.write(new PackStreamWriter(raw, version, utcDateTimes, databaseId));
            int len = raw.readableBytes();
            out.ensureWritable(len + 2 * (len / MAX_CHUNK + 1) + 2);
            while (raw.isReadable()) {
                int n = Math.min(MAX_CHUNK, raw.readableBytes());
                out.writeShort(n);
                out.writeBytes(raw, n);
            }
            out.writeShort(0);
        } finally {
            raw.release();
        }
    }
}
