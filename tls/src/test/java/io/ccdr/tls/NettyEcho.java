package io.ccdr.tls;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.netty.handler.codec.string.StringDecoder;
import io.netty.handler.codec.string.StringEncoder;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A line-echo server and client over an SslPolicy's pipeline handlers, for real handshakes on loopback. */
public final class NettyEcho implements AutoCloseable {
    private final EventLoopGroup group = new NioEventLoopGroup(2);

    public Server server(SslPolicy policy) throws InterruptedException {
        Server server = new Server();
        Channel channel = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        policy.installServer(ch.pipeline());
                        ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                            @Override
                            public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
                                if (evt instanceof SslHandshakeCompletionEvent e) {
                                    server.handshakes.add(e);
                                }
                                super.userEventTriggered(ctx, evt);
                            }
                        });
                        ch.pipeline().addLast(new LineBasedFrameDecoder(1024),
                                new StringDecoder(StandardCharsets.UTF_8), new StringEncoder(StandardCharsets.UTF_8),
                                new SimpleChannelInboundHandler<String>() {
                                    @Override
                                    protected void channelRead0(ChannelHandlerContext ctx, String msg) {
                                        ctx.writeAndFlush("echo:" + msg + "\n");
                                    }
                                });
                    }
                })
                .bind("127.0.0.1", 0).sync().channel();
        server.channel = channel;
        return server;
    }

    /** A client presenting the policy's certificate (installClient: SslHandler + RevocationEnforcer). */
    public Client client(SslPolicy policy, String host, int port) throws InterruptedException {
        return connect(host, port, ch -> policy.installClient(ch.pipeline(), host, port));
    }

    /** A client with an arbitrary SslContext and no enforcer (e.g. one that presents no certificate). */
    public Client client(SslContext context, String host, int port) throws InterruptedException {
        return connect(host, port, ch -> ch.pipeline().addFirst("ssl", context.newHandler(ch.alloc(), host, port)));
    }

    private Client connect(String host, int port, java.util.function.Consumer<SocketChannel> tls)
            throws InterruptedException {
        Client client = new Client();
        Channel channel = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        tls.accept(ch);
                        ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                            @Override
                            public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
                                if (evt instanceof SslHandshakeCompletionEvent e) {
                                    client.handshake.complete(e);
                                }
                                super.userEventTriggered(ctx, evt);
                            }

                            @Override
                            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                ctx.close();
                            }
                        });
                        ch.pipeline().addLast(new LineBasedFrameDecoder(1024),
                                new StringDecoder(StandardCharsets.UTF_8), new StringEncoder(StandardCharsets.UTF_8),
                                new SimpleChannelInboundHandler<String>() {
                                    @Override
                                    protected void channelRead0(ChannelHandlerContext ctx, String msg) {
                                        client.lines.add(msg);
                                    }
                                });
                    }
                })
                .connect(new InetSocketAddress(host, port)).sync().channel();
        client.channel = channel;
        return client;
    }

    @Override
    public void close() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    public static final class Server implements AutoCloseable {
        public final BlockingQueue<SslHandshakeCompletionEvent> handshakes = new LinkedBlockingQueue<>();
        public Channel channel;

        public int port() {
            return ((InetSocketAddress) channel.localAddress()).getPort();
        }

        @Override
        public void close() {
            channel.close().syncUninterruptibly();
        }
    }

    public static final class Client implements AutoCloseable {
        public final CompletableFuture<SslHandshakeCompletionEvent> handshake = new CompletableFuture<>();
        public final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        public Channel channel;

        /** Sends a line and returns the echo, or null if none arrived within 5 s (refused / closed). */
        public String roundTrip(String line) throws InterruptedException {
            channel.writeAndFlush(line + "\n");
            return lines.poll(5, TimeUnit.SECONDS);
        }

        public boolean awaitClosed() {
            return channel.closeFuture().awaitUninterruptibly(5, TimeUnit.SECONDS);
        }

        @Override
        public void close() {
            channel.close().syncUninterruptibly();
        }
    }
}
