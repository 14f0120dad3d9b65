package io.ccdr.tls;

/**
 * One peer refused by an {@link SslPolicy}: a failed handshake, or an established connection closed because a
 * reload revoked or distrusted the certificate it presented. Each refusal is logged as exactly one WARN line
 * and handed to the listeners registered with {@link SslPolicy#addRefusalListener}.
 *
 * @param scope            the policy scope ({@code cluster}, {@code bolt})
 * @param peer             the peer's address as {@code host:port}, or {@code "unknown address"} where the TLS
 *                         stack does not tell (the server side of Ratis gRPC)
 * @param subject          the subject DN of the certificate the peer presented, or {@code "-"} if none
 * @param reason           why, in words an operator can act on
 * @param connectionClosed true if an established connection was closed, false if a handshake was refused
 */
public record PeerRefusal(String scope, String peer, String subject, String reason, boolean connectionClosed) {

    /** The log line, without level and logger: also what the listeners see via {@link #toString()}. */
    public String describe() {
        return (connectionClosed ? "TLS connection closed" : "TLS peer refused") + " [" + scope + "] peer="
                + peer + " subject=" + subject + " reason=" + reason;
    }

    @Override
    public String toString() {
        return describe();
    }
}
