package io.ccdr.node.bolt;

import io.netty.handler.ssl.SslContext;

import java.time.Duration;

/**
 * Immutable settings of a {@link BoltServer}. Start from {@link #defaults(String, int)} and adjust
 * with the {@code with*} methods.
 *
 * @param host                listen address (e.g. {@code 0.0.0.0}, {@code 127.0.0.1})
 * @param port                listen port; 0 picks a free one (see {@link BoltServer#boundPort()})
 * @param sslContext          server TLS context; required unless {@code tlsLevel} is DISABLED
 * @param tlsLevel            DISABLED (plaintext only), OPTIONAL (TLS or plaintext, detected from
 *                            the first bytes) or REQUIRED (TLS only), as {@code server.bolt.tls_level}
 * @param maxMessageSize      largest accepted request message in bytes, summed over its chunks;
 *                            bigger messages are refused without being buffered
 * @param maxNestingDepth     deepest accepted nesting of lists, maps and structures in a request
 * @param handshakeTimeout    a connection that has not completed the Bolt handshake (TLS included)
 *                            in this time is closed, and so is one that then does not
 *                            authenticate within the same time again
 * @param ioThreads           Netty event loop threads (0 = number of processors)
 * @param workerThreads       threads of the bounded pool that runs backend calls
 * @param maxQueuedConnections connections that may wait for a worker at once; beyond that, work
 *                            is refused with {@code Neo.TransientError.Request.NoThreadsAvailable}
 */
public record BoltConfig(String host, int port, SslContext sslContext, TlsLevel tlsLevel, int maxMessageSize,
                         int maxNestingDepth, Duration handshakeTimeout, int ioThreads, int workerThreads,
                         int maxQueuedConnections) {

    public enum TlsLevel { DISABLED, OPTIONAL, REQUIRED }

    public static final int DEFAULT_MAX_MESSAGE_SIZE = 16 * 1024 * 1024;

    public BoltConfig {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("host is required");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
        if (tlsLevel == null) {
            throw new IllegalArgumentException("tlsLevel is required");
        }
        if (tlsLevel != TlsLevel.DISABLED && sslContext == null) {
            throw new IllegalArgumentException("tls level " + tlsLevel + " needs an SslContext");
        }
        if (sslContext != null && !sslContext.isServer()) {
            throw new IllegalArgumentException("sslContext must be a server context");
        }
        if (maxMessageSize < 1024) {
            throw new IllegalArgumentException("maxMessageSize must be at least 1024 bytes");
        }
        if (maxNestingDepth < 4) {
            throw new IllegalArgumentException("maxNestingDepth must be at least 4");
        }
        if (handshakeTimeout == null || handshakeTimeout.isNegative() || handshakeTimeout.isZero()) {
            throw new IllegalArgumentException("handshakeTimeout must be positive");
        }
        if (ioThreads < 0 || workerThreads < 1 || maxQueuedConnections < 1) {
            throw new IllegalArgumentException("thread counts must be positive");
        }
    }

    /** Plaintext, 16 MiB messages, depth 64, 30 s handshake timeout, 32 worker threads. */
    public static BoltConfig defaults(String host, int port) {
        return new BoltConfig(host, port, null, TlsLevel.DISABLED, DEFAULT_MAX_MESSAGE_SIZE, 64,
                Duration.ofSeconds(30), 0, 32, 10_000);
    }

    public BoltConfig withTls(SslContext context, TlsLevel level) {
        return new BoltConfig(host, port, context, level, maxMessageSize, maxNestingDepth, handshakeTimeout, ioThreads,
                workerThreads, maxQueuedConnections);
    }

    public BoltConfig withMaxMessageSize(int bytes) {
        return new BoltConfig(host, port, sslContext, tlsLevel, bytes, maxNestingDepth, handshakeTimeout, ioThreads,
                workerThreads, maxQueuedConnections);
    }

    public BoltConfig withMaxNestingDepth(int depth) {
        return new BoltConfig(host, port, sslContext, tlsLevel, maxMessageSize, depth, handshakeTimeout, ioThreads,
                workerThreads, maxQueuedConnections);
    }

    public BoltConfig withHandshakeTimeout(Duration timeout) {
        return new BoltConfig(host, port, sslContext, tlsLevel, maxMessageSize, maxNestingDepth, timeout, ioThreads,
                workerThreads, maxQueuedConnections);
    }

    public BoltConfig withThreads(int io, int workers) {
        return new BoltConfig(host, port, sslContext, tlsLevel, maxMessageSize, maxNestingDepth, handshakeTimeout, io,
                workers, maxQueuedConnections);
    }

    public BoltConfig withMaxQueuedConnections(int max) {
        return new BoltConfig(host, port, sslContext, tlsLevel, maxMessageSize, maxNestingDepth, handshakeTimeout,
                ioThreads, workerThreads, max);
    }
}
