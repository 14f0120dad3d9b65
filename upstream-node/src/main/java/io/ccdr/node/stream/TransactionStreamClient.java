package io.ccdr.node.stream;

import io.ccdr.node.config.HostPort;
import io.ccdr.node.tx.ChainHash;
import io.ccdr.node.tx.CorruptDataException;
import io.ccdr.node.tx.TransactionRecord;
import io.ccdr.tls.SslPolicy;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The reading end of the transaction stream: subscribes to one database on one of several upstream
 * members, re-verifies the chain hash of every record, hands batches to a {@link Listener} in order,
 * and on any connection failure resubscribes on the next upstream from the last transaction the
 * listener accepted (so nothing is skipped and nothing is delivered twice).
 *
 * <p>Threads: Netty's event loop only decodes frames; everything else (state changes, listener
 * calls, reconnects) runs on one control thread, in order. Flow control: the channel has auto-read
 * off and is read again only when every decoded frame has been handled, i.e. when the listener has
 * returned from {@link Listener#onBatch}. A listener that blocks therefore stops the socket being
 * read; TCP flow control and the server's writability check do the rest.
 *
 * <p>Outcomes: lineage breaks (server-reported or found while verifying) and other
 * {@code Neo.ClientError.*} answers stop the client for good ({@link Listener#onError}); so does
 * {@link Listener#onStoreCopyNeeded}. Transient and database errors, connection loss, a missing heartbeat
 * and an exception thrown by the listener lead to a reconnect (with bounded exponential backoff,
 * reset once a subscription is accepted).
 */
public final class TransactionStreamClient implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TransactionStreamClient.class);

    /** Receives the stream; all calls come from one thread, in order. */
    public interface Listener {
        /**
         * Consecutive, chain-verified transactions. Returning accepts them: a resubscription after a
         * failure starts after the last one. Blocking here is how a slow reader applies back-pressure.
         * Throwing makes the client reconnect and offer the batch again.
         */
        void onBatch(List<TransactionRecord> batch) throws Exception;

        /** The serving member's last committed txId and its commit time (about once per second). */
        default void onHeartbeat(long lastCommittedTxId, long lastCommitTimeMillis) {
        }

        /** The requested transactions are not in the upstream's log any more; the client has stopped. */
        default void onStoreCopyNeeded(String reason, long firstRetainedTxId, long upstreamLastTxId) {
        }

        /** A fatal error (Neo4j-style status code); the client has stopped. */
        default void onError(String code, String message) {
        }

        /**
         * The reader's own chain hash after transaction {@code txId}, when it still holds it: lets the client
         * tell an upstream member behind the reader in the same history (move on to another member) from
         * one with another history (a lineage mismatch). Empty: unknown, taken as behind.
         */
        default Optional<byte[]> chainHashAt(long txId) {
            return Optional.empty();
        }

        /** The connection to {@code upstream} failed or ended; the client will try the next upstream. */
        default void onDisconnected(HostPort upstream, Throwable cause) {
        }
    }

    /**
     * @param connectTimeout    per connection attempt
     * @param minBackoff        delay before the first reconnect; doubles per failure up to {@code maxBackoff}
     * @param heartbeatTimeout  a connection that delivers no frame for this long (while the listener is
     *                          not busy) is considered dead
     * @param receiveBufferBytes SO_RCVBUF for the socket, 0 for the OS default (autotuning)
     */
    public record Settings(Duration connectTimeout, Duration minBackoff, Duration maxBackoff, Duration heartbeatTimeout,
                           int receiveBufferBytes) {
        /**
         * Reconnects back off from 50 ms to at most 500 ms: after a link heals the replica is following
         * again within half a second (its lag is the RPO), and a refused attempt costs a connect and a
         * handshake, nothing an upstream notices at two per second.
         */
        public static Settings defaults() {
            return new Settings(Duration.ofSeconds(5), Duration.ofMillis(50), Duration.ofMillis(500), Duration.ofSeconds(5), 0);
        }

        public Settings withReceiveBufferBytes(int bytes) {
            return new Settings(connectTimeout, minBackoff, maxBackoff, heartbeatTimeout, bytes);
        }
    }

    public enum State { NEW, CONNECTING, STREAMING, STOPPED }

    private final List<HostPort> upstreams;
    private final SslPolicy tls;
    private final Settings settings;
    private final EventLoopGroup group = new NioEventLoopGroup(1, new DefaultThreadFactory("ccdr-stream-client-io", true));
    private final ScheduledExecutorService control;
    private volatile Thread controlThread;

    // state below is owned by the control thread (volatile for the accessors)
    private String database;
    private Listener listener;
    private volatile State state = State.NEW;
    private final java.util.concurrent.atomic.AtomicBoolean subscribed = new java.util.concurrent.atomic.AtomicBoolean();
    private volatile long lastTxId;
    private volatile byte[] lastChainHash;
    private volatile HostPort current;
    private int upstreamIndex;
    private int generation;
    private Channel channel;
    private boolean reconnectScheduled;
    private long lastProgressNanos;
    private long backoffMillis;

    /**
     * @param upstreams cluster-port addresses of the upstream database's members, tried in order
     * @param tls       the cluster SSL policy (mutual TLS), or null for plaintext
     */
    public TransactionStreamClient(List<HostPort> upstreams, SslPolicy tls, Settings settings) {
        if (upstreams.isEmpty()) {
            throw new IllegalArgumentException("at least one upstream address is needed");
        }
        this.upstreams = List.copyOf(upstreams);
        this.tls = tls;
        this.settings = Objects.requireNonNull(settings);
        this.backoffMillis = settings.minBackoff().toMillis();
        DefaultThreadFactory factory = new DefaultThreadFactory("ccdr-stream-client", true);
        this.control = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = factory.newThread(r);
            controlThread = t;
            return t;
        });
    }

    /**
     * Starts streaming {@code database} from {@code fromTxId}; {@code chainHashBefore} is the reader's
     * chain hash at {@code fromTxId - 1} ({@link ChainHash#genesis()} for an empty reader). Returns at once.
     */
    public void subscribe(String database, long fromTxId, byte[] chainHashBefore, Listener listener) {
        if (fromTxId < 1 || chainHashBefore.length != ChainHash.LENGTH) {
            throw new IllegalArgumentException("fromTxId must be >= 1 and the chain hash " + ChainHash.LENGTH + " bytes");
        }
        if (!subscribed.compareAndSet(false, true)) {
            throw new IllegalStateException("a client serves one subscription");
        }
        post(() -> {
            this.database = database;
            this.listener = listener;
            this.lastTxId = fromTxId - 1;
            this.lastChainHash = chainHashBefore.clone();
            connect();
            long check = Math.max(100, settings.heartbeatTimeout().toMillis() / 4);
            control.scheduleWithFixedDelay(this::checkAlive, check, check, TimeUnit.MILLISECONDS);
        });
    }

    /** The last transaction the listener accepted (fromTxId - 1 before the first batch). */
    public long lastTxId() {
        return lastTxId;
    }

    public byte[] lastChainHash() {
        return lastChainHash.clone();
    }

    public State state() {
        return state;
    }

    /** The upstream currently connected or being connected to. */
    public Optional<HostPort> currentUpstream() {
        return Optional.ofNullable(current);
    }

    // ---- control thread ------------------------------------------------------------------------

    private void connect() {
        reconnectScheduled = false;
        if (state == State.STOPPED) {
            return;
        }
        state = State.CONNECTING;
        HostPort to = upstreams.get(upstreamIndex);
        current = to;
        int gen = ++generation;
        lastProgressNanos = System.nanoTime();
        StreamMessages.Subscribe request = new StreamMessages.Subscribe(database, lastTxId + 1, lastChainHash);
        Bootstrap b = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) settings.connectTimeout().toMillis())
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (tls != null) {
                            tls.installClient(ch.pipeline(), to.host(), to.port());
                        }
                        ch.pipeline().addLast(new FrameCodec());
                        ch.pipeline().addLast(new Handler(gen, request));
                    }
                });
        if (settings.receiveBufferBytes() > 0) {
            b.option(ChannelOption.SO_RCVBUF, settings.receiveBufferBytes());
        }
        ChannelFuture f = b.connect(to.host(), to.port());
        channel = f.channel();
        f.addListener(done -> {
            if (!done.isSuccess()) {
                post(() -> connectionLost(gen, done.cause()));
            }
        });
    }

    private void connectionLost(int gen, Throwable cause) {
        if (gen != generation || state == State.STOPPED || reconnectScheduled) {
            return;
        }
        HostPort lost = current;
        if (channel != null) {
            channel.close();
        }
        if (cause instanceof io.netty.handler.codec.DecoderException) {
            // damaged bytes on the wire (checksum, length or version): not an ordinary disconnect
            LOG.warn("transaction stream of {} from {} dropped: a corrupt frame arrived ({}); nothing of it was applied; "
                    + "next upstream in {} ms", database, lost, TransactionStreamServer.rootMessage(cause), backoffMillis);
        } else {
            LOG.info("transaction stream of {} from {} lost ({}); next upstream in {} ms", database, lost,
                    TransactionStreamServer.rootMessage(cause), backoffMillis);
        }
        safely(() -> listener.onDisconnected(lost, cause));
        upstreamIndex = (upstreamIndex + 1) % upstreams.size();
        generation++; // frames still queued from the old connection are ignored
        state = State.CONNECTING;
        reconnectScheduled = true;
        long delay = backoffMillis;
        backoffMillis = Math.min(settings.maxBackoff().toMillis(), Math.max(1, backoffMillis * 2));
        control.schedule(this::connect, delay, TimeUnit.MILLISECONDS);
    }

    private void onFrame(Handler from, Frame frame) {
        int gen = from.gen;
        if (gen != generation || state == State.STOPPED) {
            return;
        }
        try {
            switch (frame.type()) {
                case Frame.Type.TX_BATCH -> onBatch(gen, StreamMessages.decodeBatch(frame.payload()));
                case Frame.Type.HEARTBEAT -> {
                    StreamMessages.Heartbeat h = StreamMessages.Heartbeat.decode(frame.payload());
                    accepted();
                    safely(() -> listener.onHeartbeat(h.lastCommittedTxId(), h.lastCommitTimeMillis()));
                }
                case Frame.Type.STORE_COPY_NEEDED -> {
                    StreamMessages.StoreCopyNeeded s = StreamMessages.StoreCopyNeeded.decode(frame.payload());
                    stop();
                    safely(() -> listener.onStoreCopyNeeded(s.reason(), s.firstRetainedTxId(), s.serverLastTxId()));
                }
                case Frame.Type.ERROR -> {
                    StreamMessages.Error e = StreamMessages.Error.decode(frame.payload());
                    if (e.code().startsWith("Neo.ClientError.")) {
                        stop();
                        safely(() -> listener.onError(e.code(), e.message()));
                    } else if (StreamMessages.UPSTREAM_BEHIND.equals(e.code()) && divergesFromOurs(e.message())) {
                        fatalLineage("upstream " + current + " has another history: " + e.message().replace("; it may still be catching up: "
                                + "try another member", "") + ", but the reader's chain hash at that transaction differs");
                    } else {
                        // transient or server-side trouble on this member: another member may serve us
                        connectionLost(gen, new IOException(e.code() + ": " + e.message()));
                    }
                }
                default -> connectionLost(gen, new IOException("unexpected frame type " + frame.type() + " on the transaction stream"));
            }
        } catch (CorruptDataException e) {
            connectionLost(gen, new IOException("malformed frame from upstream: " + e.getMessage(), e));
        }
        if (gen == generation && state != State.STOPPED) {
            lastProgressNanos = System.nanoTime();
            if (from.pending.decrementAndGet() == 0) {
                from.channel.read(); // everything handled: let the next bytes in
            }
        }
    }

    private void onBatch(int gen, List<TransactionRecord> batch) {
        long prevId = lastTxId;
        byte[] prevHash = lastChainHash;
        for (TransactionRecord r : batch) {
            if (r.txId() != prevId + 1) {
                fatalLineage("upstream " + current + " sent transaction " + r.txId() + " after " + prevId);
                return;
            }
            if (!Arrays.equals(ChainHash.next(prevHash, r.txId(), r.changeSetBytes()), r.chainHash())) {
                fatalLineage("the chain breaks at transaction " + r.txId() + " from upstream " + current + ": its chain hash "
                        + ChainHash.hex(r.chainHash()) + " is not SHA-256(" + ChainHash.hex(prevHash) + " || txId || change set)");
                return;
            }
            prevId = r.txId();
            prevHash = r.chainHash();
        }
        if (batch.isEmpty()) {
            return;
        }
        try {
            listener.onBatch(List.copyOf(batch));
        } catch (Exception e) {
            LOG.warn("transaction stream listener for {} failed on transactions {}..{}: {}; resubscribing", database,
                    batch.get(0).txId(), prevId, e.toString());
            connectionLost(gen, e);
            return;
        }
        lastTxId = prevId;
        lastChainHash = prevHash;
        accepted();
    }

    /** The upstream accepted the subscription: later failures start the backoff afresh. */
    private void accepted() {
        state = State.STREAMING;
        backoffMillis = settings.minBackoff().toMillis();
    }

    /** Whether the position an UPSTREAM_BEHIND answer names is not a point of the reader's own history. */
    private boolean divergesFromOurs(String message) {
        Optional<StreamMessages.Position> at = StreamMessages.behindAt(message);
        if (at.isEmpty()) {
            return false;
        }
        Optional<byte[]> ours;
        try {
            ours = listener.chainHashAt(at.get().txId());
        } catch (RuntimeException e) {
            return false; // unknown: taken as behind
        }
        return ours.isPresent() && !Arrays.equals(ours.get(), at.get().chainHash());
    }

    private void fatalLineage(String message) {
        LOG.error("transaction stream of {} stopped: {}", database, message);
        stop();
        safely(() -> listener.onError(StreamMessages.LINEAGE_MISMATCH, message));
    }

    private void checkAlive() {
        if (state == State.STOPPED || channel == null || reconnectScheduled) {
            return;
        }
        long silent = System.nanoTime() - lastProgressNanos;
        if (silent > settings.heartbeatTimeout().toNanos()) {
            int gen = generation;
            connectionLost(gen, new IOException("no frame from upstream for " + TimeUnit.NANOSECONDS.toMillis(silent) + " ms"));
        }
    }

    private void stop() {
        state = State.STOPPED;
        generation++;
        if (channel != null) {
            channel.close();
        }
    }

    /** Runs {@code r} on the control thread (dropped once the client is closed). */
    private void post(Runnable r) {
        try {
            control.execute(r);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // closed
        }
    }

    private void safely(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            LOG.warn("transaction stream listener threw: {}", e.toString());
        }
    }

    @Override
    public void close() {
        post(this::stop);
        control.shutdown();
        if (Thread.currentThread() != controlThread) { // close() may be called by the listener
            try {
                control.awaitTermination(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        state = State.STOPPED;
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    // ---- event loop --------------------------------------------------------------------------

    private final class Handler extends SimpleChannelInboundHandler<Frame> {
        private final int gen;
        private final StreamMessages.Subscribe request;
        /** Frames decoded but not yet handled by the control thread; the socket is read again at zero. */
        private final AtomicInteger pending = new AtomicInteger();
        private volatile Channel channel;
        private Throwable failure;

        Handler(int gen, StreamMessages.Subscribe request) {
            this.gen = gen;
            this.request = request;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            channel = ctx.channel();
            ctx.writeAndFlush(request.toFrame());
            ctx.read();
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Frame frame) {
            if (failure != null) {
                // After a corrupt frame the decoder has skipped its bytes, and when the channel closes
                // Netty decodes whatever is still buffered: the frames behind the corrupt one. Handling
                // them would deliver a batch that does not follow the last one (a gap the chain check
                // reports as a lineage break). Nothing after a failure on this connection is trusted.
                return;
            }
            pending.incrementAndGet();
            post(() -> onFrame(this, frame));
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (failure == null) {
                failure = cause;
            }
            ctx.close();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            Throwable cause = failure != null ? failure : new ClosedChannelException();
            post(() -> connectionLost(gen, cause));
        }
    }
}
