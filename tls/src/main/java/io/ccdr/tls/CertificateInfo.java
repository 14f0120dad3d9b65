package io.ccdr.tls;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

/**
 * What an operator wants to know about a certificate, extracted once: names, validity, fingerprint.
 *
 * @param subject     RFC 2253 subject DN
 * @param issuer      RFC 2253 issuer DN
 * @param serial      serial number in hex
 * @param sans        subject alternative names as {@code DNS:name} / {@code IP:address}
 * @param notBefore   start of validity
 * @param notAfter    end of validity
 * @param sha256      SHA-256 fingerprint of the DER encoding, colon-separated upper-case hex (as OpenSSL prints it)
 * @param ca          true if basicConstraints says CA:true
 */
public record CertificateInfo(String subject, String issuer, String serial, List<String> sans, Instant notBefore,
                              Instant notAfter, String sha256, boolean ca) {

    public CertificateInfo {
        sans = List.copyOf(sans);
    }

    public static CertificateInfo of(X509Certificate certificate) {
        return new CertificateInfo(
                certificate.getSubjectX500Principal().getName(),
                certificate.getIssuerX500Principal().getName(),
                certificate.getSerialNumber().toString(16).toUpperCase(Locale.ROOT),
                subjectAlternativeNames(certificate),
                certificate.getNotBefore().toInstant(),
                certificate.getNotAfter().toInstant(),
                fingerprint(certificate),
                certificate.getBasicConstraints() >= 0);
    }

    /** The validity problem at {@code now}, or null if the certificate is within its validity period. */
    public static String validityProblem(X509Certificate certificate, Instant now) {
        Instant notBefore = certificate.getNotBefore().toInstant();
        Instant notAfter = certificate.getNotAfter().toInstant();
        if (now.isBefore(notBefore)) {
            return "certificate is not yet valid (notBefore " + notBefore + ")";
        }
        if (now.isAfter(notAfter)) {
            return "certificate expired (notAfter " + notAfter + ")";
        }
        return null;
    }

    public static String fingerprint(X509Certificate certificate) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded());
            return HexFormat.ofDelimiter(":").withUpperCase().formatHex(digest);
        } catch (NoSuchAlgorithmException | CertificateEncodingException e) {
            throw new IllegalStateException("cannot fingerprint certificate", e);
        }
    }

    public static List<String> subjectAlternativeNames(X509Certificate certificate) {
        List<String> out = new ArrayList<>();
        try {
            Collection<List<?>> names = certificate.getSubjectAlternativeNames();
            if (names == null) {
                return List.of();
            }
            for (List<?> name : names) {
                int type = (Integer) name.get(0);
                Object value = name.get(1);
                switch (type) {
                    case 2 -> out.add("DNS:" + value);
                    case 7 -> out.add("IP:" + value);
                    case 1 -> out.add("email:" + value);
                    case 6 -> out.add("URI:" + value);
                    default -> out.add("other(" + type + ")");
                }
            }
        } catch (CertificateParsingException e) {
            out.add("unparseable: " + e.getMessage());
        }
        return out;
    }
}
