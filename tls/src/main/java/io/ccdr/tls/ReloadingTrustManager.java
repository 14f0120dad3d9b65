package io.ccdr.tls;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;
import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Locale;

/**
 * The trust manager of an {@link SslPolicy}: validates every peer chain against the policy's <em>current</em>
 * {@link TrustState}, so that a reload of {@code trusted/} or {@code revoked/} applies to the next handshake
 * without rebuilding any SslContext. Every refusal is reported once (one WARN line) through the policy.
 */
final class ReloadingTrustManager extends X509ExtendedTrustManager {
    private final SslPolicy policy;

    ReloadingTrustManager(SslPolicy policy) {
        this.policy = policy;
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        check(chain, engine, SslPolicy.peerOf(engine), (tm) -> tm.checkClientTrusted(chain, authType, engine));
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        check(chain, engine, SslPolicy.peerOf(engine), (tm) -> tm.checkServerTrusted(chain, authType, engine));
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        check(chain, null, SslPolicy.peerOf(socket), (tm) -> tm.checkClientTrusted(chain, authType, socket));
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        check(chain, null, SslPolicy.peerOf(socket), (tm) -> tm.checkServerTrusted(chain, authType, socket));
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        check(chain, null, "unknown address", (tm) -> tm.checkClientTrusted(chain, authType));
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        check(chain, null, "unknown address", (tm) -> tm.checkServerTrusted(chain, authType));
    }

    /** The CAs named in a CertificateRequest: the current trusted/ certificates. */
    @Override
    public X509Certificate[] getAcceptedIssuers() {
        TrustState state = policy.trustState();
        return state.trustAll ? new X509Certificate[0] : state.anchors.toArray(X509Certificate[]::new);
    }

    private interface PkixCheck {
        void run(X509ExtendedTrustManager pkix) throws CertificateException;
    }

    private void check(X509Certificate[] chain, SSLEngine engine, String peer, PkixCheck pkixCheck)
            throws CertificateException {
        if (chain == null || chain.length == 0) {
            throw reject(engine, peer, "-", "no certificate presented");
        }
        TrustState state = policy.trustState();
        String subject = chain[0].getSubjectX500Principal().getName();
        String reason = state.precheck(chain, Instant.now());
        if (reason == null && !state.trustAll) {
            if (state.pkix == null) {
                reason = "no trusted CA certificates configured (" + policy.config().trustedDir() + " is empty)";
            } else {
                try {
                    pkixCheck.run(state.pkix);
                } catch (CertificateException e) {
                    reason = describe(e, chain, state, peer);
                }
            }
        }
        if (reason != null) {
            throw reject(engine, peer, subject, reason);
        }
    }

    private PeerRejectedException reject(SSLEngine engine, String peer, String subject, String reason) {
        policy.refuse(engine, peer, subject, reason, false);
        return new PeerRejectedException(reason);
    }

    private static String describe(CertificateException e, X509Certificate[] chain, TrustState state, String peer) {
        String message = String.valueOf(e.getMessage());
        String lower = message.toLowerCase(Locale.ROOT);
        if (lower.contains("subject alternative") || lower.contains("no name matching")
                || lower.contains("hostname") || lower.contains("ip address")) {
            return "certificate does not match the address dialled (" + peer + "); SANs "
                    + CertificateInfo.subjectAlternativeNames(chain[0]) + ": " + message;
        }
        if (lower.contains("path building failed") || lower.contains("trust anchor")
                || lower.contains("certification path")) {
            return state.untrustedReason(chain);
        }
        if (lower.contains("extended key usage") || lower.contains("keyusage")) {
            return "certificate may not be used for this purpose: " + message;
        }
        return message;
    }

    /** Thrown to the TLS stack; marks the failure as already reported so no second log line is written. */
    static final class PeerRejectedException extends CertificateException {
        private static final long serialVersionUID = 1L;

        PeerRejectedException(String reason) {
            super(reason);
        }
    }
}
