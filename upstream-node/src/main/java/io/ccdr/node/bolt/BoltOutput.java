package io.ccdr.node.bolt;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;

import java.util.Map;

/**
 * Packs responses of one connection (SUCCESS, RECORD, IGNORED, FAILURE) and frames them in chunks,
 * on the connection's worker thread. Responses accumulate in one buffer and go to the channel
 * together ({@link #write}, {@link #flush}): the answers to a pipelined BEGIN+RUN+PULL leave as one
 * write and one flush, not as one buffer, one event-loop task and one recycled write per message.
 * Confined to the connection's (single) running drain, except {@link #failureAndClose} when no
 * drain runs.
 */
final class BoltOutput {
    static final int SUCCESS = 0x70;
    static final int RECORD = 0x71;
    static final int IGNORED = 0x7E;
    static final int FAILURE = 0x7F;
    private static final int MAX_CHUNK = 0xFFFF;
    /** Pending responses beyond this are handed to the channel at once (a long result does not pile up here). */
    private static final int WRITE_AT = 32 * 1024;

    private final Channel channel;
    private final BoltVersion version;
    private boolean utcDateTimes;
    private ByteBuf pending;

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
        append(w -> {
            w.structHeader(1, SUCCESS);
            w.write(metadata);
        });
    }

    void ignored() {
        append(w -> w.structHeader(0, IGNORED));
    }

    void failure(String code, String message) {
        append(w -> failureBody(w, code, message));
    }

    /** Sends what is pending, then a FAILURE, and closes the connection once it is written. */
    void failureAndClose(String code, String message) {
        failure(code, message);
        ByteBuf last = pending;
        pending = null;
        channel.writeAndFlush(last).addListener(ChannelFutureListener.CLOSE);
    }

    private static void failureBody(PackStreamWriter w, String code, String message) {
        w.structHeader(1, FAILURE);
        w.write(Map.of("code", code, "message", message));
    }

    private void append(Body body) {
        if (pending == null) {
            pending = channel.alloc().buffer(256);
        }
        encodeInto(pending, body, null);
        if (pending.readableBytes() >= WRITE_AT) {
            write();
        }
    }

    /** Hands the pending responses to the channel, without flushing (keeps their order with later writes). */
    void write() {
        ByteBuf p = pending;
        pending = null;
        if (p != null) {
            if (p.isReadable()) {
                channel.write(p);
            } else {
                p.release();
            }
        }
    }

    /** Writes the pending responses and flushes the channel. */
    void flush() {
        write();
        channel.flush();
    }

    /**
     * Packs one message and appends it, framed, to {@code out}. A value that cannot be packed leaves
     * {@code out} as it was.
     *
     * @param databaseId database identifier for element ids of graph entities, or null
     */
    void encodeInto(ByteBuf out, Body body, String databaseId) {
        int start = out.writerIndex();
        try {
            out.writeShort(0); // the chunk header, set once the length is known
            body.write(new PackStreamWriter(out, version, utcDateTimes, databaseId));
            int len = out.writerIndex() - start - 2;
            if (len <= MAX_CHUNK) {
                out.setShort(start, len);
                out.writeShort(0);
                return;
            }
            // longer than one chunk (rare): frame it again from a copy
            ByteBuf raw = channel.alloc().buffer(len);
            try {
                raw.writeBytes(out, start + 2, len);
                out.writerIndex(start);
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
        } catch (RuntimeException e) {
            out.writerIndex(start);
            throw e;
        }
    }
}
