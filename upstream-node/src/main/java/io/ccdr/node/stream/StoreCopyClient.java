package io.ccdr.node.stream;

import io.ccdr.node.config.HostPort;
import io.ccdr.node.store.GraphStore;
import io.ccdr.node.tx.CorruptDataException;
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
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Copies a consistent snapshot of an upstream database's store (the "store copy needed" path of the
 * transaction stream). The upstream makes a checkpoint at some txId T and streams its files in
 * CRC32C-checked chunks. Where the chunks go is a {@link Sink}:
 * <ul>
 *   <li>a local directory ({@link #copy(String, Path, Progress)}): after a broken connection the copy
 *   resumes at the file and offset reached, on the same upstream if it still holds that checkpoint,
 *   otherwise from scratch on the next upstream. The result opens with {@link GraphStore#open} at T,
 *   and the reader then subscribes from T + 1 with the checkpoint's chain hash;</li>
 *   <li>any other sink ({@link #copy(String, Sink, Progress)}), e.g. an online backup's artefact: a
 *   sink that is not {@linkplain Sink#resumable() resumable} is told to start again, and receives the
 *   checkpoint from its first byte, on every attempt.</li>
 * </ul>
 *
 * <p>{@link #copy} blocks; underneath, one Netty connection at a time with the same TLS engine as
 * the transaction stream (BoringSSL where it loads), read on demand: the sink's pace is the
 * socket's pace, so back-pressure is plain TCP flow control plus the server's writability check.
 */
public final class StoreCopyClient {
    private static final Logger LOG = LoggerFactory.getLogger(StoreCopyClient.class);

    /** Bytes received so far out of the checkpoint's total (called after every chunk). */
    public interface Progress {
        void onProgress(long bytesCopied, long totalBytes);
    }

    /**
     * Where a copy's data goes, called on the copying thread in stream order: {@link #start}, then per
     * file {@link #fileBegins}, its {@link #chunk}s in offset order and {@link #fileEnds}, then
     * {@link #complete}. An {@link IOException} from {@code start}, {@code fileBegins}, {@code chunk} or
     * {@code fileEnds} is a local write failure ({@link LocalWriteException}: the copy fails, no other
     * upstream is tried); one from {@code complete} fails the attempt like a network error.
     */
    public interface Sink {
        /**
         * True: after a cut, the copy continues at the file and offset reached when the upstream still
         * holds the checkpoint (a resumed file gets more {@link #chunk}s without a new {@link #fileBegins}).
         * False: every attempt starts again at the first byte, after a new {@link #start}.
         */
        boolean resumable();

        /** A copy of checkpoint {@code begin} starts from its first byte: drop whatever an earlier attempt delivered. */
        void start(StreamMessages.StoreCopyBegin begin) throws IOException;

        void fileBegins(String name, long size) throws IOException;

        /** {@code data} (position 0, consumed or not: the client does not reuse it) is the file's bytes from {@code offset}. */
        void chunk(String name, long offset, ByteBuffer data) throws IOException;

        /** The file's last chunk arrived ({@code size} bytes in all). */
        void fileEnds(String name, long size) throws IOException;

        /** Every file of the checkpoint was delivered (STORE_COPY_END). */
        void complete(StreamMessages.StoreCopyBegin begin) throws IOException;

        /** The attempt ended (done, cut or failed): release what is held open; must not throw. */
        default void disconnected() {
        }

        /** Where the data goes, for messages. */
        String describe();
    }

    /** What was copied: the store in the target directory is at {@code txId} with {@code chainHash}. */
    public record Result(String copyId, long txId, byte[] chainHash, long lastCommitTimeMillis, long bytes, int attempts) {
    }

    /** The upstream refused the copy (e.g. unknown database); retrying elsewhere will not help. */
    public static final class StoreCopyRefusedException extends IOException {
        private final String code;

        public StoreCopyRefusedException(String code, String message) {
            super(code + ": " + message);
            this.code = code;
        }

        public String code() {
            return code;
        }
    }

    /** Writing the copy on this side failed (a full disk, permissions): another upstream will not help. */
    public static final class LocalWriteException extends IOException {
        LocalWriteException(String target, IOException cause) {
            super("cannot write the store copy into " + target + ": " + cause.getMessage(), cause);
        }
    }

    private final List<HostPort> upstreams;
    private final SslPolicy tls;
    private final Duration ioTimeout;
    private final int maxAttempts;

    /**
     * @param tls         the cluster SSL policy (mutual TLS), or null for plaintext
     * @param ioTimeout   connect and read timeout per operation (a checkpoint of a large store takes a moment)
     * @param maxAttempts connection attempts in total before giving up
     */
    public StoreCopyClient(List<HostPort> upstreams, SslPolicy tls, Duration ioTimeout, int maxAttempts) {
        if (upstreams.isEmpty() || maxAttempts < 1) {
            throw new IllegalArgumentException("need at least one upstream and one attempt");
        }
        this.upstreams = List.copyOf(upstreams);
        this.tls = tls;
        this.ioTimeout = ioTimeout;
        this.maxAttempts = maxAttempts;
    }

    /** Copies {@code database} into {@code target} (created; emptied first if it holds anything). */
    public Result copy(String database, Path target, Progress progress) throws IOException {
        Files.createDirectories(target);
        clear(target);
        return copy(database, new DirectorySink(target), progress);
    }

    /** Copies {@code database} into {@code sink}. */
    public Result copy(String database, Sink sink, Progress progress) throws IOException {
        Position pos = new Position();
        IOException last = null;
        EventLoopGroup group = new NioEventLoopGroup(1, new DefaultThreadFactory("ccdr-store-copy-io", true));
        try {
            for (int attempt = 1; attempt <= maxAttempts; attempt++) {
                HostPort upstream = upstreams.get((attempt - 1) % upstreams.size());
                if (!sink.resumable()) {
                    // from the first byte again (of the same checkpoint if this upstream still holds it)
                    pos.file = "";
                    pos.offset = 0;
                    pos.bytesDone = 0;
                }
                try (Connection c = new Connection(group, upstream, new StreamMessages.StoreCopyRequest(database, pos.copyId, pos.file, pos.offset))) {
                    StreamMessages.StoreCopyBegin begin = receive(c, sink, pos, progress);
                    return new Result(begin.copyId(), begin.txId(), begin.chainHash(), begin.lastCommitTimeMillis(), begin.totalBytes(), attempt);
                } catch (StoreCopyRefusedException | LocalWriteException e) {
                    throw e;
                } catch (IOException | CorruptDataException e) {
                    last = e instanceof IOException io ? io : new IOException(e.getMessage(), e);
                    LOG.info("store copy of {} from {} interrupted at {} +{} ({}); attempt {} of {}", database, upstream, pos.file, pos.offset,
                            e.toString(), attempt, maxAttempts);
                    try {
                        Thread.sleep(Math.min(2000, 50L << Math.min(attempt, 6)));
                    } catch (InterruptedException ie) {
                        Thread.currentThread().interrupt();
                        throw new IOException("interrupted during store copy", ie);
                    }
                } finally {
                    sink.disconnected();
                }
            }
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
        throw new IOException("store copy of " + database + " failed after " + maxAttempts + " attempts", last);
    }

    /** Where a copy stands: which checkpoint, and how far into which file. */
    private static final class Position {
        String copyId = "";
        String file = "";
        long offset;
        long bytesDone;
    }

    /**
     * The store copy as files in a directory, each written in place at its chunks' offsets, truncated
     * to its size and fsynced when its last chunk arrives. Resumable: a file cut mid-way is reopened
     * and continued.
     */
    private static final class DirectorySink implements Sink {
        private final Path target;
        /** The file being written, kept open between chunks. */
        private FileChannel open;
        private String openName;

        DirectorySink(Path target) {
            this.target = target;
        }

        @Override
        public boolean resumable() {
            return true;
        }

        @Override
        public void start(StreamMessages.StoreCopyBegin begin) throws IOException {
            clear(target); // whatever we hold is from another snapshot
        }

        @Override
        public void fileBegins(String name, long size) throws IOException {
            closeFile();
        }

        @Override
        public void chunk(String name, long offset, ByteBuffer data) throws IOException {
            try {
                if (open == null || !name.equals(openName)) {
                    closeFile();
                    open = FileChannel.open(target.resolve(name), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                    openName = name;
                }
                while (data.hasRemaining()) {
                    open.write(data, offset + data.position());
                }
            } catch (IOException e) {
                disconnected(); // the file is abandoned (the next attempt, if any, starts it again)
                throw e;
            }
        }

        @Override
        public void fileEnds(String name, long size) throws IOException {
            try {
                open.truncate(size);
                open.force(true);
                closeFile();
            } catch (IOException e) {
                disconnected();
                throw e;
            }
        }

        @Override
        public void complete(StreamMessages.StoreCopyBegin begin) throws IOException {
            closeFile();
            for (StreamMessages.CopyFile f : begin.files()) {
                Path p = target.resolve(f.name());
                if (!Files.exists(p) || Files.size(p) != f.size()) {
                    throw new IOException("copied file " + f.name() + " has " + (Files.exists(p) ? Files.size(p) : -1) + " bytes, expected " + f.size());
                }
            }
        }

        private void closeFile() throws IOException {
            if (open != null) {
                FileChannel c = open;
                open = null;
                openName = null;
                c.close();
            }
        }

        @Override
        public void disconnected() {
            try {
                closeFile();
            } catch (IOException ignored) {
                // nothing more to write through it
            }
        }

        @Override
        public String describe() {
            return target.toString();
        }
    }

    /**
     * One connection's frames, handed from Netty's event loop to the copying thread. The socket is
     * read only while fewer than {@link #MAX_QUEUED} frames wait here, so a slow disk slows the
     * sender down through TCP instead of filling the heap.
     */
    private final class Connection implements AutoCloseable {
        private static final int MAX_QUEUED = 8;
        private final BlockingQueue<Object> frames = new LinkedBlockingQueue<>();
        private final Channel channel;
        private volatile boolean paused;

        Connection(EventLoopGroup group, HostPort to, StreamMessages.StoreCopyRequest request) throws IOException {
            Bootstrap b = new Bootstrap().group(group).channel(NioSocketChannel.class)
                    .option(ChannelOption.AUTO_READ, false)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) ioTimeout.toMillis())
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            if (tls != null) {
                                tls.installClient(ch.pipeline(), to.host(), to.port());
                            }
                            ch.pipeline().addLast(new FrameCodec());
                            ch.pipeline().addLast(new SimpleChannelInboundHandler<Frame>() {
                                @Override
                                public void channelActive(ChannelHandlerContext ctx) {
                                    ctx.writeAndFlush(request.toFrame());
                                    ctx.read();
                                }

                                @Override
                                protected void channelRead0(ChannelHandlerContext ctx, Frame frame) {
                                    frames.add(frame);
                                }

                                @Override
                                public void channelReadComplete(ChannelHandlerContext ctx) {
                                    if (frames.size() < MAX_QUEUED) {
                                        ctx.read();
                                    } else {
                                        paused = true;
                                    }
                                }

                                @Override
                                public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                    frames.add(cause);
                                    ctx.close();
                                }

                                @Override
                                public void channelInactive(ChannelHandlerContext ctx) {
                                    frames.add(new ClosedChannelException());
                                }
                            });
                        }
                    });
            ChannelFuture connect = b.connect(to.host(), to.port());
            channel = connect.channel();
            connect.addListener(f -> {
                if (!f.isSuccess()) {
                    frames.add(f.cause());
                }
            });
        }

        /** The next frame, or the failure that ended the connection; waits at most the I/O timeout. */
        Frame next() throws IOException {
            Object o;
            try {
                o = frames.poll(ioTimeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted during store copy", e);
            }
            if (o == null) {
                throw new IOException("no data from upstream for " + ioTimeout.toMillis() + " ms");
            }
            if (o instanceof Throwable t) {
                throw t instanceof IOException io ? io : new IOException(TransactionStreamServer.rootMessage(t), t);
            }
            if (paused && frames.size() < MAX_QUEUED / 2) {
                paused = false;
                channel.read();
            }
            return (Frame) o;
        }

        @Override
        public void close() {
            channel.close();
        }
    }

    private StreamMessages.StoreCopyBegin receive(Connection c, Sink sink, Position pos, Progress progress) throws IOException {
        Frame first = c.next();
        failOnError(first);
        expect(first, Frame.Type.STORE_COPY_BEGIN);
        StreamMessages.StoreCopyBegin begin = StreamMessages.StoreCopyBegin.decode(first.payload());
        if (!sink.resumable() || !begin.copyId().equals(pos.copyId)) {
            // a new checkpoint (first attempt, or the old one is gone), or a sink that starts over on every attempt
            try {
                sink.start(begin);
            } catch (IOException e) {
                throw new LocalWriteException(sink.describe(), e);
            }
            pos.copyId = begin.copyId();
            pos.file = "";
            pos.offset = 0;
            pos.bytesDone = 0;
        }
        for (StreamMessages.CopyFile f : begin.files()) {
            if (f.name().contains("/") || f.name().contains("\\") || f.name().startsWith(".")) {
                throw new StoreCopyRefusedException(StreamMessages.INVALID_REQUEST, "upstream offered an unsafe file name '" + f.name() + "'");
            }
        }
        long total = begin.totalBytes();
        while (true) {
            Frame f = c.next();
            failOnError(f);
            if (f.type() == Frame.Type.STORE_COPY_END) {
                sink.complete(begin);
                progress.onProgress(total, total);
                return begin;
            }
            expect(f, Frame.Type.STORE_COPY_CHUNK);
            StreamMessages.StoreCopyChunk chunk = StreamMessages.StoreCopyChunk.decode(f.payload());
            if (!chunk.intact()) {
                throw new IOException("chunk of " + chunk.file() + " at " + chunk.offset() + " fails its CRC32C");
            }
            StreamMessages.CopyFile file = begin.files().stream().filter(x -> x.name().equals(chunk.file())).findFirst()
                    .orElseThrow(() -> new IOException("chunk for unknown file " + chunk.file()));
            boolean sameFile = chunk.file().equals(pos.file);
            long expectedOffset = sameFile ? pos.offset : 0;
            if (chunk.offset() != expectedOffset || chunk.offset() + chunk.length() > file.size()) {
                throw new IOException("chunk of " + chunk.file() + " at " + chunk.offset() + " (+" + chunk.length() + ") does not continue at "
                        + expectedOffset);
            }
            try {
                if (!sameFile) {
                    sink.fileBegins(file.name(), file.size());
                }
                sink.chunk(file.name(), chunk.offset(), chunk.data().slice());
                if (chunk.offset() + chunk.length() == file.size()) {
                    sink.fileEnds(file.name(), file.size());
                }
            } catch (IOException e) {
                throw new LocalWriteException(sink.describe(), e);
            }
            pos.file = chunk.file();
            pos.offset = chunk.offset() + chunk.length();
            pos.bytesDone += chunk.length();
            progress.onProgress(pos.bytesDone, total);
        }
    }

    private static void failOnError(Frame f) throws IOException {
        if (f.type() == Frame.Type.ERROR) {
            StreamMessages.Error e = StreamMessages.Error.decode(f.payload());
            if (e.code().startsWith("Neo.ClientError.")) {
                throw new StoreCopyRefusedException(e.code(), e.message());
            }
            throw new IOException(e.code() + ": " + e.message());
        }
    }

    private static void expect(Frame f, int type) throws IOException {
        if (f.type() != type) {
            throw new IOException("unexpected frame type " + f.type() + " during store copy (expected " + type + ")");
        }
    }

    private static void clear(Path dir) throws IOException {
        try (var list = Files.list(dir)) {
            for (Path p : list.toList()) {
                GraphStore.deleteRecursively(p);
            }
        }
    }
}
