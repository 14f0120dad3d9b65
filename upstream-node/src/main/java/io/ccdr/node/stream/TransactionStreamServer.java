package io.ccdr.node.stream;

import io.ccdr.node.config.HostPort;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.ccdr.tls.SslPolicy;
import io.netty.handler.timeout.ReadTimeoutHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The server on the cluster port. Peers discover each other through it and ask for status; the
 * transaction stream (subscriptions, store copy) is served here too. Requests are dispatched by
 * frame type to registered handlers; a garbage frame closes that connection with one log line and
 * nothing else.
 */
public final class TransactionStreamServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TransactionStreamServer.class);

    private final Map<Integer, Function<byte[], Frame>> handlers = new ConcurrentHashMap<>();
    private final Map<Integer, StreamHandler> streamHandlers = new ConcurrentHashMap<>();
    private final EventLoopGroup boss = new NioEventLoopGroup(1, new DefaultThreadFactory("ccdr-cluster-accept", true));
    private final EventLoopGroup workers = new NioEventLoopGroup(2, new DefaultThreadFactory("ccdr-cluster-io", true));
    private Channel channel;

    /** Registers the handler for request frames of {@code type}; it returns the reply frame. */
    public void handle(int type, Function<byte[], Frame> handler) {
        handlers.put(type, handler);
    }

    /**
     * A request that turns its connection into a server-driven stream (a subscription): the handler
     * owns the channel from then on and writes to it at its own pace. Any further inbound frame on
     * that connection is a protocol violation and closes it.
     */
    public interface StreamHandler {
        /** Called on the event loop; must not block. Returns the session told about writability and close. */
        StreamSession open(Channel channel, byte[] payload);
    }

    /** Events of a streaming connection, delivered on its event loop. */
    public interface StreamSession {
        void writabilityChanged();

        void closed();
    }

    /** Registers the handler for stream-opening request frames of {@code type}. */
    public void handleStream(int type, StreamHandler handler) {
        streamHandlers.put(type, handler);
    }

    public void start(HostPort listen, SslPolicy tls) throws InterruptedException {
        ServerBootstrap b = new ServerBootstrap().group(boss, workers).channel(NioServerSocketChannel.class)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (tls != null) {
                            tls.installServer(ch.pipeline()); // mutual TLS; no plaintext fallback
                        }
                        ch.pipeline().addLast(new ReadTimeoutHandler(120));
                        ch.pipeline().addLast(new FrameCodec());
                        ch.pipeline().addLast(new RequestHandler());
                    }
                });
        channel = b.bind(new InetSocketAddress(listen.host(), listen.port())).sync().channel();
    }

    public int boundPort() {
        return ((InetSocketAddress) channel.localAddress()).getPort();
    }

    private final class RequestHandler extends SimpleChannelInboundHandler<Frame> {
        private StreamSession session;
        private boolean closing;

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Frame frame) {
            if (session != null) {
                LOG.warn("closing cluster stream connection from {}: unexpected frame type {} on a stream", ctx.channel().remoteAddress(), frame.type());
                ctx.close();
                return;
            }
            StreamHandler sh = streamHandlers.get(frame.type());
            if (sh != null) {
                // a subscriber sends nothing after its request: the idle-read timeout no longer applies
                if (ctx.pipeline().get(ReadTimeoutHandler.class) != null) {
                    ctx.pipeline().remove(ReadTimeoutHandler.class);
                }
                try {
                    session = sh.open(ctx.channel(), frame.payload());
                } catch (RuntimeException e) {
                    LOG.warn("cluster stream request type {} from {} failed: {}", frame.type(), ctx.channel().remoteAddress(), e.toString());
                    ctx.writeAndFlush(error("Neo.DatabaseError.General.UnknownError", String.valueOf(e.getMessage())))
                            .addListener(io.netty.channel.ChannelFutureListener.CLOSE);
                }
                return;
            }
            Function<byte[], Frame> h = handlers.get(frame.type());
            Frame reply;
            if (h == null) {
                reply = error("Neo.ClientError.Request.Invalid", "unknown request type " + frame.type());
            } else {
                try {
                    reply = h.apply(frame.payload());
                } catch (RuntimeException e) {
                    LOG.warn("cluster request type {} from {} failed: {}", frame.type(), ctx.channel().remoteAddress(), e.toString());
                    reply = error("Neo.DatabaseError.General.UnknownError", String.valueOf(e.getMessage()));
                }
            }
            ctx.writeAndFlush(reply);
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
            if (session != null) {
                session.writabilityChanged();
            }
            super.channelWritabilityChanged(ctx);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            if (session != null) {
                session.closed();
            }
            super.channelInactive(ctx);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (!ctx.channel().isActive() || closing) {
                return; // the decoder reports the same garbage again while the channel closes: one line is enough
            }
            closing = true;
            LOG.warn("closing cluster connection from {}: {}", ctx.channel().remoteAddress(), rootMessage(cause));
            ctx.close();
        }
    }

    static String rootMessage(Throwable t) {
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName() + ": " + t.getMessage();
    }

    public static Frame error(String code, String message) {
        String json = "{\"code\":\"" + code + "\",\"message\":\"" + message.replace("\\", "\\\\").replace("\"", "\\\"") + "\"}";
        return new Frame(Frame.Type.ERROR, json.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void close() {
        if (channel != null) {
            channel.close().syncUninterruptibly();
        }
        boss.shutdownGracefully(0, 2, java.util.concurrent.TimeUnit.SECONDS);
        workers.shutdownGracefully(0, 2, java.util.concurrent.TimeUnit.SECONDS);
    }
}
