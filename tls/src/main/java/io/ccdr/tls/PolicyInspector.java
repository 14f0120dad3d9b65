package io.ccdr.tls;

import org.slf4j.helpers.NOPLogger;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PrivateKey;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Explains a certificate, CRL or key file, or checks a whole policy or CA directory: names, validity,
 * fingerprints, and for a policy directory whether it is complete and consistent (key matches certificate,
 * certificate chains to a CA in {@code trusted/}, is not revoked by a CRL in {@code revoked/}, is in its
 * validity period, and the key is not readable by others). Never prints key material.
 */
public final class PolicyInspector {
    private PolicyInspector() {
    }

    public enum Kind { CERTIFICATE_FILE, CRL_FILE, PRIVATE_KEY_FILE, POLICY_DIRECTORY, CA_DIRECTORY }

    /**
     * The result: human-readable lines, the certificates seen, and the problems found (empty if all is well).
     */
    public record Inspection(Path path, Kind kind, List<String> lines, List<CertificateInfo> certificates,
                             List<String> problems) {
        public Inspection {
            lines = List.copyOf(lines);
            certificates = List.copyOf(certificates);
            problems = List.copyOf(problems);
        }

        public boolean ok() {
            return problems.isEmpty();
        }

        /** Multi-line text for a terminal: the details, then "OK" or the list of problems. */
        public String render() {
            StringBuilder out = new StringBuilder();
            lines.forEach(l -> out.append(l).append('\n'));
            if (problems.isEmpty()) {
                out.append("OK\n");
            } else {
                out.append("PROBLEMS (").append(problems.size()).append("):\n");
                problems.forEach(p -> out.append("  - ").append(p).append('\n'));
            }
            return out.toString();
        }
    }

    public static Inspection inspect(Path fileOrDir) {
        return inspect(fileOrDir, Instant.now());
    }

    static Inspection inspect(Path path, Instant now) {
        if (Files.isDirectory(path)) {
            if (Files.exists(path.resolve(CertificateAuthority.CERT_FILE))) {
                return caDirectory(path, now);
            }
            return policyDirectory(path, now);
        }
        if (!Files.exists(path)) {
            throw new TlsException("no such file or directory: " + path);
        }
        return file(path, now);
    }

    private static Inspection file(Path path, Instant now) {
        List<String> lines = new ArrayList<>();
        List<CertificateInfo> infos = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        String text;
        try {
            text = Files.readString(path, java.nio.charset.StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw new TlsException("cannot read " + path + ": " + e.getMessage(), e);
        }
        if (text.contains("PRIVATE KEY-----")) {
            PrivateKey key = Pem.readPrivateKey(path);
            lines.add("private key " + path);
            lines.add("  algorithm:   " + key.getAlgorithm() + " (" + key.getFormat() + ")");
            checkPermissions(path, lines, problems);
            return new Inspection(path, Kind.PRIVATE_KEY_FILE, lines, infos, problems);
        }
        if (text.contains("BEGIN X509 CRL")) {
            for (X509CRL crl : Pem.readCrls(path)) {
                describeCrl(crl, path, lines);
            }
            return new Inspection(path, Kind.CRL_FILE, lines, infos, problems);
        }
        try {
            List<X509Certificate> certs = Pem.readCertificates(path);
            lines.add("certificate file " + path + " (" + certs.size() + " certificate(s))");
            for (X509Certificate c : certs) {
                CertificateInfo info = describeCertificate(c, lines, now, problems);
                infos.add(info);
            }
            return new Inspection(path, Kind.CERTIFICATE_FILE, lines, infos, problems);
        } catch (TlsException notCertificate) {
            try {
                for (X509CRL crl : Pem.readCrls(path)) {
                    describeCrl(crl, path, lines);
                }
                return new Inspection(path, Kind.CRL_FILE, lines, infos, problems);
            } catch (TlsException notCrl) {
                throw new TlsException(path + " is not a certificate, CRL or private key file");
            }
        }
    }

    private static Inspection caDirectory(Path dir, Instant now) {
        List<String> lines = new ArrayList<>();
        List<CertificateInfo> infos = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        lines.add("CA directory " + dir);
        Path certFile = dir.resolve(CertificateAuthority.CERT_FILE);
        Path keyFile = dir.resolve(CertificateAuthority.KEY_FILE);
        X509Certificate cert = Pem.readCertificate(certFile);
        lines.add(CertificateAuthority.CERT_FILE + ":");
        infos.add(describeCertificate(cert, lines, now, problems));
        if (cert.getBasicConstraints() < 0) {
            problems.add(certFile + " is not a CA certificate (CA:false)");
        }
        if (!Files.exists(keyFile)) {
            problems.add(keyFile + " is missing");
        } else {
            checkPermissions(keyFile, lines, problems);
            if (!Pem.keysMatch(Pem.readPrivateKey(keyFile), cert.getPublicKey())) {
                problems.add(keyFile + " does not match " + certFile);
            }
        }
        try {
            for (Path f : TrustState.files(dir, "CA directory")) {
                if (f.getFileName().toString().endsWith(".crl")) {
                    for (X509CRL crl : Pem.readCrls(f)) {
                        describeCrl(crl, f, lines);
                    }
                }
            }
        } catch (TlsException e) {
            problems.add(e.getMessage());
        }
        return new Inspection(dir, Kind.CA_DIRECTORY, lines, infos, problems);
    }

    private static Inspection policyDirectory(Path dir, Instant now) {
        List<String> lines = new ArrayList<>();
        List<CertificateInfo> infos = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        SslPolicyConfig config = SslPolicyConfig.forDirectory(SslPolicyConfig.CLUSTER, dir);
        lines.add("policy directory " + dir.toAbsolutePath());

        List<X509Certificate> chain = null;
        Path certFile = config.publicCertificate();
        if (!Files.isRegularFile(certFile)) {
            problems.add("missing " + certFile);
        } else {
            try {
                chain = Pem.readCertificates(certFile);
                lines.add(SslPolicyConfig.DEFAULT_PUBLIC_CERTIFICATE + ":");
                for (X509Certificate c : chain) {
                    infos.add(describeCertificate(c, lines, now, problems));
                }
            } catch (TlsException e) {
                problems.add(e.getMessage());
            }
        }
        Path keyFile = config.privateKey();
        if (!Files.isRegularFile(keyFile)) {
            problems.add("missing " + keyFile);
        } else {
            try {
                PrivateKey key = Pem.readPrivateKey(keyFile);
                lines.add(SslPolicyConfig.DEFAULT_PRIVATE_KEY + ": " + key.getAlgorithm());
                checkPermissions(keyFile, lines, problems);
                if (chain != null) {
                    boolean match = Pem.keysMatch(key, chain.get(0).getPublicKey());
                    lines.add("  matches public.crt: " + (match ? "yes" : "NO"));
                    if (!match) {
                        problems.add(keyFile + " does not match the certificate in " + certFile);
                    }
                }
            } catch (TlsException e) {
                problems.add(e.getMessage());
            }
        }
        TrustState trust = null;
        if (!Files.isDirectory(config.trustedDir())) {
            problems.add("missing directory " + config.trustedDir());
        }
        if (!Files.isDirectory(config.revokedDir())) {
            problems.add("missing directory " + config.revokedDir());
        }
        if (Files.isDirectory(config.trustedDir()) && Files.isDirectory(config.revokedDir())) {
            try {
                trust = TrustState.load(config, true, NOPLogger.NOP_LOGGER);
                lines.add(SslPolicyConfig.DEFAULT_TRUSTED_DIR + "/: " + trust.anchors.size() + " CA certificate(s)");
                for (X509Certificate a : trust.anchors) {
                    CertificateInfo info = CertificateInfo.of(a);
                    lines.add("  " + info.subject() + "  notAfter " + info.notAfter() + "  SHA-256 " + info.sha256());
                    String validity = CertificateInfo.validityProblem(a, now);
                    if (validity != null) {
                        problems.add("trusted CA " + info.subject() + ": " + validity);
                    }
                    if (a.getBasicConstraints() < 0) {
                        problems.add("trusted certificate " + info.subject() + " is not a CA certificate");
                    }
                }
                if (trust.anchors.isEmpty()) {
                    problems.add(config.trustedDir() + " contains no CA certificate");
                }
                lines.add(SslPolicyConfig.DEFAULT_REVOKED_DIR + "/: " + trust.crls.size() + " CRL(s), "
                        + trust.revokedSerials() + " revoked serial(s)");
            } catch (TlsException e) {
                problems.add(e.getMessage());
            }
        }
        if (chain != null && trust != null && !trust.anchors.isEmpty()) {
            X509Certificate[] array = chain.toArray(X509Certificate[]::new);
            String reason = trust.revalidate(array, now);
            lines.add("public.crt chains to a trusted CA, not revoked, valid now: " + (reason == null ? "yes" : "NO"));
            if (reason != null && CertificateInfo.validityProblem(array[0], now) == null) {
                problems.add("public.crt: " + reason);
            }
        }
        return new Inspection(dir, Kind.POLICY_DIRECTORY, lines, infos, problems);
    }

    private static CertificateInfo describeCertificate(X509Certificate c, List<String> lines, Instant now,
                                                       List<String> problems) {
        CertificateInfo info = CertificateInfo.of(c);
        lines.add("  subject:     " + info.subject());
        lines.add("  issuer:      " + info.issuer());
        lines.add("  serial:      " + info.serial());
        lines.add("  SANs:        " + (info.sans().isEmpty() ? "(none)" : String.join(", ", info.sans())));
        lines.add("  valid:       " + info.notBefore() + " .. " + info.notAfter());
        lines.add("  CA:          " + (info.ca() ? "yes" : "no"));
        lines.add("  SHA-256:     " + info.sha256());
        String validity = CertificateInfo.validityProblem(c, now);
        if (validity != null) {
            problems.add(info.subject() + ": " + validity);
        }
        return info;
    }

    private static void describeCrl(X509CRL crl, Path file, List<String> lines) {
        int count = crl.getRevokedCertificates() == null ? 0 : crl.getRevokedCertificates().size();
        lines.add("CRL " + file);
        lines.add("  issuer:      " + crl.getIssuerX500Principal().getName());
        lines.add("  CRL number:  " + PolicyFiles.crlNumber(crl));
        lines.add("  thisUpdate:  " + crl.getThisUpdate().toInstant()
                + (crl.getNextUpdate() == null ? "" : "  nextUpdate: " + crl.getNextUpdate().toInstant()));
        lines.add("  revoked:     " + count + " certificate(s)");
        if (crl.getRevokedCertificates() != null) {
            crl.getRevokedCertificates().forEach(e -> lines.add("    serial " + e.getSerialNumber().toString(16)
                    .toUpperCase() + " at " + e.getRevocationDate().toInstant()));
        }
    }

    private static void checkPermissions(Path keyFile, List<String> lines, List<String> problems) {
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(keyFile);
            String text = PosixFilePermissions.toString(perms);
            lines.add("  permissions: " + text);
            boolean othersCanRead = perms.stream().anyMatch(p -> p.name().startsWith("GROUP")
                    || p.name().startsWith("OTHERS"));
            if (othersCanRead) {
                problems.add(keyFile + " is accessible by group/others (" + text + "); run chmod 600");
            }
        } catch (UnsupportedOperationException | IOException e) {
            lines.add("  permissions: (not a POSIX file system)");
        }
    }
}
