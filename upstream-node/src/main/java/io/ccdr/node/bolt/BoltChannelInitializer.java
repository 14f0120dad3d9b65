package io.ccdr.node.bolt;

import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.OptionalSslHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds a new connection's pipeline: [TLS] → handshake. After a successful handshake the
 * handshake handler replaces itself with the message decoder and the connection handler.
 */
final class BoltChannelInitializer extends ChannelInitializer<SocketChannel> {
    private static final Logger LOG = LoggerFactory.getLogger(BoltChannelInitializer.class);
    private final BoltServer.Shared shared;

    BoltChannelInitializer(BoltServer.Shared shared) {
        this.shared = shared;
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        // Opened and closed are paired here, on the accepted channel itself, rather than in the handshake or
        // connection handlers: those only exist for connections that get that far, and the close future completes
        // exactly once however the channel ends (client, server shutdown, timeout, protocol error). The listener goes
        // on before the channel joins the group, so it has run by the time BoltServer.close() sees the group closed.
        BoltBackend backend = shared.backend();
        notifyBackend(backend::connectionOpened, "opened");
        ch.closeFuture().addListener(f -> notifyBackend(backend::connectionClosed, "closed"));
        shared.channels().add(ch);
        ChannelPipeline p = ch.pipeline();
        BoltConfig config = shared.config();
        switch (config.tlsLevel()) {
            // OptionalSslHandler looks at the first bytes: a TLS record header installs an SslHandler,
            // anything else (the Bolt magic) removes it and continues in plaintext.
            case OPTIONAL -> p.addLast("tls", new OptionalSslHandler(config.sslContext()));
            case REQUIRED -> p.addLast("tls", config.sslContext().newHandler(ch.alloc()));
            case DISABLED -> {
            }
        }
        p.addLast("bolt-handshake", new BoltHandshakeHandler(shared));
    }

    /** Connection events feed metrics: a failing listener must never cost a client its connection. */
    private static void notifyBackend(Runnable event, String what) {
        try {
            event.run();
        } catch (RuntimeException e) {
            LOG.warn("Bolt backend failed to handle connection {} event: {}", what, e.toString());
        }
    }
}
