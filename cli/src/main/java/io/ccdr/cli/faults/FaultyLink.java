package io.ccdr.cli.faults;

import io.ccdr.node.config.HostPort;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP forwarder to one server address whose link can fail the ways a WAN link does. Clients are
 * given {@link #address()} instead of the server's; the bytes pass through untouched, so mutual TLS
 * stays end to end.
 *
 * <ul>
 *   <li>{@link #cut()}: open connections are closed and new ones closed on accept (a refused link:
 *   the client sees its peer go away at once and retries);</li>
 *   <li>{@link #blackhole()}: connections stay open and new ones are accepted, but nothing moves in
 *   either direction (packets dropped, not refused: only the client's own liveness checks notice);
 *   what was sent meanwhile moves on {@link #heal()}, as TCP retransmits after a real one;</li>
 *   <li>{@link #heal()}: forwards again.</li>
 * </ul>
 *
 * <p>Blocking I/O, two threads per connection: a replica holds one or two connections, and a 64 KiB
 * buffer keeps the copy cost far below TLS and apply costs.
 */
public final class FaultyLink implements AutoCloseable {
    private enum State { FORWARDING, CUT, BLACKHOLED }

    private final HostPort target;
    private final ServerSocket listener;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final Object gate = new Object();
    private volatile State state = State.FORWARDING;
    private volatile boolean closed;

    public FaultyLink(HostPort target) throws IOException {
        this.target = target;
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread accept = new Thread(this::acceptLoop, "faulty-link-" + target.port());
        accept.setDaemon(true);
        accept.start();
    }

    /** The address to give clients instead of the target's. */
    public HostPort address() {
        return new HostPort("127.0.0.1", listener.getLocalPort());
    }

    public HostPort target() {
        return target;
    }

    /** Refuses the link: open connections are closed, new ones are closed on accept. */
    public void cut() {
        setState(State.CUT);
        for (Socket s : List.copyOf(open)) {
            closeQuietly(s);
        }
    }

    /** Drops everything in flight without closing anything, until {@link #heal()}. */
    public void blackhole() {
        setState(State.BLACKHOLED);
    }

    public void heal() {
        setState(State.FORWARDING);
    }

    private void setState(State s) {
        synchronized (gate) {
            state = s;
            gate.notifyAll();
        }
    }

    private void acceptLoop() {
        while (!closed) {
            Socket client;
            try {
                client = listener.accept();
            } catch (IOException e) {
                return; // closed
            }
            if (state == State.CUT) {
                closeQuietly(client);
                continue;
            }
            Socket upstream = new Socket();
            try {
                client.setTcpNoDelay(true);
                upstream.setTcpNoDelay(true);
                awaitNotBlackholed();
                upstream.connect(new InetSocketAddress(target.host(), target.port()), 5_000);
                open.add(client);
                open.add(upstream);
                pump(client, upstream);
                pump(upstream, client);
            } catch (IOException e) {
                closeQuietly(client);
                closeQuietly(upstream);
            }
        }
    }

    /** Blocks while the link is blackholed; fails once it is cut or closed instead. */
    private void awaitNotBlackholed() throws IOException {
        synchronized (gate) {
            while (state == State.BLACKHOLED && !closed) {
                try {
                    gate.wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted");
                }
            }
            if (state == State.CUT || closed) {
                throw new IOException("link cut");
            }
        }
    }

    private void pump(Socket from, Socket to) throws IOException {
        InputStream in = from.getInputStream();
        OutputStream out = to.getOutputStream();
        Thread t = new Thread(() -> {
            byte[] buf = new byte[1 << 16];
            try {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    awaitNotBlackholed();
                    out.write(buf, 0, n);
                }
            } catch (IOException e) {
                // either side went away, or cut() closed the link
            } finally {
                closeQuietly(from);
                closeQuietly(to);
            }
        }, "faulty-link-pump");
        t.setDaemon(true);
        t.start();
    }

    private void closeQuietly(Socket s) {
        open.remove(s);
        try {
            s.close();
        } catch (IOException e) {
            // already closed
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            listener.close();
        } catch (IOException e) {
            // already closed
        }
        cut();
    }
}
