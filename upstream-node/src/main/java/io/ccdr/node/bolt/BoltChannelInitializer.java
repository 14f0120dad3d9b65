package io.ccdr.node.bolt;

import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.OptionalSslHandler;

/**
 * Builds a new connection's pipeline: [TLS] → handshake. After a successful handshake the
 * handshake handler replaces itself with the message decoder and the connection handler.
 */
final class BoltChannelInitializer extends ChannelInitializer<SocketChannel> {
    private final BoltServer.Shared shared;

    BoltChannelInitializer(BoltServer.Shared shared) {
        this.shared = shared;
    }

    @Override
    protected void initChannel(SocketChannel ch) {
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
}
