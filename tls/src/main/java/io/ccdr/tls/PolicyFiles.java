package io.ccdr.tls;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Changes to a live policy directory that a running server picks up without restart: trusting another CA and
 * installing a CA's updated CRL. Files appear atomically (hidden temporary, then rename), so the policy poller
 * never reads a half-written file.
 */
public final class PolicyFiles {
    private PolicyFiles() {
    }

    /** What happened to one file: written, or already present with the same content. */
    public record Installed(Path path, boolean changed) {
    }

    /**
     * Copies each CA certificate of {@code caCertFile} to {@code trusted/<CA common name>.crt}. A certificate
     * already trusted under that name is left alone; a different certificate under that name is never replaced.
     *
     * @throws TlsException if the file holds a non-CA certificate, or a name collides with another certificate
     */
    public static List<Installed> trust(Path policyDir, Path caCertFile) {
        Path trusted = policyDir.resolve(SslPolicyConfig.DEFAULT_TRUSTED_DIR);
        requireDirectory(trusted);
        List<X509Certificate> certs = Pem.readCertificates(caCertFile);
        for (X509Certificate c : certs) {
            if (c.getBasicConstraints() < 0) {
                throw new TlsException(caCertFile + " holds a certificate that is not a CA certificate ("
                        + c.getSubjectX500Principal().getName() + "); trust the CA that issued it instead");
            }
        }
        List<Installed> out = new ArrayList<>();
        for (X509Certificate c : certs) {
            String cn = CertificateAuthority.commonNameOf(c);
            String base = CertificateAuthority.safeFileName(cn == null ? CertificateInfo.fingerprint(c) : cn);
            Path target = trusted.resolve(base + ".crt");
            if (Files.exists(target)) {
                List<X509Certificate> present = Pem.readCertificates(target);
                if (present.size() == 1 && present.get(0).equals(c)) {
                    out.add(new Installed(target, false));
                    continue;
                }
                throw new TlsException("refusing to overwrite " + target + ": it holds a different certificate; "
                        + "remove it first if the CA '" + cn + "' was replaced");
            }
            Pem.createAtomically(target, Pem.certificatePem(c));
            out.add(new Installed(target, true));
        }
        return out;
    }

    /**
     * Installs a CA's CRL as {@code revoked/<issuer common name>.crl}. An older CRL of the same issuer under that
     * name is replaced (that is what a CRL update is); a newer one, or a file of another issuer, is not.
     */
    public static Installed installCrl(Path policyDir, Path crlFile) {
        Path revoked = policyDir.resolve(SslPolicyConfig.DEFAULT_REVOKED_DIR);
        requireDirectory(revoked);
        X509CRL crl = Pem.readCrls(crlFile).get(0);
        String cn = commonNameOfIssuer(crl);
        Path target = revoked.resolve(CertificateAuthority.safeFileName(cn) + ".crl");
        String pem = Pem.crlPem(crl);
        if (!Files.exists(target)) {
            Pem.createAtomically(target, pem);
            return new Installed(target, true);
        }
        X509CRL present;
        try {
            present = Pem.readCrls(target).get(0);
        } catch (TlsException e) {
            throw new TlsException("refusing to overwrite " + target + ": it is not a readable CRL");
        }
        if (!present.getIssuerX500Principal().equals(crl.getIssuerX500Principal())) {
            throw new TlsException("refusing to overwrite " + target + ": it is the CRL of another issuer ("
                    + present.getIssuerX500Principal().getName() + ")");
        }
        try {
            if (Arrays.equals(present.getEncoded(), crl.getEncoded())) {
                return new Installed(target, false);
            }
        } catch (java.security.cert.CRLException e) {
            throw new TlsException("cannot encode CRL: " + e.getMessage(), e);
        }
        BigInteger presentNumber = crlNumber(present);
        BigInteger newNumber = crlNumber(crl);
        if (presentNumber.compareTo(newNumber) > 0
                || (presentNumber.equals(newNumber) && present.getThisUpdate().after(crl.getThisUpdate()))) {
            throw new TlsException("refusing to replace " + target + " (CRL number " + presentNumber
                    + ") with the older " + crlFile + " (CRL number " + newNumber + ")");
        }
        Pem.replaceAtomically(target, pem);
        return new Installed(target, true);
    }

    static BigInteger crlNumber(X509CRL crl) {
        byte[] ext = crl.getExtensionValue(org.bouncycastle.asn1.x509.Extension.cRLNumber.getId());
        if (ext == null) {
            return BigInteger.ZERO;
        }
        return org.bouncycastle.asn1.ASN1Integer.getInstance(
                org.bouncycastle.asn1.ASN1OctetString.getInstance(ext).getOctets()).getPositiveValue();
    }

    static String commonNameOfIssuer(X509CRL crl) {
        var x500 = org.bouncycastle.asn1.x500.X500Name.getInstance(crl.getIssuerX500Principal().getEncoded());
        var rdns = x500.getRDNs(org.bouncycastle.asn1.x500.style.BCStyle.CN);
        return rdns.length == 0 ? crl.getIssuerX500Principal().getName()
                : rdns[0].getFirst().getValue().toString();
    }

    private static void requireDirectory(Path dir) {
        if (!Files.isDirectory(dir)) {
            if (Files.isDirectory(dir.getParent())) {
                try {
                    Files.createDirectory(dir);
                    return;
                } catch (IOException e) {
                    throw new TlsException("cannot create " + dir + ": " + e.getMessage(), e);
                }
            }
            throw new TlsException("not a policy directory: " + dir.getParent() + " does not exist");
        }
    }
}
