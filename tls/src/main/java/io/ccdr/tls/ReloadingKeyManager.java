package io.ccdr.tls;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * Presents the policy's single identity ({@code private.key} + {@code public.crt}); the identity is swapped
 * when a reload finds new, consistent files, so certificate rotation needs no restart.
 *
 * <p>The CA names a server sends in its CertificateRequest are deliberately ignored when choosing the client
 * identity: a node has exactly one certificate, and presenting it lets the server refuse it with a precise
 * reason ("not issued by a trusted CA") instead of the JDK silently sending no certificate at all.
 */
final class ReloadingKeyManager extends X509ExtendedKeyManager {
    /** The key and its chain, leaf first. */
    record Identity(PrivateKey key, List<X509Certificate> chain) {
        Identity {
            chain = List.copyOf(chain);
        }
    }

    /**
     * An identity with the alias it is chosen under. The alias changes with every swap and the previous
     * identity stays resolvable, so a handshake that chose its alias just before a swap still gets a key and a
     * chain that belong together.
     */
    private record Slot(String alias, Identity identity) {
    }

    private volatile Slot current;
    private volatile Slot previous;
    private int generation;

    ReloadingKeyManager(Identity identity) {
        this.current = new Slot("ccdr-0", identity);
        this.previous = current;
    }

    synchronized void swap(Identity next) {
        generation++;
        previous = current;
        current = new Slot("ccdr-" + generation, next);
    }

    Identity identity() {
        return current.identity();
    }

    private Identity lookup(String alias) {
        Slot c = current;
        if (c.alias().equals(alias)) {
            return c.identity();
        }
        Slot p = previous;
        return p.alias().equals(alias) ? p.identity() : null;
    }

    private String aliasFor(String keyType) {
        Slot slot = current;
        String algorithm = slot.identity().key().getAlgorithm();
        if (keyType == null) {
            return slot.alias();
        }
        boolean matches = switch (algorithm) {
            case "EC" -> keyType.startsWith("EC");
            case "RSA" -> keyType.startsWith("RSA");
            default -> keyType.equalsIgnoreCase(algorithm);
        };
        return matches ? slot.alias() : null;
    }

    private String aliasFor(String[] keyTypes) {
        if (keyTypes == null) {
            return current.alias();
        }
        for (String t : keyTypes) {
            String alias = aliasFor(t);
            if (alias != null) {
                return alias;
            }
        }
        return null;
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        String alias = aliasFor(keyType);
        return alias == null ? null : new String[] {alias};
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
        return aliasFor(keyType);
    }

    @Override
    public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
        return aliasFor(keyType);
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        String alias = aliasFor(keyType);
        return alias == null ? null : new String[] {alias};
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        return aliasFor(keyType);
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
        return aliasFor(keyType);
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        Identity id = lookup(alias);
        return id == null ? null : id.chain().toArray(X509Certificate[]::new);
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        Identity id = lookup(alias);
        return id == null ? null : id.key();
    }
}
