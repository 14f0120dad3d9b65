package io.ccdr.replica.metrics;

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
 * A TCP proxy to one upstream address whose link can be cut and healed (adapted from upstream-node's
 * {@code io.ccdr.node.stream.CuttingProxy}, which cuts its first connection after a byte count). While cut, every
 * open connection is closed and new ones are accepted and closed at once, as a firewall that resets would; the
 * listening port stays the same so that whoever was given the proxy's address reconnects through it after
 * {@link #heal()}.
 */
final class CuttingProxy implements AutoCloseable {
    private final ServerSocket server;
    private final HostPort upstream;
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger refused = new AtomicInteger();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private volatile boolean cut;

    CuttingProxy(HostPort upstream) throws IOException {
        this.upstream = upstream;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread accept = new Thread(this::acceptLoop, "cutting-proxy-" + upstream.port());
        accept.setDaemon(true);
        accept.start();
    }

    HostPort address() {
        return new HostPort("127.0.0.1", server.getLocalPort());
    }

    /** Connections forwarded so far. */
    int connections() {
        return connections.get();
    }

    /** Connections accepted and closed at once while cut. */
    int refused() {
        return refused.get();
    }

    /** Closes every forwarded connection and refuses new ones until {@link #heal()}. */
    void cut() {
        cut = true;
        for (Socket s : sockets) {
            closeQuietly(s);
        }
        sockets.clear();
    }

    void heal() {
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
                connections.incrementAndGet();
                pump(client.getInputStream(), up.getOutputStream(), client, up);
                pump(up.getInputStream(), client.getOutputStream(), client, up);
                if (cut) { // cut() ran between accept and registration: do not let this one through
                    closeQuietly(client);
                    closeQuietly(up);
                }
            } catch (IOException e) {
                closeQuietly(client); // upstream down: the client sees a reset, as without a proxy
            }
        }
    }

    private void pump(InputStream in, OutputStream out, Socket a, Socket b) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[8192];
            try {
                int n;
                while ((n = in.read(buf)) > 0) {
                    out.write(buf, 0, n);
                    out.flush();
                }
            } catch (IOException e) {
                // peer gone or cut
            }
            closeQuietly(a);
            closeQuietly(b);
            sockets.remove(a);
            sockets.remove(b);
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
