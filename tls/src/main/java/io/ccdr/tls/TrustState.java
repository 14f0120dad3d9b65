package io.ccdr.tls;

import org.slf4j.Logger;

import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertPath;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509CRL;
import java.security.cert.X509CRLEntry;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * An immutable snapshot of what a policy trusts: the CA certificates of {@code trusted/} and the CRLs of
 * {@code revoked/}. A reload builds a new snapshot and swaps it in; handshakes in flight keep the one they
 * started with.
 *
 * <p>Chain validation (signatures, dates, key usages, hostname) is delegated to the JDK's PKIX trust manager
 * built from the anchors; revocation is checked here against the CRL files instead of by PKIX, because PKIX
 * with revocation enabled demands a CRL for every issuer and would refuse every peer whose CA has never revoked
 * anything. Every CRL in {@code revoked/} is applied, even one whose signature no trusted CA verifies (that is
 * logged): revocation can only take trust away, and whoever can write {@code revoked/} can also empty
 * {@code trusted/}.
 */
final class TrustState {
    final List<X509Certificate> anchors;
    final List<X509CRL> crls;
    final boolean trustAll;
    /** Null when there is no anchor (every peer is refused) or with trust_all. */
    final X509ExtendedTrustManager pkix;
    private final Set<TrustAnchor> trustAnchors;

    private TrustState(List<X509Certificate> anchors, List<X509CRL> crls, boolean trustAll) {
        this.anchors = List.copyOf(anchors);
        this.crls = List.copyOf(crls);
        this.trustAll = trustAll;
        Set<TrustAnchor> set = new HashSet<>();
        for (X509Certificate a : anchors) {
            set.add(new TrustAnchor(a, null));
        }
        this.trustAnchors = Set.copyOf(set);
        this.pkix = trustAll || anchors.isEmpty() ? null : jdkTrustManager(anchors);
    }

    /**
     * Reads {@code trusted/} and {@code revoked/}. Strict (startup): any unreadable file fails, naming it.
     * Lenient (reload): an unreadable certificate file is skipped with a WARN, but an unreadable CRL fails the
     * whole reload, so that a half-written CRL never silently un-revokes anything.
     */
    static TrustState load(SslPolicyConfig config, boolean strict, Logger log) {
        List<X509Certificate> anchors = new ArrayList<>();
        for (Path file : files(config.trustedDir(), config.settingName("trusted_dir"))) {
            try {
                for (X509Certificate c : Pem.readCertificates(file)) {
                    if (!anchors.contains(c)) {
                        anchors.add(c);
                    }
                }
            } catch (TlsException e) {
                if (strict) {
                    throw e;
                }
                log.warn("SSL policy [{}]: ignoring unreadable trusted certificate file: {}", config.scope(),
                        e.getMessage());
            }
        }
        List<X509CRL> crls = new ArrayList<>();
        for (Path file : files(config.revokedDir(), config.settingName("revoked_dir"))) {
            for (X509CRL crl : Pem.readCrls(file)) {
                if (anchors.stream().noneMatch(a -> verifies(crl, a))) {
                    log.warn("SSL policy [{}]: CRL {} (issuer {}) is not signed by any trusted CA; its revocations "
                            + "are applied anyway", config.scope(), file, crl.getIssuerX500Principal().getName());
                }
                crls.add(crl);
            }
        }
        return new TrustState(anchors, crls, config.trustAll());
    }

    /** Regular, non-hidden files of a directory, sorted by name. Hidden files are temporaries of atomic writes. */
    static List<Path> files(Path dir, String setting) {
        if (!Files.isDirectory(dir)) {
            throw new TlsException("directory " + dir + " does not exist (" + setting + ")");
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isRegularFile)
                    .filter(p -> !p.getFileName().toString().startsWith("."))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new TlsException("cannot list " + dir + " (" + setting + "): " + e.getMessage(), e);
        }
    }

    /**
     * Validity of the leaf and revocation of any chain element: checked before PKIX so that the reason given to
     * the operator is the specific one. Returns null if neither applies.
     */
    String precheck(X509Certificate[] chain, Instant now) {
        String validity = CertificateInfo.validityProblem(chain[0], now);
        if (validity != null) {
            return validity;
        }
        return revocation(chain);
    }

    /** The reason an established connection presenting {@code chain} must now be closed, or null if it may stay. */
    String revalidate(X509Certificate[] chain, Instant now) {
        String reason = precheck(chain, now);
        if (reason != null || trustAll) {
            return reason;
        }
        if (trustAnchors.isEmpty()) {
            return "no trusted CA certificates configured";
        }
        try {
            CertPath path = Pem.certificateFactory().generateCertPath(Arrays.asList(chain));
            PKIXParameters params = new PKIXParameters(trustAnchors);
            params.setRevocationEnabled(false);
            params.setDate(Date.from(now));
            CertPathValidator.getInstance("PKIX").validate(path, params);
            return null;
        } catch (CertPathValidatorException e) {
            return untrustedReason(chain);
        } catch (GeneralSecurityException e) {
            return "certificate chain cannot be validated: " + e.getMessage();
        }
    }

    String untrustedReason(X509Certificate[] chain) {
        X509Certificate top = chain[chain.length - 1];
        return "certificate is not issued by a trusted CA (issuer " + top.getIssuerX500Principal().getName() + ")";
    }

    private String revocation(X509Certificate[] chain) {
        for (X509Certificate c : chain) {
            for (X509CRL crl : crls) {
                if (crl.getIssuerX500Principal().equals(c.getIssuerX500Principal())) {
                    X509CRLEntry entry = crl.getRevokedCertificate(c.getSerialNumber());
                    if (entry != null) {
                        return "certificate serial " + c.getSerialNumber().toString(16).toUpperCase()
                                + " is revoked (CRL of " + crl.getIssuerX500Principal().getName() + ", revoked "
                                + entry.getRevocationDate().toInstant() + ")";
                    }
                }
            }
        }
        return null;
    }

    int revokedSerials() {
        return crls.stream().mapToInt(c -> c.getRevokedCertificates() == null ? 0 : c.getRevokedCertificates().size())
                .sum();
    }

    private static boolean verifies(X509CRL crl, X509Certificate ca) {
        if (!crl.getIssuerX500Principal().equals(ca.getSubjectX500Principal())) {
            return false;
        }
        try {
            crl.verify(ca.getPublicKey());
            return true;
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private static X509ExtendedTrustManager jdkTrustManager(List<X509Certificate> anchors) {
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            int i = 0;
            for (X509Certificate a : anchors) {
                store.setCertificateEntry("ca-" + i++, a);
            }
            TrustManagerFactory factory = TrustManagerFactory.getInstance("PKIX");
            factory.init(store);
            for (TrustManager tm : factory.getTrustManagers()) {
                if (tm instanceof X509ExtendedTrustManager x) {
                    return x;
                }
            }
            throw new IllegalStateException("JVM PKIX trust manager factory returned no X509ExtendedTrustManager");
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot build PKIX trust manager", e);
        }
    }
}
