package io.ccdr.cli.bench;

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
 * A TCP forwarder to one upstream server address that can cut the link: {@link #pause()} closes
 * every open connection and closes new ones as soon as they are accepted (so the replica sees its
 * upstream go away and keeps retrying), {@link #resume()} forwards again. The bytes pass through
 * untouched, so mutual TLS stays end to end between the replica and the upstream.
 *
 * <p>Blocking I/O, two threads per connection: a replica holds one or two connections, and a 64 KiB
 * buffer keeps the copy cost far below TLS and apply costs.
 */
final class LinkProxy implements AutoCloseable {
    private final HostPort target;
    private final ServerSocket listener;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private volatile boolean paused;
    private volatile boolean closed;

    LinkProxy(HostPort target) throws IOException {
        this.target = target;
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread accept = new Thread(this::acceptLoop, "bench-link-proxy-" + target.port());
        accept.setDaemon(true);
        accept.start();
    }

    /** The address to give the replica instead of {@code target}. */
    HostPort address() {
        return new HostPort("127.0.0.1", listener.getLocalPort());
    }

    /** Cuts the link: open connections are closed, new ones are closed on accept. */
    void pause() {
        paused = true;
        for (Socket s : List.copyOf(open)) {
            closeQuietly(s);
        }
    }

    void resume() {
        paused = false;
    }

    private void acceptLoop() {
        while (!closed) {
            Socket client;
            try {
                client = listener.accept();
            } catch (IOException e) {
                return; // closed
            }
            if (paused) {
                closeQuietly(client);
                continue;
            }
            Socket upstream = new Socket();
            try {
                client.setTcpNoDelay(true);
                upstream.setTcpNoDelay(true);
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

    private void pump(Socket from, Socket to) throws IOException {
        InputStream in = from.getInputStream();
        OutputStream out = to.getOutputStream();
        Thread t = new Thread(() -> {
            byte[] buf = new byte[1 << 16];
            try {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    out.write(buf, 0, n);
                }
            } catch (IOException e) {
                // either side went away, or pause() cut the link
            } finally {
                closeQuietly(from);
                closeQuietly(to);
            }
        }, "bench-link-proxy-pump");
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
        pause();
    }
}
