package io.ccdr.node.bolt;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The first handler after TLS: reads the magic preamble {@code 60 60 B0 17} and four version
 * proposals, answers with the chosen version (or zeros, then closes) and replaces itself with the
 * message pipeline. It also enforces the handshake timeout, which covers the TLS handshake too
 * because the timer starts when the channel becomes active.
 */
final class BoltHandshakeHandler extends ByteToMessageDecoder {
    private static final Logger LOG = LoggerFactory.getLogger(BoltHandshakeHandler.class);
    static final int MAGIC = 0x6060B017;

    private final BoltServer.Shared shared;
    private ScheduledFuture<?> timeout;
    private boolean done;

    BoltHandshakeHandler(BoltServer.Shared shared) {
        this.shared = shared;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        long millis = shared.config().handshakeTimeout().toMillis();
        timeout = ctx.executor().schedule(() -> {
            if (!done && ctx.channel().isActive()) {
                LOG.info("Closing connection from {}: no Bolt handshake within {} ms", ctx.channel().remoteAddress(),
                        millis);
                done = true;
                ctx.close();
            }
        }, millis, TimeUnit.MILLISECONDS);
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) {
        if (timeout != null) {
            timeout.cancel(false);
        }
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (done) {
            in.skipBytes(in.readableBytes());
            return;
        }
        int prefix = Math.min(4, in.readableBytes());
        for (int i = 0; i < prefix; i++) {
            if (in.getUnsignedByte(in.readerIndex() + i) != ((MAGIC >>> (24 - 8 * i)) & 0xFF)) {
                reject(ctx, in);
                return;
            }
        }
        if (in.readableBytes() < 20) {
            return;
        }
        in.skipBytes(4);
        int[] proposals = new int[4];
        for (int i = 0; i < 4; i++) {
            proposals[i] = in.readInt();
        }
        done = true;
        BoltVersion version = BoltVersion.negotiate(proposals);
        if (version == null) {
            LOG.info("Closing connection from {}: no common Bolt version in proposals {}", ctx.channel().remoteAddress(),
                    describe(proposals));
            ctx.writeAndFlush(ctx.alloc().buffer(4).writeInt(0)).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        ctx.writeAndFlush(ctx.alloc().buffer(4).writeInt(version.encode()));
        BoltMessageDecoder decoder = new BoltMessageDecoder(version, shared.config().maxMessageSize(),
                shared.config().maxNestingDepth());
        ctx.pipeline().addAfter(ctx.name(), "bolt-decoder", decoder);
        ctx.pipeline().addAfter("bolt-decoder", "bolt-connection",
                new BoltConnectionHandler(shared, version));
        // Removing a ByteToMessageDecoder hands any bytes already received (a pipelined HELLO) to the next handler.
        ctx.pipeline().remove(this);
    }

    private void reject(ChannelHandlerContext ctx, ByteBuf in) {
        done = true;
        int n = Math.min(in.readableBytes(), 16);
        byte[] head = new byte[n];
        in.getBytes(in.readerIndex(), head);
        in.skipBytes(in.readableBytes());
        String text = new String(head, StandardCharsets.US_ASCII);
        String kind = java.util.stream.Stream.of("GET ", "POST ", "PUT ", "HEAD ", "DELETE ", "OPTIONS ", "PATCH ",
                "CONNECT ").anyMatch(text::startsWith) ? "an HTTP request on the Bolt port"
                : n >= 2 && head[0] == 0x16 && head[1] == 0x03 ? "a TLS handshake, but TLS is not enabled for Bolt"
                : "not a Bolt handshake";
        LOG.info("Closing connection from {}: {} (first bytes {})", ctx.channel().remoteAddress(), kind,
                io.netty.buffer.ByteBufUtil.hexDump(head));
        ctx.close();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Throwable root = cause.getCause() != null ? cause.getCause() : cause;
        if (root instanceof NotSslRecordException || cause instanceof NotSslRecordException) {
            LOG.info("Closing connection from {}: plaintext client but TLS is required", ctx.channel().remoteAddress());
        } else {
            LOG.info("Closing connection from {} during handshake: {}", ctx.channel().remoteAddress(), root.toString());
        }
        done = true;
        ctx.close();
    }

    private static String describe(int[] proposals) {
        StringBuilder sb = new StringBuilder("[");
        for (int p : proposals) {
            if (sb.length() > 1) {
                sb.append(", ");
            }
            sb.append(String.format("0x%08X", p));
        }
        return sb.append(']').toString();
    }
}
