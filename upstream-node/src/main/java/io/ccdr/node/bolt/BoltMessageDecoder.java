package io.ccdr.node.bolt;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;

import java.util.List;
import java.util.Map;

/**
 * Reassembles chunked Bolt messages and decodes them into {@link BoltRequest}s, on the event loop.
 *
 * <p>A message is a sequence of chunks ({@code u16 size} + bytes, size 1..65535) ended by a
 * zero-size chunk; a zero-size chunk outside a message is a NOOP (keep-alive). The size limit is
 * checked against each chunk header before its bytes are buffered, so an oversized message costs
 * at most one chunk of memory: its remaining chunks are skipped as they arrive, and the client
 * gets a FAILURE once its end marker is seen. After a fatal decoding error the decoder swallows
 * everything, since the connection is being closed.
 */
final class BoltMessageDecoder extends ByteToMessageDecoder {
    private static final int MAX_CHUNK = 0xFFFF;
    /** Decoded values may take this many times the message limit on the heap (see PackStreamReader). */
    static final int HEAP_FACTOR = 16;

    /** A decoded request with the estimated heap its values take, for the connection's queue accounting. */
    record Decoded(BoltRequest request, long heapCost) {
    }

    private final BoltVersion version;
    private final int maxMessageSize;
    private final int maxDepth;
    /** Bolt 5, or Bolt 4.4 once HELLO asked for the "utc" patch: date-times as UTC seconds. */
    private boolean utcDateTimes;

    private ByteBuf message;
    private boolean discarding;
    private long discardedBytes;
    private int skipInChunk;
    private boolean dead;

    BoltMessageDecoder(BoltVersion version, int maxMessageSize, int maxDepth) {
        this.version = version;
        this.maxMessageSize = maxMessageSize;
        this.maxDepth = maxDepth;
        this.utcDateTimes = version.major() >= 5;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        while (true) {
            if (dead) {
                in.skipBytes(in.readableBytes());
                return;
            }
            if (skipInChunk > 0) {
                int n = Math.min(skipInChunk, in.readableBytes());
                in.skipBytes(n);
                skipInChunk -= n;
                if (skipInChunk > 0) {
                    return;
                }
            }
            if (in.readableBytes() < 2) {
                return;
            }
            int size = in.getUnsignedShort(in.readerIndex());
            if (size == 0) {
                in.skipBytes(2);
                if (discarding) {
                    discarding = false;
                    out.add(new Decoded(new BoltRequest.Malformed(new BoltProtocolException(
                            BoltProtocolException.INVALID, "Message of " + discardedBytes
                            + "+ bytes exceeds the limit of " + maxMessageSize + " bytes", true)), 0));
                    dead = true;
                } else if (message != null) {
                    ByteBuf complete = message;
                    message = null;
                    try {
                        out.add(decodeMessage(complete));
                    } finally {
                        complete.release();
                    }
                }
                continue; // a zero chunk without a message is a NOOP
            }
            if (discarding) {
                in.skipBytes(2);
                skipInChunk = size;
                discardedBytes += size;
                continue;
            }
            int current = message == null ? 0 : message.readableBytes();
            if ((long) current + size > maxMessageSize) {
                if (message != null) {
                    message.release();
                    message = null;
                }
                discarding = true;
                discardedBytes = (long) current + size;
                in.skipBytes(2);
                skipInChunk = size;
                continue;
            }
            if (in.readableBytes() < 2 + size) {
                return; // wait for the whole chunk (at most 64 KiB)
            }
            in.skipBytes(2);
            if (message == null) {
                message = ctx.alloc().buffer(Math.min(size, MAX_CHUNK));
            }
            message.writeBytes(in, size);
        }
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) {
        if (message != null) {
            message.release();
            message = null;
        }
    }

    private Decoded decodeMessage(ByteBuf buf) {
        PackStreamReader reader = new PackStreamReader(buf, maxDepth, utcDateTimes, (long) HEAP_FACTOR * maxMessageSize);
        try {
            BoltRequest request = decode(reader);
            if (buf.isReadable()) {
                throw BoltProtocolException.malformed(request.name() + " message has " + buf.readableBytes()
                        + " trailing bytes");
            }
            return new Decoded(request, reader.heapUsed());
        } catch (BoltProtocolException e) {
            if (e.fatal()) {
                dead = true;
            }
            return new Decoded(new BoltRequest.Malformed(e), 0);
        }
    }

    private BoltRequest decode(PackStreamReader r) {
        int header = r.readStructHeader();
        int fields = header >>> 8;
        int tag = header & 0xFF;
        switch (tag) {
            case 0x01: {
                expect("HELLO", fields, 1);
                Map<String, Object> extra = r.readMap();
                // Decided here, in stream order, so that a request pipelined right behind HELLO is
                // already decoded with the patched encoding (the connection answers the same way).
                if (version.major() == 4 && extra.get("patch_bolt") instanceof List<?> patches && patches.contains("utc")) {
                    utcDateTimes = true;
                }
                return new BoltRequest.Hello(extra);
            }
            case 0x02:
                expect("GOODBYE", fields, 0);
                return new BoltRequest.Goodbye();
            case 0x0F:
                expect("RESET", fields, 0);
                return new BoltRequest.Reset();
            case 0x10: {
                expect("RUN", fields, 3);
                String query = r.readString();
                Map<String, Object> params = r.readMap();
                return new BoltRequest.Run(query, params, r.readMap());
            }
            case 0x11:
                expect("BEGIN", fields, 1);
                return new BoltRequest.Begin(r.readMap());
            case 0x12:
                expect("COMMIT", fields, 0);
                return new BoltRequest.Commit();
            case 0x13:
                expect("ROLLBACK", fields, 0);
                return new BoltRequest.Rollback();
            case 0x2F:
                expect("DISCARD", fields, 1);
                return new BoltRequest.Pull(true, r.readMap());
            case 0x3F:
                expect("PULL", fields, 1);
                return new BoltRequest.Pull(false, r.readMap());
            case 0x66: {
                expect("ROUTE", fields, 3);
                Map<String, Object> routing = r.readMap();
                Object bookmarks = r.readValue();
                if (!(bookmarks instanceof List<?> || bookmarks == null)) {
                    throw BoltProtocolException.malformed("ROUTE bookmarks must be a list");
                }
                @SuppressWarnings("unchecked")
                List<Object> list = bookmarks == null ? List.of() : (List<Object>) bookmarks;
                return new BoltRequest.Route(routing, list, r.readMap());
            }
            case 0x6A:
                if (version.separateLogon()) {
                    expect("LOGON", fields, 1);
                    return new BoltRequest.Logon(r.readMap());
                }
                break;
            case 0x6B:
                if (version.separateLogon()) {
                    expect("LOGOFF", fields, 0);
                    return new BoltRequest.Logoff();
                }
                break;
            case 0x54:
                if (version.telemetry()) {
                    expect("TELEMETRY", fields, 1);
                    return new BoltRequest.Telemetry(r.readValue());
                }
                break;
            default:
                break;
        }
        throw BoltProtocolException.malformed(String.format("unknown message 0x%02X for Bolt %s", tag, version));
    }

    private static void expect(String name, int actual, int expected) {
        if (actual != expected) {
            throw BoltProtocolException.malformed(name + " must have " + expected + " fields, got " + actual);
        }
    }
}
