package io.ccdr.cli.tls;

import io.ccdr.tls.PeerRefusal;
import io.ccdr.tls.SslPolicy;
import io.ccdr.tls.SslPolicyConfig;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two clusters with their own CAs: a node of B cannot talk to a node of A until each side's trusted/ holds the
 * other's CA (added with {@code ccdr tls trust}); then it can, without restarting either side.
 */
class CrossClusterTrustTest {
    @TempDir
    Path tmp;

    @Test
    void handshakeFailsUntilBothSidesTrustTheOtherCaThenSucceedsWithoutRestart() throws Exception {
        Path caA = tmp.resolve("ca-a");
        Path caB = tmp.resolve("ca-b");
        Path serverDir = tmp.resolve("a-1");
        Path clientDir = tmp.resolve("b-1");
        ok("init-ca", "--name", "cluster-a", "--out", caA.toString());
        ok("init-ca", "--name", "cluster-b", "--out", caB.toString());
        ok("issue", "--ca", caA.toString(), "--name", "a-1", "--san", "127.0.0.1", "--out", serverDir.toString());
        ok("issue", "--ca", caB.toString(), "--name", "b-1", "--san", "127.0.0.1", "--out", clientDir.toString());

        Duration poll = Duration.ofMillis(200);
        EventLoopGroup group = new NioEventLoopGroup(2);
        List<PeerRefusal> serverRefusals = new CopyOnWriteArrayList<>();
        List<PeerRefusal> clientRefusals = new CopyOnWriteArrayList<>();
        try (SslPolicy server = SslPolicy.load(SslPolicyConfig.forDirectory("cluster", serverDir), poll);
             SslPolicy client = SslPolicy.load(SslPolicyConfig.forDirectory("cluster", clientDir), poll)) {
            server.addRefusalListener(serverRefusals::add);
            client.addRefusalListener(clientRefusals::add);
            Channel listener = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            server.installServer(ch.pipeline());
                            ch.pipeline().addLast(new LineBasedFrameDecoder(256),
                                    new StringDecoder(StandardCharsets.UTF_8), new StringEncoder(StandardCharsets.UTF_8),
                                    new SimpleChannelInboundHandler<String>() {
                                        @Override
                                        protected void channelRead0(ChannelHandlerContext ctx, String msg) {
                                            ctx.writeAndFlush("echo:" + msg + "\n");
                                        }
                                    });
                        }
                    }).bind("127.0.0.1", 0).sync().channel();
            int port = ((InetSocketAddress) listener.localAddress()).getPort();

            // Neither side trusts the other: the client refuses the server's certificate.
            assertThat(roundTrip(group, client, port)).isNull();
            assertThat(clientRefusals).singleElement()
                    .satisfies(r -> assertThat(r.reason()).contains("not issued by a trusted CA"));

            // Only the client trusts A now: the server refuses the client's certificate.
            ok("trust", "--policy", clientDir.toString(), "--ca-cert", caA.resolve("ca.crt").toString());
            awaitTrue(Duration.ofSeconds(10), () -> client.trustedCertificates().size() == 2);
            assertThat(roundTrip(group, client, port)).isNull();
            assertThat(serverRefusals).singleElement()
                    .satisfies(r -> assertThat(r.subject()).isEqualTo("CN=b-1"));

            // Both trust each other: works, same processes, same SslContexts.
            ok("trust", "--policy", serverDir.toString(), "--ca-cert", caB.resolve("ca.crt").toString());
            awaitTrue(Duration.ofSeconds(10), () -> server.trustedCertificates().size() == 2);
            assertThat(roundTrip(group, client, port)).isEqualTo("echo:ping");
            listener.close().sync();
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    private static String roundTrip(EventLoopGroup group, SslPolicy policy, int port) throws Exception {
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Channel ch = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel c) {
                        policy.installClient(c.pipeline(), "127.0.0.1", port);
                        c.pipeline().addLast(new LineBasedFrameDecoder(256),
                                new StringDecoder(StandardCharsets.UTF_8), new StringEncoder(StandardCharsets.UTF_8),
                                new SimpleChannelInboundHandler<String>() {
                                    @Override
                                    protected void channelRead0(ChannelHandlerContext ctx, String msg) {
                                        lines.add(msg);
                                    }
                                });
                    }
                }).connect("127.0.0.1", port).sync().channel();
        try {
            ch.writeAndFlush("ping\n");
            // A refused session closes; poll until an echo arrives or the channel is gone.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (System.nanoTime() < deadline) {
                String line = lines.poll(20, TimeUnit.MILLISECONDS);
                if (line != null) {
                    return line;
                }
                if (!ch.isActive()) {
                    return lines.poll();
                }
            }
            return null;
        } finally {
            ch.close().sync();
        }
    }

    private static void awaitTrue(Duration timeout, java.util.function.BooleanSupplier condition)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("condition within " + timeout).isLessThan(deadline);
            new java.util.concurrent.CountDownLatch(1).await(10, TimeUnit.MILLISECONDS);
        }
    }

    private static void ok(String... args) {
        TlsCommandTest.Result r = TlsCommandTest.run(args);
        assertThat(r.exit()).as(String.join(" ", args) + ": " + r.err()).isZero();
    }
}
