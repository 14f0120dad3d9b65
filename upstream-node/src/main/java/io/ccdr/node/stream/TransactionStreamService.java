package io.ccdr.node.stream;

import io.ccdr.node.store.GraphStore;
import io.ccdr.node.store.StoreState;
import io.ccdr.node.tx.ChainHash;
import io.ccdr.node.tx.CorruptDataException;
import io.ccdr.node.tx.TransactionRecord;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * The serving end of the transaction stream: answers SUBSCRIBE on the cluster port of any member
 * of a database (leader or follower) with a lineage check and then the committed transactions
 * from its own store's transaction log, in order, batched, pushed as they are applied here.
 *
 * <p>Threads: the event loop only parses the request; all store reads and writes to the channel
 * happen on a small shared executor, one subscription at a time (a subscription never runs on two
 * threads at once), so a slow store read never stalls other connections. New commits are pushed:
 * the store wakes every streaming subscription once per applied Raft entry, and a woken
 * subscription sends everything committed since its position, up to the batch limits. A ticker
 * every {@link Settings#pollInterval()} remains as the safety net (and drives heartbeats and the
 * catch-up grace of a subscription from ahead of this member).
 *
 * <p>Back-pressure: a subscription stops reading the log while the bytes it handed to Netty and
 * the socket has not taken yet reach the channel's write-buffer high-water mark, or while the
 * channel is not writable, and resumes when either falls back (the write's completion,
 * {@code channelWritabilityChanged}). Per subscriber, the server therefore holds at most one batch
 * beyond the high-water mark, however slow the reader is. Netty's writability alone does not bound
 * it: a write handed over from outside the event loop is counted once as a task and once as a
 * message, and between the two the channel reads as writable for a moment.
 */
public final class TransactionStreamService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TransactionStreamService.class);

    /**
     * @param maxBatchRecords   records per TX_BATCH at most
     * @param maxBatchBytes     change-set bytes per TX_BATCH at most (a single larger record is sent alone)
     * @param heartbeatInterval a HEARTBEAT at least this often while the channel is writable
     * @param pollInterval      how often the ticker looks at every subscription (a safety net: commits are pushed)
     * @param catchUpGrace      how long a subscription from beyond this member's last txId waits for
     *                          this member to catch up before it is refused as a lineage mismatch
     * @param storeCopyChunkBytes bytes of file data per STORE_COPY_CHUNK
     */
    public record Settings(int maxBatchRecords, int maxBatchBytes, Duration heartbeatInterval, Duration pollInterval,
                           Duration catchUpGrace, int storeCopyChunkBytes) {
        public Settings {
            if (maxBatchRecords < 1 || maxBatchBytes < 1 || storeCopyChunkBytes < 1) {
                throw new IllegalArgumentException("batch and chunk limits must be positive");
            }
        }

        public static Settings defaults() {
            return new Settings(512, 4 << 20, Duration.ofSeconds(1), Duration.ofMillis(50), Duration.ofSeconds(3), 1 << 20);
        }
    }

    /** How long an unused store-copy checkpoint is kept for a reader to resume. */
    private static final Duration COPY_RETENTION = Duration.ofMinutes(10);

    /** A point-in-time view of one subscription, for status output and tests. */
    public record SubscriptionInfo(String database, String remote, long nextTxId, long recordsSent, boolean writable,
                                   long pendingOutboundBytes) {
    }

    private final Function<String, Optional<GraphStore>> databases;
    private final Settings settings;
    private final ScheduledExecutorService executor;
    private final Set<Subscription> subscriptions = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;
    private final Map<String, CopyCheckpoint> checkpoints = new ConcurrentHashMap<>();

    /**
     * @param databases the store of a database hosted on this server, by name (empty when not hosted)
     */
    public TransactionStreamService(Function<String, Optional<GraphStore>> databases, Settings settings) {
        this.databases = databases;
        this.settings = settings;
        ScheduledThreadPoolExecutor ex = new ScheduledThreadPoolExecutor(2, new DefaultThreadFactory("ccdr-stream", true));
        ex.setRemoveOnCancelPolicy(true);
        this.executor = ex;
        long tick = Math.max(1, settings.pollInterval().toMillis());
        executor.scheduleWithFixedDelay(this::tick, tick, tick, TimeUnit.MILLISECONDS);
    }

    public TransactionStreamService(Function<String, Optional<GraphStore>> databases) {
        this(databases, Settings.defaults());
    }

    /** Serves SUBSCRIBE on {@code server}. */
    public void register(TransactionStreamServer server) {
        server.handleStream(Frame.Type.SUBSCRIBE, this::open);
        server.handleStream(Frame.Type.STORE_COPY, this::openCopy);
    }

    public List<SubscriptionInfo> subscriptions() {
        List<SubscriptionInfo> out = new ArrayList<>();
        for (Subscription s : subscriptions) {
            out.add(s.info());
        }
        return out;
    }

    private TransactionStreamServer.StreamSession open(Channel channel, byte[] payload) {
        if (closed) {
            channel.writeAndFlush(TransactionStreamServer.error(StreamMessages.DATABASE_UNAVAILABLE, "this server is shutting down"))
                    .addListener(ChannelFutureListener.CLOSE);
            return null;
        }
        StreamMessages.Subscribe request;
        try {
            request = StreamMessages.Subscribe.decode(payload);
        } catch (CorruptDataException e) {
            LOG.warn("closing cluster stream connection from {}: malformed SUBSCRIBE: {}", channel.remoteAddress(), e.getMessage());
            channel.writeAndFlush(TransactionStreamServer.error(StreamMessages.INVALID_REQUEST, "malformed SUBSCRIBE: " + e.getMessage()))
                    .addListener(ChannelFutureListener.CLOSE);
            return null;
        }
        Subscription s = new Subscription(channel, request);
        subscriptions.add(s);
        s.kick();
        return s;
    }

    private void tick() {
        for (Subscription s : subscriptions) {
            if (s.wantsTick()) {
                s.kick();
            }
        }
        long now = System.nanoTime();
        for (CopyCheckpoint c : checkpoints.values()) {
            if (c.users.get() == 0 && now - c.lastUsedNanos > COPY_RETENTION.toNanos()) {
                dropCheckpoint(c);
            }
        }
    }

    private void dropCheckpoint(CopyCheckpoint c) {
        if (checkpoints.remove(c.id, c)) {
            try {
                GraphStore.deleteRecursively(c.dir);
            } catch (IOException e) {
                LOG.warn("cannot delete store-copy checkpoint {}: {}", c.dir, e.getMessage());
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Subscription s : subscriptions) {
            s.channel.close();
        }
        executor.shutdownNow();
        for (CopyCheckpoint c : checkpoints.values()) {
            dropCheckpoint(c);
        }
    }

    // ---- store copy ------------------------------------------------------------------------------

    /** A consistent checkpoint made for readers that copy the store; kept a while so they can resume. */
    private static final class CopyCheckpoint {
        final String id;
        final String database;
        final Path dir;
        final StoreState state;
        final List<StreamMessages.CopyFile> files;
        final AtomicInteger users = new AtomicInteger();
        volatile long lastUsedNanos = System.nanoTime();

        CopyCheckpoint(String id, String database, Path dir, StoreState state, List<StreamMessages.CopyFile> files) {
            this.id = id;
            this.database = database;
            this.dir = dir;
            this.state = state;
            this.files = files;
        }
    }

    private TransactionStreamServer.StreamSession openCopy(Channel channel, byte[] payload) {
        StreamMessages.StoreCopyRequest request;
        try {
            request = StreamMessages.StoreCopyRequest.decode(payload);
        } catch (CorruptDataException e) {
            LOG.warn("closing cluster stream connection from {}: malformed STORE_COPY: {}", channel.remoteAddress(), e.getMessage());
            channel.writeAndFlush(TransactionStreamServer.error(StreamMessages.INVALID_REQUEST, "malformed STORE_COPY: " + e.getMessage()))
                    .addListener(ChannelFutureListener.CLOSE);
            return null;
        }
        if (closed) {
            channel.writeAndFlush(TransactionStreamServer.error(StreamMessages.DATABASE_UNAVAILABLE, "this server is shutting down"))
                    .addListener(ChannelFutureListener.CLOSE);
            return null;
        }
        CopySession session = new CopySession(channel, request);
        session.kick();
        return session;
    }

    private CopyCheckpoint newCheckpoint(String database, GraphStore store) throws IOException {
        String id = UUID.randomUUID().toString();
        Path root = Files.createTempDirectory("ccdr-store-copy-");
        Path dir = root.resolve("checkpoint");
        StoreState state = store.checkpoint(dir);
        List<StreamMessages.CopyFile> files = new ArrayList<>();
        try (Stream<Path> list = Files.list(dir)) {
            for (Path f : list.filter(Files::isRegularFile).sorted().toList()) {
                files.add(new StreamMessages.CopyFile(f.getFileName().toString(), Files.size(f)));
            }
        }
        CopyCheckpoint c = new CopyCheckpoint(id, database, root, state, List.copyOf(files));
        checkpoints.put(id, c);
        LOG.info("store copy {} of {} at txId {}: {} files, {} bytes", id, database, state.lastTxId(), files.size(),
                files.stream().mapToLong(StreamMessages.CopyFile::size).sum());
        return c;
    }

    /** Streams one checkpoint's files in chunks, pacing itself by the channel's writability. */
    private final class CopySession implements TransactionStreamServer.StreamSession {
        final Channel channel;
        final StreamMessages.StoreCopyRequest request;
        final AtomicInteger wip = new AtomicInteger();
        volatile CopyCheckpoint checkpoint;
        final java.util.concurrent.atomic.AtomicBoolean released = new java.util.concurrent.atomic.AtomicBoolean();
        int fileIndex;
        long offset;
        volatile boolean done;
        /** The checkpoint file being sent, kept open between chunks. */
        private FileChannel openFile;
        private String openName;

        CopySession(Channel channel, StreamMessages.StoreCopyRequest request) {
            this.channel = channel;
            this.request = request;
        }

        void kick() {
            if (wip.getAndIncrement() != 0) {
                return;
            }
            try {
                executor.execute(this::drain);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                channel.close();
            }
        }

        private void drain() {
            int missed = 1;
            do {
                try {
                    if (!done) {
                        step();
                    }
                    if (done) {
                        closeFile(); // files are only touched on this thread
                    }
                } catch (IOException | RuntimeException e) {
                    LOG.warn("store copy of {} to {} failed: {}", request.database(), channel.remoteAddress(), e.toString());
                    finish(TransactionStreamServer.error(StreamMessages.DATABASE_UNAVAILABLE, "store copy of '" + request.database()
                            + "' failed on this server: " + e.getMessage()));
                }
                missed = wip.addAndGet(-missed);
            } while (missed != 0);
        }

        private void step() throws IOException {
            if (!channel.isActive()) {
                closed();
                return;
            }
            if (checkpoint == null && !begin()) {
                return;
            }
            checkpoint.lastUsedNanos = System.nanoTime();
            int chunk = settings.storeCopyChunkBytes();
            while (channel.isWritable() && fileIndex < checkpoint.files.size()) {
                StreamMessages.CopyFile f = checkpoint.files.get(fileIndex);
                if (offset >= f.size() && !(offset == 0 && f.size() == 0)) {
                    fileIndex++;
                    offset = 0;
                    continue;
                }
                int length = (int) Math.min(chunk, f.size() - offset);
                channel.writeAndFlush(StreamMessages.wire(StreamMessages.StoreCopyChunk.frame(f.name(), offset, length, file(f.name()))),
                        channel.voidPromise());
                offset += length;
                if (offset >= f.size()) {
                    fileIndex++;
                    offset = 0;
                }
            }
            if (fileIndex >= checkpoint.files.size()) {
                finish(new Frame(Frame.Type.STORE_COPY_END, new io.ccdr.node.tx.BinaryWriter(48).writeString(checkpoint.id).toByteArray()));
            }
            // otherwise not writable: channelWritabilityChanged kicks us again
        }

        private FileChannel file(String name) throws IOException {
            if (!name.equals(openName)) {
                closeFile();
                openFile = FileChannel.open(checkpoint.dir.resolve("checkpoint").resolve(name), StandardOpenOption.READ);
                openName = name;
            }
            return openFile;
        }

        private void closeFile() {
            if (openFile != null) {
                try {
                    openFile.close();
                } catch (IOException e) {
                    LOG.debug("closing {} failed: {}", openName, e.toString());
                }
                openFile = null;
                openName = null;
            }
        }

        /** Finds or makes the checkpoint and positions the session; false when it already answered. */
        private boolean begin() throws IOException {
            Optional<GraphStore> found = databases.apply(request.database());
            if (found.isEmpty()) {
                finish(TransactionStreamServer.error(StreamMessages.DATABASE_NOT_FOUND, "Database '" + request.database()
                        + "' is not hosted on this server"));
                return false;
            }
            CopyCheckpoint c = request.copyId().isEmpty() ? null : checkpoints.get(request.copyId());
            boolean resume = c != null && c.database.equals(request.database());
            if (!resume) {
                c = newCheckpoint(request.database(), found.get()); // a different copyId tells the reader to start over
            }
            c.users.incrementAndGet();
            checkpoint = c;
            if (done) { // the connection closed while the checkpoint was being made
                release();
                return false;
            }
            if (resume && !request.resumeFile().isEmpty()) {
                for (int i = 0; i < c.files.size(); i++) {
                    if (c.files.get(i).name().equals(request.resumeFile())) {
                        fileIndex = i;
                        offset = Math.max(0, Math.min(request.resumeOffset(), c.files.get(i).size()));
                    }
                }
            }
            StoreState st = c.state;
            channel.writeAndFlush(StreamMessages.wire(new StreamMessages.StoreCopyBegin(c.id, st.lastTxId(), st.chainHash(),
                    st.lastCommitTimeMillis(), c.files).toFrame()), channel.voidPromise());
            return true;
        }

        private void finish(Frame last) {
            done = true;
            release();
            channel.writeAndFlush(StreamMessages.wire(last)).addListener(ChannelFutureListener.CLOSE);
        }

        /** Idempotent: called when the copy ends and when the connection closes, from either thread. */
        private void release() {
            CopyCheckpoint c = checkpoint;
            if (c != null && released.compareAndSet(false, true)) {
                c.lastUsedNanos = System.nanoTime();
                c.users.decrementAndGet();
            }
        }

        @Override
        public void writabilityChanged() {
            if (channel.isWritable()) {
                kick();
            }
        }

        @Override
        public void closed() {
            done = true;
            release();
            kick(); // closes the open file on the session's thread
        }
    }

    private enum Phase { CHECKING, STREAMING, DONE }

    private final class Subscription implements TransactionStreamServer.StreamSession {
        final Channel channel;
        final StreamMessages.Subscribe request;
        final long subscribedAtNanos = System.nanoTime();
        final AtomicInteger wip = new AtomicInteger();
        /** Bytes of frames handed to Netty that the socket has not taken yet. */
        final AtomicLong unsent = new AtomicLong();
        volatile Phase phase = Phase.CHECKING;
        volatile long nextTxId;
        volatile long recordsSent;
        volatile GraphStore store;
        volatile long lastHeartbeatNanos;
        boolean heartbeatSinceCaughtUp;
        /** Registered with the store while streaming: a commit wakes this subscription. */
        final Runnable commitPublished = this::onCommit;

        Subscription(Channel channel, StreamMessages.Subscribe request) {
            this.channel = channel;
            this.request = request;
            this.nextTxId = request.fromTxId();
        }

        SubscriptionInfo info() {
            return new SubscriptionInfo(request.database(), String.valueOf(channel.remoteAddress()), nextTxId, recordsSent,
                    channel.isWritable(), channel.unsafe().outboundBuffer() == null ? 0 : channel.unsafe().outboundBuffer().totalPendingWriteBytes());
        }

        private void onCommit() {
            if (phase == Phase.STREAMING && canSend()) {
                kick();
            }
        }

        private boolean canSend() {
            return channel.isWritable() && unsent.get() < channel.config().getWriteBufferHighWaterMark();
        }

        /** Writes a frame, counted in {@link #unsent} until the socket took it; falling below the low-water mark resumes the pump. */
        private void send(io.netty.buffer.ByteBuf frame) {
            long size = frame.readableBytes();
            unsent.addAndGet(size);
            channel.writeAndFlush(frame).addListener(f -> {
                long left = unsent.addAndGet(-size);
                int low = channel.config().getWriteBufferLowWaterMark();
                if (left < low && left + size >= low && phase == Phase.STREAMING) {
                    kick();
                }
            });
        }

        /** Called by the ticker: is there something to do that no other event will trigger? */
        boolean wantsTick() {
            Phase p = phase;
            if (p == Phase.CHECKING) {
                return true; // waiting for this member to catch up to the reader
            }
            if (p != Phase.STREAMING || !canSend()) {
                return false; // writability change or a write's completion kicks us
            }
            GraphStore s = store;
            long elapsed = System.nanoTime() - lastHeartbeatNanos;
            return (s != null && s.state().lastTxId() >= nextTxId) || elapsed >= settings.heartbeatInterval().toNanos();
        }

        /** Runs the subscription on the executor; never on two threads at once, never losing a kick. */
        void kick() {
            if (wip.getAndIncrement() != 0) {
                return;
            }
            try {
                executor.execute(this::drain);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                channel.close(); // shutting down
            }
        }

        private void drain() {
            int missed = 1;
            do {
                try {
                    step();
                } catch (RuntimeException e) {
                    // e.g. the store was closed because the database was dropped or is being replaced
                    LOG.warn("transaction stream of {} to {} failed: {}", request.database(), channel.remoteAddress(), e.toString());
                    finish(TransactionStreamServer.error(StreamMessages.DATABASE_UNAVAILABLE, "database '" + request.database()
                            + "' cannot be streamed from this server right now: " + e.getMessage()));
                }
                missed = wip.addAndGet(-missed);
            } while (missed != 0);
        }

        private void step() {
            if (!channel.isActive()) {
                closed();
                return;
            }
            switch (phase) {
                case CHECKING -> checkLineage();
                case STREAMING -> pump();
                case DONE -> {
                }
            }
        }

        private void checkLineage() {
            Optional<GraphStore> found = databases.apply(request.database());
            if (found.isEmpty()) {
                finish(TransactionStreamServer.error(StreamMessages.DATABASE_NOT_FOUND, "Database '" + request.database()
                        + "' is not hosted on this server"));
                return;
            }
            GraphStore s = found.get();
            long from = request.fromTxId();
            if (from < 1) {
                finish(TransactionStreamServer.error(StreamMessages.INVALID_REQUEST, "fromTxId must be at least 1, was " + from));
                return;
            }
            StoreState state = s.state();
            long last = state.lastTxId();
            if (from > last + 1) {
                // Maybe this member is merely behind the one the reader used before: give it a moment.
                if (System.nanoTime() - subscribedAtNanos < settings.catchUpGrace().toNanos()) {
                    return; // the ticker retries
                }
                // Behind is not a different history: this member may have just restarted, or lag its leader. Tell the
                // reader where this member stands; the reader compares that with its own history and moves on to
                // another member, or stops on a history that is not its own. (Found by the fault suite: a replica
                // that subscribed to a restarted upstream member stopped replicating for good.)
                finish(StreamMessages.behind(request.database(), last, state.chainHash(), from));
                return;
            }
            long first = s.firstRetainedTxId();
            byte[] serverHash = null;
            boolean checkedViaNext = false;
            if (from - 1 == 0) {
                serverHash = ChainHash.genesis();
            } else if (from - 1 == last) {
                serverHash = state.chainHash();
            } else {
                List<TransactionRecord> prev = s.transactions(from - 1, 2);
                if (!prev.isEmpty()) {
                    serverHash = prev.get(0).chainHash();
                } else if (from >= first) {
                    // record from-1 is pruned but record from is kept: the expected hash must chain into it
                    List<TransactionRecord> next = s.transactions(from, 1);
                    if (!next.isEmpty()) {
                        TransactionRecord r = next.get(0);
                        checkedViaNext = true;
                        if (!Arrays.equals(ChainHash.next(request.expectedChainHash(), r.txId(), r.changeSetBytes()), r.chainHash())) {
                            finish(lineageMismatch(from, "does not chain into this server's transaction " + from + " (chain hash "
                                    + ChainHash.hex(r.chainHash()) + ")"));
                            return;
                        }
                    }
                }
            }
            if (serverHash == null && !checkedViaNext) {
                finish(new StreamMessages.StoreCopyNeeded("transaction " + (from - 1) + " is no longer in this server's transaction log "
                        + "(it keeps " + first + ".." + s.state().lastTxId() + "); copy the store and subscribe from its txId + 1",
                        first, s.state().lastTxId()).toFrame());
                return;
            }
            if (serverHash != null && !Arrays.equals(serverHash, request.expectedChainHash())) {
                finish(lineageMismatch(from, "differs from this server's chain hash at " + (from - 1) + " (" + ChainHash.hex(serverHash) + ")"));
                return;
            }
            if (from < first) {
                finish(new StreamMessages.StoreCopyNeeded("transactions from " + from + " are no longer in this server's transaction log "
                        + "(it keeps " + first + ".." + s.state().lastTxId() + "); copy the store and subscribe from its txId + 1",
                        first, s.state().lastTxId()).toFrame());
                return;
            }
            store = s;
            phase = Phase.STREAMING;
            s.addCommitListener(commitPublished);
            LOG.debug("transaction stream of {} to {} from txId {}", request.database(), channel.remoteAddress(), from);
            pump();
        }

        private Frame lineageMismatch(long from, String detail) {
            return TransactionStreamServer.error(StreamMessages.LINEAGE_MISMATCH, "Database '" + request.database()
                    + "': the reader's chain hash at transaction " + (from - 1) + " (" + ChainHash.hex(request.expectedChainHash()) + ") "
                    + detail + "; the histories have diverged");
        }

        private void pump() {
            GraphStore s = store;
            if (databases.apply(request.database()).orElse(null) != s) {
                // the database was dropped (and maybe re-created with another history) under this subscription:
                // end it, so the reader resubscribes and the lineage check runs against what is hosted now
                finish(TransactionStreamServer.error(StreamMessages.DATABASE_NOT_FOUND, "Database '" + request.database()
                        + "' was dropped or replaced on this server during the subscription"));
                return;
            }
            int batches = 0;
            // a few batches per turn, then yield the thread to other subscriptions
            while (canSend() && batches < 4) {
                long last = s.state().lastTxId();
                long next = nextTxId;
                if (next > last) {
                    break;
                }
                List<TransactionRecord> batch = readBatch(s, next);
                if (batch.isEmpty()) {
                    long first = s.firstRetainedTxId();
                    finish(new StreamMessages.StoreCopyNeeded("transaction " + next + " was pruned from this server's transaction log "
                            + "before it could be sent (it keeps " + first + ".." + s.state().lastTxId() + ")", first, s.state().lastTxId()).toFrame());
                    return;
                }
                send(StreamMessages.wire(new Frame(Frame.Type.TX_BATCH, StreamMessages.encodeBatch(batch))));
                nextTxId = batch.get(batch.size() - 1).txId() + 1;
                recordsSent += batch.size();
                heartbeatSinceCaughtUp = false;
                batches++;
            }
            if (!canSend()) {
                return; // channelWritabilityChanged or a write's completion kicks us again
            }
            StoreState state = s.state();
            boolean caughtUp = nextTxId > state.lastTxId();
            long now = System.nanoTime();
            // a heartbeat on becoming idle (so the reader learns the server's position at once), then every interval
            if ((caughtUp && !heartbeatSinceCaughtUp) || now - lastHeartbeatNanos >= settings.heartbeatInterval().toNanos()) {
                channel.writeAndFlush(StreamMessages.wire(new StreamMessages.Heartbeat(state.lastTxId(), state.lastCommitTimeMillis()).toFrame()),
                        channel.voidPromise());
                lastHeartbeatNanos = now;
                heartbeatSinceCaughtUp = caughtUp;
            }
            if (!caughtUp && canSend()) {
                kick();
            }
        }

        private List<TransactionRecord> readBatch(GraphStore s, long from) {
            List<TransactionRecord> out = new ArrayList<>();
            long bytes = 0;
            long next = from;
            while (out.size() < settings.maxBatchRecords()) {
                List<TransactionRecord> chunk = s.transactions(next, Math.min(64, settings.maxBatchRecords() - out.size()));
                if (chunk.isEmpty()) {
                    break;
                }
                for (TransactionRecord r : chunk) {
                    int size = r.changeSetBytes().length + StreamMessages.RECORD_OVERHEAD;
                    if (!out.isEmpty() && bytes + size > settings.maxBatchBytes()) {
                        return out;
                    }
                    out.add(r);
                    bytes += size;
                }
                next = out.get(out.size() - 1).txId() + 1;
            }
            return out;
        }

        /** Sends a final frame and closes the connection once it is written. */
        private void finish(Frame last) {
            end();
            channel.writeAndFlush(StreamMessages.wire(last)).addListener(ChannelFutureListener.CLOSE);
        }

        private void end() {
            phase = Phase.DONE;
            subscriptions.remove(this);
            GraphStore s = store;
            if (s != null) {
                s.removeCommitListener(commitPublished);
            }
        }

        @Override
        public void writabilityChanged() {
            if (channel.isWritable()) {
                kick();
            }
        }

        @Override
        public void closed() {
            end();
        }
    }
}
