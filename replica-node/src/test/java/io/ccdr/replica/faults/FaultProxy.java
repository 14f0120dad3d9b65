package io.ccdr.replica.faults;

import io.ccdr.node.config.HostPort;
import io.ccdr.node.stream.Frame;
import io.ccdr.node.stream.StreamMessages;
import io.ccdr.node.tx.TransactionRecord;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.CRC32C;

/**
 * A fault-injecting TCP proxy in front of one cluster port, for the link between two clusters.
 * The server-to-client direction is read frame by frame (plaintext cluster protocol, see
 * {@link Frame}) so that faults can hit the middle of a frame and a TX_BATCH can be tampered with;
 * the client-to-server direction is forwarded as bytes.
 *
 * <p>Faults: {@link #cut()} drops every connection and refuses new ones (accepted, then closed at
 * once, as a firewall that resets would) until {@link #heal()}; {@link #stall(long)} holds every
 * byte in both directions, every frame is split in two so a stall lands mid-frame; {@link
 * #randomCuts} closes each new connection after a random number of bytes towards the client;
 * {@link #corruptNextBatch} damages one TX_BATCH; {@link #retarget} sends new connections to
 * another server.
 */
final class FaultProxy implements AutoCloseable {
    private final ServerSocket server;
    private final AtomicReference<HostPort> target;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger refused = new AtomicInteger();
    private final AtomicLong bytesToClients = new AtomicLong();
    private volatile boolean cut;
    private volatile long stallUntilNanos;
    private volatile long randomCutMin;
    private volatile long randomCutMax;
    private final Random random = new Random(42);
    private final AtomicReference<Corruption> corruption = new AtomicReference<>();
    private final AtomicReference<List<TransactionRecord>> corrupted = new AtomicReference<>();

    private record Corruption(boolean fixChecksum) {
    }

    FaultProxy(HostPort target) throws IOException {
        this.target = new AtomicReference<>(target);
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread accept = new Thread(this::acceptLoop, "fault-proxy-" + server.getLocalPort());
        accept.setDaemon(true);
        accept.start();
    }

    HostPort address() {
        return new HostPort("127.0.0.1", server.getLocalPort());
    }

    /** Connections accepted and forwarded so far. */
    int connections() {
        return connections.get();
    }

    long bytesToClients() {
        return bytesToClients.get();
    }

    /** Drops every open connection and refuses new ones until {@link #heal()}. */
    void cut() {
        cut = true;
        dropConnections();
    }

    /** Ends a cut, a stall and random cuts. */
    void heal() {
        cut = false;
        stallUntilNanos = 0;
        synchronized (stallEnded) {
            stallEnded.notifyAll();
        }
        randomCutMax = 0;
    }

    /** Holds all traffic (both directions, open and new connections) for {@code millis}; connections stay open. */
    void stall(long millis) {
        stallUntilNanos = System.nanoTime() + millis * 1_000_000L;
    }

    boolean stalling() {
        return System.nanoTime() - stallUntilNanos < 0;
    }

    /** Every connection accepted from now on is closed after a random number of bytes (in [min, max]) towards the client. */
    void randomCuts(long minBytes, long maxBytes) {
        randomCutMin = minBytes;
        randomCutMax = maxBytes;
    }

    /**
     * Damages the last byte of the next TX_BATCH towards a client (the last change set of the
     * batch). With {@code fixChecksum} the frame's CRC is recomputed, so only the chain hash can
     * tell; without, the frame checksum is wrong.
     */
    void corruptNextBatch(boolean fixChecksum) {
        corrupted.set(null);
        corruption.set(new Corruption(fixChecksum));
    }

    /** The batch that was damaged (as sent by the server), once it was. */
    List<TransactionRecord> corruptedBatch() {
        return corrupted.get();
    }

    /** New connections go to {@code to}; existing ones are dropped. */
    void retarget(HostPort to) {
        target.set(to);
        dropConnections();
    }

    void dropConnections() {
        for (Socket s : sockets) {
            closeQuietly(s);
        }
        sockets.clear();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                return;
            }
            if (cut) {
                refused.incrementAndGet();
                closeQuietly(client);
                continue;
            }
            HostPort to = target.get();
            Socket up;
            try {
                up = new Socket(to.host(), to.port());
                client.setTcpNoDelay(true);
                up.setTcpNoDelay(true);
            } catch (IOException e) {
                closeQuietly(client);
                continue;
            }
            sockets.add(client);
            sockets.add(up);
            connections.incrementAndGet();
            long max = randomCutMax;
            long budget = max > 0 ? randomCutMin + (long) (random.nextDouble() * (max - randomCutMin)) : Long.MAX_VALUE;
            start("fault-proxy-up", () -> bytesUp(client, up));
            start("fault-proxy-down", () -> framesDown(up, client, budget));
        }
    }

    private static void start(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        t.start();
    }

    private void bytesUp(Socket client, Socket up) {
        byte[] buf = new byte[16 << 10];
        try {
            InputStream in = client.getInputStream();
            OutputStream out = up.getOutputStream();
            int n;
            while ((n = in.read(buf)) > 0) {
                awaitNoStall();
                out.write(buf, 0, n);
                out.flush();
            }
        } catch (IOException | InterruptedException e) {
            // either side gone
        } finally {
            closeQuietly(client);
            closeQuietly(up);
        }
    }

    private void framesDown(Socket up, Socket client, long budget) {
        long sent = 0;
        try {
            DataInputStream in = new DataInputStream(up.getInputStream());
            OutputStream out = client.getOutputStream();
            while (true) {
                int length;
                try {
                    length = in.readInt();
                } catch (EOFException e) {
                    return;
                }
                if (length < 6 || length > Frame.MAX_LENGTH) {
                    return; // not the cluster protocol: nothing sensible to forward
                }
                byte[] frame = new byte[4 + length];
                ByteBuffer.wrap(frame).putInt(length);
                in.readFully(frame, 4, length);
                maybeCorrupt(frame);
                int half = frame.length / 2;
                for (int[] part : new int[][] {{0, half}, {half, frame.length}}) {
                    awaitNoStall();
                    if (cut) {
                        return;
                    }
                    int len = (int) Math.min(part[1] - part[0], budget - sent);
                    out.write(frame, part[0], len);
                    out.flush();
                    sent += len;
                    bytesToClients.addAndGet(len);
                    if (sent >= budget) {
                        return; // the cut lands wherever the budget ends, usually mid-frame
                    }
                }
            }
        } catch (IOException | InterruptedException e) {
            // either side gone
        } finally {
            closeQuietly(client);
            closeQuietly(up);
        }
    }

    private void maybeCorrupt(byte[] frame) {
        int type = frame[5] & 0xFF;
        if (type != Frame.Type.TX_BATCH || corruption.get() == null) {
            return;
        }
        Corruption c = corruption.getAndSet(null);
        if (c == null) {
            return;
        }
        byte[] payload = java.util.Arrays.copyOfRange(frame, 6, frame.length - 4);
        corrupted.set(StreamMessages.decodeBatch(payload));
        frame[frame.length - 5] ^= 0x5A; // last byte of the payload: the batch's last change set
        if (c.fixChecksum()) {
            CRC32C crc = new CRC32C();
            crc.update(frame[4] & 0xFF);
            crc.update(type);
            crc.update(frame, 6, frame.length - 10);
            ByteBuffer.wrap(frame).putInt(frame.length - 4, (int) crc.getValue());
        }
    }

    /** Holds the forwarding thread until the stall's end (or a heal, which clears it). */
    private void awaitNoStall() throws InterruptedException {
        synchronized (stallEnded) {
            long left;
            while ((left = stallUntilNanos - System.nanoTime()) > 0) {
                java.util.concurrent.TimeUnit.NANOSECONDS.timedWait(stallEnded, left);
            }
        }
    }

    private final Object stallEnded = new Object();

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // ignore
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        dropConnections();
    }
}
