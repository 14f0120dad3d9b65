package io.ccdr.node.stream;

import io.ccdr.node.config.HostPort;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A byte-level TCP proxy to one upstream address (so it works under TLS too). It can cut its first
 * connection after a number of bytes towards the client, and its whole link can be cut and healed:
 * while cut, every open connection is closed and new ones are accepted and closed at once, as a
 * firewall that resets would; the listening port stays the same so that whoever was given the
 * proxy's address reconnects through it after {@link #heal()}.
 */
public final class CuttingProxy implements AutoCloseable {
    private final ServerSocket server;
    private final HostPort upstream;
    private final long firstConnectionCutAfter;
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger refused = new AtomicInteger();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private volatile boolean cut;

    /** A proxy whose link is only cut by {@link #cut()}. */
    public CuttingProxy(HostPort upstream) throws IOException {
        this(upstream, Long.MAX_VALUE);
    }

    /** A proxy that also ends its first connection after {@code firstConnectionCutAfter} bytes towards the client. */
    public CuttingProxy(HostPort upstream, long firstConnectionCutAfter) throws IOException {
        this.upstream = upstream;
        this.firstConnectionCutAfter = firstConnectionCutAfter;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread accept = new Thread(this::acceptLoop, "cutting-proxy-" + upstream.port());
        accept.setDaemon(true);
        accept.start();
    }

    public HostPort address() {
        return new HostPort("127.0.0.1", server.getLocalPort());
    }

    /** Connections forwarded so far. */
    public int connections() {
        return connections.get();
    }

    /** Connections accepted and closed at once while cut. */
    public int refused() {
        return refused.get();
    }

    /** Closes every forwarded connection and refuses new ones until {@link #heal()}. */
    public void cut() {
        cut = true;
        for (Socket s : sockets) {
            closeQuietly(s);
        }
        sockets.clear();
    }

    public void heal() {
        cut = false;
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
            try {
                Socket up = new Socket(upstream.host(), upstream.port());
                sockets.add(client);
                sockets.add(up);
                boolean first = connections.incrementAndGet() == 1;
                pump(client.getInputStream(), up.getOutputStream(), Long.MAX_VALUE, client, up);
                pump(up.getInputStream(), client.getOutputStream(), first ? firstConnectionCutAfter : Long.MAX_VALUE, client, up);
                if (cut) { // cut() ran between accept and registration: do not let this one through
                    closeQuietly(client);
                    closeQuietly(up);
                }
            } catch (IOException e) {
                closeQuietly(client); // upstream unreachable: the client sees a reset, as it would without the proxy
            }
        }
    }

    private static void pump(InputStream in, OutputStream out, long limit, Socket a, Socket b) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[8192];
            long total = 0;
            try {
                int n;
                while ((n = in.read(buf)) > 0) {
                    int allowed = (int) Math.min(n, limit - total);
                    out.write(buf, 0, allowed);
                    out.flush();
                    total += allowed;
                    if (total >= limit) {
                        break;
                    }
                }
            } catch (IOException e) {
                // peer gone
            }
            closeQuietly(a);
            closeQuietly(b);
        }, "cutting-proxy-pump");
        t.setDaemon(true);
        t.start();
    }

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
        for (Socket s : sockets) {
            closeQuietly(s);
        }
    }
}
