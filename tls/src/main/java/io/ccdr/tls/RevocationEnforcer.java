package io.ccdr.tls;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import io.netty.util.ReferenceCountUtil;

import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLPeerUnverifiedException;
import java.nio.channels.ClosedChannelException;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Locale;

/**
 * Sits right after the {@link SslHandler} of every TLS channel of an {@link SslPolicy}
 * (see {@link SslPolicy#installServer}):
 * <ul>
 *   <li>after a successful handshake it registers the channel and the peer's chain with the policy, so that a
 *       later revocation closes it;</li>
 *   <li>after a failed handshake it writes the one WARN line for failures the trust manager did not already
 *       report (plaintext on a TLS port, no client certificate, no common protocol, timeout) and closes;</li>
 *   <li>TLS exceptions of a failed or alert-terminated session stop here instead of reaching application
 *       handlers, which would log them a second time.</li>
 * </ul>
 */
public final class RevocationEnforcer extends ChannelInboundHandlerAdapter {
    public static final String NAME = "ccdr-tls-enforcer";

    private final SslPolicy policy;
    private boolean reported;
    /** Set when a completed handshake is refused after the fact; nothing more is read from the peer. */
    private boolean rejected;

    public RevocationEnforcer(SslPolicy policy) {
        this.policy = policy;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof SslHandshakeCompletionEvent event) {
            SslHandler ssl = ctx.pipeline().get(SslHandler.class);
            if (event.isSuccess()) {
                X509Certificate[] chain = peerChain(ssl);
                if (chain.length > 0) {
                    // Re-check here, not only in the trust manager: a resumed TLS session skips the trust
                    // manager entirely, and a reload may land between its check and this event.
                    String refusal = policy.trustState().revalidate(chain, java.time.Instant.now());
                    if (refusal == null) {
                        policy.track(ctx.channel(), chain);
                    } else {
                        rejected = true;
                        reported = true;
                        policy.refuse(ssl.engine(), SslPolicy.peerOf(ctx.channel().remoteAddress()),
                                chain[0].getSubjectX500Principal().getName(), refusal, false);
                        ctx.close();
                        // Application handlers see a failed handshake, never a session with this peer.
                        ctx.fireUserEventTriggered(new SslHandshakeCompletionEvent(
                                new SSLHandshakeException("peer refused: " + refusal)));
                        return;
                    }
                }
            } else {
                reportOnce(ctx, ssl, event.cause());
                ctx.close();
            }
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (rejected) {
            ReferenceCountUtil.release(msg);
            return;
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (isTls(cause)) {
            reportOnce(ctx, ctx.pipeline().get(SslHandler.class), cause);
            ctx.close();
            return;
        }
        ctx.fireExceptionCaught(cause);
    }

    private void reportOnce(ChannelHandlerContext ctx, SslHandler ssl, Throwable cause) {
        if (reported || (ssl != null && policy.alreadyReported(ssl.engine())) || has(cause,
                ReloadingTrustManager.PeerRejectedException.class)) {
            reported = true;
            return;
        }
        reported = true;
        X509Certificate[] chain = ssl == null ? new X509Certificate[0] : peerChain(ssl);
        String subject = chain.length == 0 ? "-" : chain[0].getSubjectX500Principal().getName();
        String peer = SslPolicy.peerOf(ctx.channel().remoteAddress());
        String all = allMessages(cause).toLowerCase(Locale.ROOT);
        if (all.contains("received fatal alert") || all.contains(":tlsv1_alert_") || all.contains(":sslv3_alert_")) {
            // The peer refused us (JDK: "Received fatal alert", BoringSSL: "TLSV1_ALERT_..."): its own log
            // names the reason; ours says which peer and what it sent.
            policy.abortedByPeer(peer, subject, topMessage(cause));
        } else if (!has(cause, SSLException.class) && !has(cause, NotSslRecordException.class)
                && has(cause, ClosedChannelException.class)) {
            // A hang-up (or our own close) mid-handshake is not a refusal; no WARN.
            policy.debug("TLS handshake with " + peer + " ended: connection closed");
        } else {
            policy.refuse(ssl == null ? null : ssl.engine(), peer, subject, describe(cause), false);
        }
    }

    static String describe(Throwable cause) {
        if (has(cause, NotSslRecordException.class)) {
            return "plaintext (non-TLS) data on a TLS port";
        }
        if (has(cause, SslHandshakeTimeoutException.class)) {
            return "TLS handshake timed out";
        }
        String message = topMessage(cause);
        String lower = allMessages(cause).toLowerCase(Locale.ROOT);
        if (lower.contains("empty client certificate chain") || lower.contains("peer not authenticated")
                || lower.contains("certificate_required") || lower.contains("peer_did_not_return_a_certificate")) {
            return "no client certificate presented (client_auth=REQUIRE)";
        }
        if (lower.contains("protocol") || lower.contains("cipher")) {
            return "no common TLS version or cipher suite: " + message;
        }
        if (has(cause, ClosedChannelException.class)) {
            return "connection closed during the TLS handshake";
        }
        return message;
    }

    private static boolean isTls(Throwable cause) {
        return has(cause, SSLException.class) || has(cause, NotSslRecordException.class)
                || (cause instanceof DecoderException && cause.getCause() instanceof SSLException);
    }

    private static X509Certificate[] peerChain(SslHandler ssl) {
        if (ssl == null) {
            return new X509Certificate[0];
        }
        try {
            Certificate[] certs = ssl.engine().getSession().getPeerCertificates();
            X509Certificate[] out = new X509Certificate[certs.length];
            for (int i = 0; i < certs.length; i++) {
                out[i] = (X509Certificate) certs[i];
            }
            return out;
        } catch (SSLPeerUnverifiedException | ClassCastException e) {
            return new X509Certificate[0];
        }
    }

    private static boolean has(Throwable t, Class<? extends Throwable> type) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (type.isInstance(c)) {
                return true;
            }
            if (c.getCause() == c) {
                break;
            }
        }
        return false;
    }

    private static String topMessage(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c.getMessage() != null && !(c instanceof DecoderException)) {
                return c.getMessage();
            }
            if (c.getCause() == c) {
                break;
            }
        }
        return t.getClass().getSimpleName();
    }

    private static String allMessages(Throwable t) {
        StringBuilder out = new StringBuilder();
        int depth = 0;
        for (Throwable c = t; c != null && depth++ < 10; c = c.getCause()) {
            out.append(c.getClass().getSimpleName()).append(": ").append(c.getMessage()).append(" / ");
        }
        return out.toString();
    }
}
