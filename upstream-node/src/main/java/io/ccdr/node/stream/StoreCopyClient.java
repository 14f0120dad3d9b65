package io.ccdr.node.stream;

import io.ccdr.node.config.HostPort;
import io.ccdr.node.store.GraphStore;
import io.ccdr.node.tx.CorruptDataException;
import io.ccdr.tls.SslPolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.SocketFactory;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;

/**
 * Copies a consistent snapshot of an upstream database's store into a local directory (the
 * "store copy needed" path of the transaction stream). The upstream makes a checkpoint at some
 * txId T and streams its files in CRC32C-checked chunks; after a broken connection the copy
 * resumes at the file and offset reached, on the same upstream if it still holds that checkpoint,
 * otherwise from scratch on the next upstream. The result opens with {@link GraphStore#open} at T,
 * and the reader then subscribes from T + 1 with the checkpoint's chain hash.
 *
 * <p>Blocking, one connection at a time: the reader's pace is the socket's pace, so back-pressure
 * is plain TCP flow control plus the server's writability check.
 */
public final class StoreCopyClient {
    private static final Logger LOG = LoggerFactory.getLogger(StoreCopyClient.class);

    /** Bytes received so far out of the checkpoint's total (called after every chunk). */
    public interface Progress {
        void onProgress(long bytesCopied, long totalBytes);
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

    private final List<HostPort> upstreams;
    private final SocketFactory sockets;
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
        this.sockets = tls == null ? SocketFactory.getDefault() : tls.socketFactory();
        this.ioTimeout = ioTimeout;
        this.maxAttempts = maxAttempts;
    }

    /** Copies {@code database} into {@code target} (created; emptied first if it holds anything). */
    public Result copy(String database, Path target, Progress progress) throws IOException {
        Files.createDirectories(target);
        clear(target);
        Position pos = new Position();
        IOException last = null;
        for (int attempt = 1; attempt <= maxAttempts; attempt++) {
            HostPort upstream = upstreams.get((attempt - 1) % upstreams.size());
            try {
                StreamMessages.StoreCopyBegin begin = attemptCopy(upstream, database, target, pos, progress);
                return new Result(begin.copyId(), begin.txId(), begin.chainHash(), begin.lastCommitTimeMillis(), begin.totalBytes(), attempt);
            } catch (StoreCopyRefusedException e) {
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
            }
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

    private StreamMessages.StoreCopyBegin attemptCopy(HostPort upstream, String database, Path target, Position pos, Progress progress)
            throws IOException {
        try (Socket s = sockets.createSocket()) {
            int timeout = (int) ioTimeout.toMillis();
            s.connect(new InetSocketAddress(upstream.host(), upstream.port()), timeout);
            s.setSoTimeout(timeout);
            DataOutputStream out = new DataOutputStream(new BufferedOutputStream(s.getOutputStream()));
            DataInputStream in = new DataInputStream(new BufferedInputStream(s.getInputStream(), 1 << 16));
            FrameIO.write(out, new StreamMessages.StoreCopyRequest(database, pos.copyId, pos.file, pos.offset).toFrame());
            Frame first = FrameIO.read(in);
            failOnError(first);
            expect(first, Frame.Type.STORE_COPY_BEGIN);
            StreamMessages.StoreCopyBegin begin = StreamMessages.StoreCopyBegin.decode(first.payload());
            if (!begin.copyId().equals(pos.copyId)) {
                // a new checkpoint (first attempt, or the old one is gone): whatever we hold is from another snapshot
                clear(target);
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
                Frame f = FrameIO.read(in);
                failOnError(f);
                if (f.type() == Frame.Type.STORE_COPY_END) {
                    verifySizes(target, begin);
                    progress.onProgress(total, total);
                    return begin;
                }
                expect(f, Frame.Type.STORE_COPY_CHUNK);
                StreamMessages.StoreCopyChunk c = StreamMessages.StoreCopyChunk.decode(f.payload());
                if (!c.intact()) {
                    throw new IOException("chunk of " + c.file() + " at " + c.offset() + " fails its CRC32C");
                }
                StreamMessages.CopyFile file = begin.files().stream().filter(x -> x.name().equals(c.file())).findFirst()
                        .orElseThrow(() -> new IOException("chunk for unknown file " + c.file()));
                boolean sameFile = c.file().equals(pos.file);
                long expectedOffset = sameFile ? pos.offset : 0;
                if (c.offset() != expectedOffset || c.offset() + c.data().length > file.size()) {
                    throw new IOException("chunk of " + c.file() + " at " + c.offset() + " (+" + c.data().length + ") does not continue at "
                            + expectedOffset);
                }
                try (FileChannel ch = FileChannel.open(target.resolve(c.file()), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                    ByteBuffer buf = ByteBuffer.wrap(c.data());
                    while (buf.hasRemaining()) {
                        ch.write(buf, c.offset() + buf.position());
                    }
                    if (c.offset() + c.data().length == file.size()) {
                        ch.truncate(file.size());
                        ch.force(true);
                    }
                }
                pos.file = c.file();
                pos.offset = c.offset() + c.data().length;
                pos.bytesDone += c.data().length;
                progress.onProgress(pos.bytesDone, total);
            }
        }
    }

    private static void verifySizes(Path target, StreamMessages.StoreCopyBegin begin) throws IOException {
        for (StreamMessages.CopyFile f : begin.files()) {
            Path p = target.resolve(f.name());
            if (!Files.exists(p) || Files.size(p) != f.size()) {
                throw new IOException("copied file " + f.name() + " has " + (Files.exists(p) ? Files.size(p) : -1) + " bytes, expected " + f.size());
            }
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
