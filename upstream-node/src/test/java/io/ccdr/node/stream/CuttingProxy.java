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

/** A TCP proxy to one upstream that cuts its first connection after a number of bytes towards the client. */
final class CuttingProxy implements AutoCloseable {
    private final ServerSocket server;
    private final HostPort upstream;
    private final long cutAfter;
    private final AtomicInteger connections = new AtomicInteger();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();

    CuttingProxy(HostPort upstream, long cutAfter) throws IOException {
        this.upstream = upstream;
        this.cutAfter = cutAfter;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread accept = new Thread(this::acceptLoop, "cutting-proxy");
        accept.setDaemon(true);
        accept.start();
    }

    HostPort address() {
        return new HostPort("127.0.0.1", server.getLocalPort());
    }

    int connections() {
        return connections.get();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                Socket up = new Socket(upstream.host(), upstream.port());
                sockets.add(client);
                sockets.add(up);
                boolean cut = connections.incrementAndGet() == 1;
                pump(client.getInputStream(), up.getOutputStream(), Long.MAX_VALUE, client, up);
                pump(up.getInputStream(), client.getOutputStream(), cut ? cutAfter : Long.MAX_VALUE, client, up);
            } catch (IOException e) {
                return;
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
