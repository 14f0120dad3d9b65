package io.ccdr.node.cluster;

import io.ccdr.node.config.HostPort;
import io.ccdr.node.stream.Frame;
import io.ccdr.node.stream.FrameIO;

import javax.net.SocketFactory;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** One request/response exchange with a peer's cluster port (discovery, status). */
public final class ClusterClient {
    private final SocketFactory sockets;

    public ClusterClient(SocketFactory sockets) {
        this.sockets = sockets == null ? SocketFactory.getDefault() : sockets;
    }

    public Frame request(HostPort address, Frame request, Duration timeout) throws IOException {
        try (Socket s = sockets.createSocket()) {
            s.connect(new InetSocketAddress(address.host(), address.port()), (int) timeout.toMillis());
            s.setSoTimeout((int) timeout.toMillis());
            DataOutputStream out = new DataOutputStream(new BufferedOutputStream(s.getOutputStream()));
            FrameIO.write(out, request);
            Frame reply = FrameIO.read(new DataInputStream(new BufferedInputStream(s.getInputStream())));
            if (reply.type() == Frame.Type.ERROR) {
                throw new IOException(address + " answered: " + new String(reply.payload(), StandardCharsets.UTF_8));
            }
            return reply;
        }
    }
}
