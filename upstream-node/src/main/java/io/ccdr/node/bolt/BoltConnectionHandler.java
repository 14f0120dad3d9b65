package io.ccdr.node.bolt;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;

/**
 * Event-loop side of a Bolt connection: hands decoded requests to the {@link BoltConnection}
 * (which runs them on the worker pool, in order) and reports channel events to it. Nothing here
 * blocks.
 */
final class BoltConnectionHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(BoltConnectionHandler.class);

    private final BoltServer.Shared shared;
    private final BoltVersion version;
    private BoltConnection connection;

    BoltConnectionHandler(BoltServer.Shared shared, BoltVersion version) {
        this.shared = shared;
        this.version = version;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        connection = new BoltConnection(shared, ctx.channel(), version);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof BoltMessageDecoder.Decoded decoded) {
            connection.submit(decoded.request(), decoded.heapCost());
        } else {
            ctx.fireChannelRead(msg);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        connection.submit(new BoltRequest.Closed(), 0);
        ctx.fireChannelInactive();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        connection.writabilityChanged();
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Throwable root = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        if (root instanceof IOException) {
            LOG.debug("Bolt connection {} from {}: {}", connection.id(), ctx.channel().remoteAddress(), root.toString());
        } else {
            LOG.warn("Bolt connection {} from {} closed after an unexpected error", connection.id(),
                    ctx.channel().remoteAddress(), root);
        }
        ctx.close();
    }
}
