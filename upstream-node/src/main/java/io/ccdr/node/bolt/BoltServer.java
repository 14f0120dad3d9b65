package io.ccdr.node.bolt;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A Bolt server (protocol 5.0–5.4 and 4.4) in front of a {@link BoltBackend}.
 *
 * <pre>{@code
 * BoltServer server = new BoltServer(backend);
 * server.start(BoltConfig.defaults("0.0.0.0", 7687));
 * ...
 * server.close();
 * }</pre>
 *
 * Netty event loops do only framing and decoding; every backend call runs on a bounded worker
 * pool, one task at a time per connection, so a slow commit never stalls other connections'
 * I/O and a connection's responses keep the order of its requests.
 */
public final class BoltServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(BoltServer.class);

    private final BoltBackend backend;
    private EventLoopGroup bossGroup;
    private EventLoopGroup ioGroup;
    private ThreadPoolExecutor workers;
    private ChannelGroup channels;
    private Channel serverChannel;

    public BoltServer(BoltBackend backend) {
        this.backend = Objects.requireNonNull(backend, "backend");
    }

    /**
     * Binds and starts serving; returns when the port is bound.
     *
     * @throws IllegalStateException if already started or the address cannot be bound
     */
    public synchronized BoltServer start(BoltConfig config) {
        if (serverChannel != null) {
            throw new IllegalStateException("already started");
        }
        bossGroup = new NioEventLoopGroup(1, new DefaultThreadFactory("bolt-accept", true));
        ioGroup = new NioEventLoopGroup(config.ioThreads(), new DefaultThreadFactory("bolt-io", true));
        workers = new ThreadPoolExecutor(config.workerThreads(), config.workerThreads(), 60, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(config.maxQueuedConnections()), new DefaultThreadFactory("bolt-worker", true));
        workers.allowCoreThreadTimeOut(true);
        channels = new DefaultChannelGroup("bolt", GlobalEventExecutor.INSTANCE);
        Shared shared = new Shared(config, backend, workers, channels, new AtomicLong());
        try {
            serverChannel = new ServerBootstrap()
                    .group(bossGroup, ioGroup)
                    .channel(NioServerSocketChannel.class)
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childOption(ChannelOption.SO_KEEPALIVE, true)
                    .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(256 * 1024, 1024 * 1024))
                    .childHandler(new BoltChannelInitializer(shared))
                    .bind(config.host(), config.port())
                    .syncUninterruptibly()
                    .channel();
        } catch (Exception e) { // bind failures arrive as (sneakily thrown) checked exceptions
            shutdown();
            throw new IllegalStateException("Cannot listen for Bolt on " + config.host() + ":" + config.port() + ": "
                    + e.getMessage(), e);
        }
        LOG.info("Bolt server listening on {} (tls {})", serverChannel.localAddress(), config.tlsLevel());
        return this;
    }

    /** The port actually bound (useful with port 0). */
    public int boundPort() {
        return address().getPort();
    }

    public InetSocketAddress address() {
        if (serverChannel == null) {
            throw new IllegalStateException("not started");
        }
        return (InetSocketAddress) serverChannel.localAddress();
    }

    /** Open client connections (including ones still in the handshake). */
    public int connectionCount() {
        ChannelGroup group = channels;
        return group == null ? 0 : group.size();
    }

    /** Stops accepting, closes all connections (rolling back their open transactions) and stops the threads. */
    @Override
    public synchronized void close() {
        if (serverChannel == null) {
            return;
        }
        serverChannel.close().syncUninterruptibly();
        channels.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        shutdown();
        serverChannel = null;
    }

    private void shutdown() {
        if (bossGroup != null) {
            bossGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        if (ioGroup != null) {
            ioGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        if (workers != null) {
            // Let queued Closed events roll back transactions; interrupt anything stuck after that.
            workers.shutdown();
            try {
                if (!workers.awaitTermination(5, TimeUnit.SECONDS)) {
                    workers.shutdownNow();
                }
            } catch (InterruptedException e) {
                workers.shutdownNow();
                Thread.currentThread().interrupt();
            }
        }
    }

    /** What every connection of this server shares. */
    record Shared(BoltConfig config, BoltBackend backend, ExecutorService workers, ChannelGroup channels,
                  AtomicLong connectionIds) {
        long nextConnectionId() {
            return connectionIds.incrementAndGet();
        }
    }
}
