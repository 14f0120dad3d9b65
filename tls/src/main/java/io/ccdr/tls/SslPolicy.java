package io.ccdr.tls;

import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.IdentityCipherSuiteFilter;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import org.apache.ratis.grpc.GrpcTlsConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * A loaded SSL policy: the node's identity from {@code private.key}/{@code public.crt} and a trust manager over
 * {@code trusted/} and {@code revoked/}, with the factories every TLS endpoint of ccdr uses (Netty
 * {@link SslContext}s for the transaction stream and Bolt, Ratis {@link GrpcTlsConfig} for Raft).
 *
 * <p><b>Reload.</b> A background thread polls the policy files every {@code reloadInterval} (default 2 s) and,
 * when their content changed, swaps in the new trust snapshot (and the new identity, if key and certificate are
 * consistent). The key and trust managers handed out read the current snapshot on every handshake, so no
 * SslContext is rebuilt and nothing restarts. A reload that cannot read a CRL keeps the previous snapshot
 * (fail closed: a half-written CRL must not un-revoke anything) and logs one WARN per distinct content.
 *
 * <p><b>Live connections.</b> Channels registered with {@link #track} (the {@link RevocationEnforcer} does it
 * after each handshake) are re-validated after every reload and checked for expiry on every poll; a channel whose
 * peer certificate is now revoked, expired or no longer issued by a trusted CA is closed, so a revocation takes
 * effect on established connections within one poll interval.
 *
 * <p><b>Hostname verification.</b> With {@code verify_hostname=true}, the client side enables the JDK's
 * {@code HTTPS} endpoint identification: the host or IP the client dialled (passed to
 * {@link #newClientHandler}) must match a DNS or IP SAN of the server certificate. The server side never checks
 * client names (as in Neo4j): client certificates are authenticated by CA and revocation only.
 *
 * <p>Every refused peer produces exactly one WARN line naming the peer address, certificate subject and reason.
 */
public final class SslPolicy implements Closeable {
    public static final Duration DEFAULT_RELOAD_INTERVAL = Duration.ofSeconds(2);
    private static final Logger LOG = LoggerFactory.getLogger(SslPolicy.class);

    private final SslPolicyConfig config;
    private final Duration reloadInterval;
    private final ReloadingKeyManager keyManager;
    private final ReloadingTrustManager trustManager;
    private final ScheduledExecutorService poller;
    private final Map<Channel, Tracked> tracked = new ConcurrentHashMap<>();
    private final List<Consumer<PeerRefusal>> listeners = new CopyOnWriteArrayList<>();
    /** Engines whose refusal has been reported by the trust manager, so the handler does not report it again. */
    private final Set<SSLEngine> reported = Collections.synchronizedSet(Collections.newSetFromMap(new WeakHashMap<>()));

    private volatile TrustState trust;
    private String trustFingerprint;
    private String identityFingerprint;
    private String failedFingerprint;
    private SslContext serverContext;
    private SslContext clientContext;
    private volatile boolean closed;

    private record Tracked(String peer, X509Certificate[] chain) {
    }

    private SslPolicy(SslPolicyConfig config, Duration reloadInterval) {
        this.config = config;
        this.reloadInterval = reloadInterval;
        requireFile(config.privateKey(), "private key", "private_key");
        requireFile(config.publicCertificate(), "public certificate", "public_certificate");
        requireDirectory(config.trustedDir(), "trusted directory", "trusted_dir");
        requireDirectory(config.revokedDir(), "revoked directory", "revoked_dir");
        // Digests first: a change landing while loading is then seen by the first poll.
        this.trustFingerprint = fingerprint(trustFiles());
        this.identityFingerprint = fingerprint(List.of(config.privateKey(), config.publicCertificate()));
        this.keyManager = new ReloadingKeyManager(loadIdentity(config));
        warnIfKeyIsShared(config);
        this.trust = TrustState.load(config, true, LOG);
        if (trust.anchors.isEmpty() && !config.trustAll()) {
            throw new TlsException("SSL policy '" + config.scope() + "': trusted directory " + config.trustedDir()
                    + " contains no CA certificate (" + config.settingName("trusted_dir") + ")");
        }
        if (config.trustAll()) {
            LOG.warn("SSL policy [{}]: trust_all=true, any CA is accepted; use only for testing", config.scope());
        }
        String ownValidity = CertificateInfo.validityProblem(certificate(), Instant.now());
        if (ownValidity != null) {
            LOG.warn("SSL policy [{}]: own certificate {}: {}; peers will refuse it", config.scope(),
                    config.publicCertificate(), ownValidity);
        }
        this.trustManager = new ReloadingTrustManager(this);
        this.poller = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "ccdr-tls-reload-" + config.scope());
            t.setDaemon(true);
            return t;
        });
        long millis = reloadInterval.toMillis();
        poller.scheduleWithFixedDelay(this::pollSafely, millis, millis, TimeUnit.MILLISECONDS);
    }

    /** Loads an enabled policy, polling for changes every {@link #DEFAULT_RELOAD_INTERVAL}. */
    public static SslPolicy load(SslPolicyConfig config) {
        return load(config, DEFAULT_RELOAD_INTERVAL);
    }

    /**
     * Loads an enabled policy.
     *
     * @throws TlsException naming the missing or malformed file (and its setting) if the policy is incomplete
     */
    public static SslPolicy load(SslPolicyConfig config, Duration reloadInterval) {
        Objects.requireNonNull(config, "config");
        if (!config.enabled()) {
            throw new IllegalArgumentException("SSL policy '" + config.scope() + "' is not enabled ("
                    + config.settingName("enabled") + "=false)");
        }
        if (reloadInterval.isNegative() || reloadInterval.isZero()) {
            throw new IllegalArgumentException("reload interval must be positive");
        }
        return new SslPolicy(config, reloadInterval);
    }

    public SslPolicyConfig config() {
        return config;
    }

    public Duration reloadInterval() {
        return reloadInterval;
    }

    /** This node's certificate (the leaf of {@code public.crt}) as currently presented. */
    public X509Certificate certificate() {
        return keyManager.identity().chain().get(0);
    }

    /** The CA certificates currently trusted. */
    public List<X509Certificate> trustedCertificates() {
        return trust.anchors;
    }

    /**
     * The earliest notAfter among this node's certificate chain and the trusted CA certificates: the moment
     * something in this policy stops working unless renewed (for the certificate-expiry metric).
     */
    public Instant earliestExpiry() {
        return Stream.concat(keyManager.identity().chain().stream(), trust.anchors.stream())
                .map(c -> c.getNotAfter().toInstant())
                .min(Instant::compareTo)
                .orElseThrow();
    }

    public X509ExtendedKeyManager keyManager() {
        return keyManager;
    }

    public X509ExtendedTrustManager trustManager() {
        return trustManager;
    }

    /**
     * Server-side context (BoringSSL or JDK provider) with client authentication per {@code client_auth}. Rebuilt after each
     * reload that changed something, so do not keep it: create handlers per connection through
     * {@link #newServerHandler} / {@link #installServer}.
     */
    public synchronized SslContext nettyServerContext() {
        if (serverContext == null) {
            serverContext = build(SslContextBuilder.forServer(keyManager)
                    .clientAuth(switch (config.clientAuth()) {
                        case NONE -> ClientAuth.NONE;
                        case OPTIONAL -> ClientAuth.OPTIONAL;
                        case REQUIRE -> ClientAuth.REQUIRE;
                    }));
        }
        return serverContext;
    }

    /**
     * Client-side context (BoringSSL or JDK provider) presenting this node's certificate; hostname checked if configured.
     * Rebuilt after each reload that changed something; create handlers through {@link #newClientHandler}.
     */
    public synchronized SslContext nettyClientContext() {
        if (clientContext == null) {
            clientContext = build(SslContextBuilder.forClient()
                    .keyManager(keyManager)
                    .endpointIdentificationAlgorithm(config.verifyHostname() ? "HTTPS" : null));
        }
        return clientContext;
    }

    /** An SslHandler for an accepted channel; the engine knows the peer address for log lines. */
    public SslHandler newServerHandler(Channel channel) {
        InetSocketAddress remote = (InetSocketAddress) channel.remoteAddress();
        return remote == null
                ? nettyServerContext().newHandler(channel.alloc())
                : nettyServerContext().newHandler(channel.alloc(), remote.getHostString(), remote.getPort());
    }

    /**
     * An SslHandler for a connection this node dials to {@code host:port}. The host must be the name or IP
     * literal actually dialled: it is what {@code verify_hostname} checks against the server's SANs.
     */
    public SslHandler newClientHandler(Channel channel, String host, int port) {
        return nettyClientContext().newHandler(channel.alloc(), host, port);
    }

    /** Adds {@code ssl} and {@code ccdr-tls-enforcer} at the front of an accepted channel's pipeline. */
    public void installServer(ChannelPipeline pipeline) {
        pipeline.addFirst(RevocationEnforcer.NAME, new RevocationEnforcer(this));
        pipeline.addFirst("ssl", newServerHandler(pipeline.channel()));
    }

    /** Adds {@code ssl} and {@code ccdr-tls-enforcer} at the front of a dialled channel's pipeline. */
    public void installClient(ChannelPipeline pipeline, String host, int port) {
        pipeline.addFirst(RevocationEnforcer.NAME, new RevocationEnforcer(this));
        pipeline.addFirst("ssl", newClientHandler(pipeline.channel(), host, port));
    }

    /**
     * Ratis gRPC TLS with mutual authentication, over this policy's reloading key and trust managers: new Raft
     * connections see trust changes at once. (gRPC keeps its own connections; closing those after a revocation
     * is not possible through Ratis, so a revoked Raft peer is cut off when it next reconnects.) gRPC checks the
     * dialled address against the server's SANs itself, whatever {@code verify_hostname} says; {@code
     * tls_versions} and {@code ciphers} are not applied to gRPC, which uses its HTTP/2-safe defaults.
     */
    /**
     * A blocking-socket client factory presenting this policy's certificate and validating peers
     * with its (reloading) trust, for simple request/response tools such as status probes.
     */
    public javax.net.ssl.SSLSocketFactory socketFactory() {
        try {
            javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLS");
            ctx.init(new javax.net.ssl.KeyManager[]{keyManager()}, new javax.net.ssl.TrustManager[]{trustManager()}, null);
            // a resumed session skips the peer's certificate checks: resume only briefly, so a revocation soon applies
            ctx.getClientSessionContext().setSessionTimeout(60);
            return ctx.getSocketFactory();
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("cannot build a TLS socket factory for " + config().scope() + " policy: " + e.getMessage(), e);
        }
    }

    public GrpcTlsConfig grpcTlsConfig() {
        return new GrpcTlsConfig(keyManager, trustManager, true);
    }

    /**
     * Registers an established connection and the chain its peer presented; it is closed (with one WARN line)
     * as soon as a reload revokes or distrusts that chain, or the certificate expires. Untracked on close.
     */
    public void track(Channel channel, X509Certificate... peerChain) {
        if (peerChain == null || peerChain.length == 0 || closed) {
            return;
        }
        tracked.put(channel, new Tracked(peerOf(channel.remoteAddress()), peerChain.clone()));
        channel.closeFuture().addListener(f -> tracked.remove(channel));
        if (!channel.isActive()) {
            tracked.remove(channel);
        }
    }

    /** Number of connections currently tracked (for tests and a gauge). */
    public int trackedConnections() {
        return tracked.size();
    }

    /** Called for every refused peer, after its WARN line; for tests and metrics. */
    public void addRefusalListener(Consumer<PeerRefusal> listener) {
        listeners.add(Objects.requireNonNull(listener));
    }

    /** Reloads {@code trusted/}, {@code revoked/} and the identity now, and enforces on tracked connections. */
    public void reloadNow() {
        poll(true);
    }

    @Override
    public void close() {
        closed = true;
        poller.shutdownNow();
        tracked.clear();
    }

    // ------------------------------------------------------------------------------------------------ internals

    TrustState trustState() {
        return trust;
    }

    void refuse(SSLEngine engine, String peer, String subject, String reason, boolean connectionClosed) {
        if (engine != null) {
            reported.add(engine);
        }
        PeerRefusal refusal = new PeerRefusal(config.scope(), peer, subject, reason, connectionClosed);
        LOG.warn(refusal.describe());
        for (Consumer<PeerRefusal> l : listeners) {
            try {
                l.accept(refusal);
            } catch (RuntimeException e) {
                LOG.debug("refusal listener failed", e);
            }
        }
    }

    void abortedByPeer(String peer, String subject, String alert) {
        LOG.warn("TLS session aborted by peer [{}] peer={} subject={} reason={} (the peer refused this node; see its "
                + "log for why)", config.scope(), peer, subject, alert);
    }

    void debug(String message) {
        LOG.debug("SSL policy [{}]: {}", config.scope(), message);
    }

    boolean alreadyReported(SSLEngine engine) {
        return engine != null && reported.contains(engine);
    }

    static String peerOf(SSLEngine engine) {
        if (engine == null || engine.getPeerHost() == null) {
            return "unknown address";
        }
        return engine.getPeerHost() + ":" + engine.getPeerPort();
    }

    static String peerOf(Socket socket) {
        return socket == null ? "unknown address" : peerOf(socket.getRemoteSocketAddress());
    }

    static String peerOf(SocketAddress address) {
        if (address instanceof InetSocketAddress a) {
            return a.getHostString() + ":" + a.getPort();
        }
        return address == null ? "unknown address" : address.toString();
    }

    private void pollSafely() {
        try {
            poll(false);
        } catch (RuntimeException | Error e) {
            LOG.warn("SSL policy [{}]: reload failed: {}", config.scope(), e.toString());
        }
    }

    private synchronized void poll(boolean force) {
        if (closed) {
            return;
        }
        String trustNow = fingerprint(trustFiles());
        String identityNow = fingerprint(List.of(config.privateKey(), config.publicCertificate()));
        boolean trustChanged = force || !trustNow.equals(trustFingerprint);
        boolean identityChanged = force || !identityNow.equals(identityFingerprint);
        if (trustChanged) {
            try {
                TrustState next = TrustState.load(config, false, LOG);
                if (next.anchors.isEmpty() && !config.trustAll()) {
                    LOG.warn("SSL policy [{}]: {} now holds no CA certificate; every peer will be refused",
                            config.scope(), config.trustedDir());
                }
                trust = next;
                trustFingerprint = trustNow;
                failedFingerprint = null;
                LOG.info("SSL policy [{}]: reloaded {} trusted CA certificate(s), {} CRL(s) with {} revoked serial(s)",
                        config.scope(), next.anchors.size(), next.crls.size(), next.revokedSerials());
            } catch (TlsException e) {
                if (!trustNow.equals(failedFingerprint)) {
                    LOG.warn("SSL policy [{}]: keeping the previous trust settings, reload failed: {}",
                            config.scope(), e.getMessage());
                    failedFingerprint = trustNow;
                }
                trustChanged = false;
            }
        }
        if (identityChanged) {
            try {
                ReloadingKeyManager.Identity next = loadIdentity(config);
                if (!next.equals(keyManager.identity())) {
                    keyManager.swap(next);
                    LOG.info("SSL policy [{}]: now presenting certificate {} (serial {})", config.scope(),
                            next.chain().get(0).getSubjectX500Principal().getName(),
                            next.chain().get(0).getSerialNumber().toString(16));
                }
                identityFingerprint = identityNow;
            } catch (TlsException e) {
                if (!identityNow.equals(identityFingerprint)) {
                    LOG.warn("SSL policy [{}]: keeping the previous certificate, reload failed: {}",
                            config.scope(), e.getMessage());
                    identityFingerprint = identityNow;
                }
            }
        }
        if (trustChanged || identityChanged) {
            dropContexts();
        }
        enforce(trustChanged);
    }

    /**
     * Makes the next handler use a fresh SslContext. TLS session resumption (JDK TLS 1.3 uses stateless
     * tickets, which no session cache invalidation can recall) skips the trust manager; a new context has new
     * ticket keys and empty caches, so after a trust change every peer must do a full handshake. The
     * {@link RevocationEnforcer} re-validates after every handshake as a second line.
     */
    private synchronized void dropContexts() {
        serverContext = null;
        clientContext = null;
    }

    /** Closes tracked channels whose peer chain no longer passes; a full re-validation only after a reload. */
    private void enforce(boolean fullCheck) {
        TrustState state = trust;
        Instant now = Instant.now();
        for (Map.Entry<Channel, Tracked> e : tracked.entrySet()) {
            X509Certificate[] chain = e.getValue().chain();
            String reason = fullCheck ? state.revalidate(chain, now) : CertificateInfo.validityProblem(chain[0], now);
            if (reason != null && tracked.remove(e.getKey()) != null) {
                refuse(null, e.getValue().peer(), chain[0].getSubjectX500Principal().getName(), reason, true);
                e.getKey().close();
            }
        }
    }

    private List<Path> trustFiles() {
        List<Path> files = new java.util.ArrayList<>();
        for (Path dir : List.of(config.trustedDir(), config.revokedDir())) {
            try {
                files.addAll(TrustState.files(dir, dir.toString()));
            } catch (TlsException e) {
                files.add(dir); // a vanished directory is a change too; load() will report it
            }
        }
        return files;
    }

    /** Content digest of the files (name and bytes): robust against coarse mtimes and same-size rewrites. */
    private static String fingerprint(List<Path> files) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            for (Path f : files) {
                digest.update(f.toString().getBytes(StandardCharsets.UTF_8));
                digest.update((byte) 0);
                try {
                    digest.update(Files.readAllBytes(f));
                } catch (IOException e) {
                    digest.update("<unreadable>".getBytes(StandardCharsets.UTF_8));
                }
                digest.update((byte) 0);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ReloadingKeyManager.Identity loadIdentity(SslPolicyConfig config) {
        PrivateKey key = Pem.readPrivateKey(config.privateKey());
        List<X509Certificate> chain = Pem.readCertificates(config.publicCertificate());
        if (!Pem.keysMatch(key, chain.get(0).getPublicKey())) {
            throw new TlsException("SSL policy '" + config.scope() + "': private key " + config.privateKey()
                    + " does not match the certificate in " + config.publicCertificate());
        }
        return new ReloadingKeyManager.Identity(key, chain);
    }

    private static void warnIfKeyIsShared(SslPolicyConfig config) {
        try {
            var perms = Files.getPosixFilePermissions(config.privateKey());
            if (perms.stream().anyMatch(p -> p.name().startsWith("GROUP") || p.name().startsWith("OTHERS"))) {
                LOG.warn("SSL policy [{}]: private key {} is accessible by group/others ({}); run chmod 600",
                        config.scope(), config.privateKey(),
                        java.nio.file.attribute.PosixFilePermissions.toString(perms));
            }
        } catch (IOException | UnsupportedOperationException e) {
            // not a POSIX file system: nothing to check
        }
    }

    private void requireFile(Path file, String what, String setting) {
        if (!Files.isRegularFile(file)) {
            throw new TlsException("SSL policy '" + config.scope() + "' is enabled but its " + what + " " + file
                    + " does not exist (" + config.settingName(setting) + ")");
        }
    }

    private void requireDirectory(Path dir, String what, String setting) {
        if (!Files.isDirectory(dir)) {
            throw new TlsException("SSL policy '" + config.scope() + "' is enabled but its " + what + " " + dir
                    + " does not exist (" + config.settingName(setting) + ")");
        }
    }

    /** BoringSSL when its native library loads (much faster than the JDK engine), the JDK engine otherwise. */
    static final SslProvider PROVIDER = io.netty.handler.ssl.OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;

    private SslContext build(SslContextBuilder builder) {
        try {
            List<String> ciphers = !config.ciphers().isEmpty() ? config.ciphers()
                    : PROVIDER == SslProvider.JDK ? jvmDefaultCiphers() : null;
            return builder.sslProvider(PROVIDER)
                    .trustManager(trustManager)
                    .protocols(config.tlsVersions())
                    .ciphers(ciphers, ciphers == null ? SupportedCipherSuiteFilter.INSTANCE : IdentityCipherSuiteFilter.INSTANCE)
                    .build();
        } catch (SSLException e) {
            throw new TlsException("SSL policy '" + config.scope() + "': cannot build TLS context: "
                    + e.getMessage(), e);
        }
    }

    private static List<String> jvmDefaultCiphers() {
        try {
            return Arrays.asList(SSLContext.getDefault().getDefaultSSLParameters().getCipherSuites());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("JVM has no default SSLContext", e);
        }
    }
}
