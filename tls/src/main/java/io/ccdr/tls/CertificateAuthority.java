package io.ccdr.tls;

import io.netty.util.NetUtil;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.CRLNumber;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509CRLHolder;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CRLConverter;
import org.bouncycastle.cert.jcajce.JcaX509CRLHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A small file-based certificate authority for ccdr clusters: one directory holding {@code ca.key} (PKCS#8, 0600),
 * {@code ca.crt} (self-signed) and, once something has been revoked, {@code <ca-name>.crl}.
 *
 * <p>It issues node certificates straight into an SSL policy directory in the layout Neo4j uses
 * ({@code private.key}, {@code public.crt}, {@code trusted/}, {@code revoked/}). All keys are EC P-256: fast
 * handshakes, small files, and accepted by every TLS 1.2/1.3 stack ccdr talks to. Existing files are never
 * replaced, except the CA's own CRL, whose update is the purpose of {@link #revoke(Path)}.
 */
public final class CertificateAuthority {
    public static final String KEY_FILE = "ca.key";
    public static final String CERT_FILE = "ca.crt";
    public static final int DEFAULT_CA_DAYS = 3650;
    public static final int DEFAULT_CERT_DAYS = 365;
    /** How far back notBefore is set, so that peers whose clocks lag slightly still accept a fresh certificate. */
    static final Duration CLOCK_SKEW = Duration.ofHours(1);
    /** Advertised CRL refresh; ccdr itself does not enforce nextUpdate (CRLs are distributed as files). */
    static final Duration CRL_NEXT_UPDATE = Duration.ofDays(30);

    private static final Pattern DNS_NAME = Pattern.compile(
            "^(\\*\\.)?[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\\.?$");
    private static final SecureRandom RANDOM = new SecureRandom();

    private final String name;
    private final Path directory;
    private final X509Certificate certificate;
    private final PrivateKey privateKey;

    private CertificateAuthority(String name, Path directory, X509Certificate certificate, PrivateKey privateKey) {
        this.name = name;
        this.directory = directory;
        this.certificate = certificate;
        this.privateKey = privateKey;
    }

    /** Creates a new CA valid for {@value #DEFAULT_CA_DAYS} days in {@code dir} (created if missing). */
    public static CertificateAuthority initCa(String name, Path dir) {
        return initCa(name, dir, DEFAULT_CA_DAYS);
    }

    public static CertificateAuthority initCa(String name, Path dir, int days) {
        requireName(name, "CA name");
        requirePositive(days);
        Path keyFile = dir.resolve(KEY_FILE);
        Path certFile = dir.resolve(CERT_FILE);
        refuseExisting(keyFile, certFile);
        createDirectories(dir, true);

        KeyPair keys = newKeyPair();
        Instant now = Instant.now();
        X500Name subject = commonName(name);
        try {
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject, newSerial(),
                    Date.from(now.minus(CLOCK_SKEW)), Date.from(now.plus(Duration.ofDays(days))), subject,
                    keys.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                    .addExtension(Extension.subjectKeyIdentifier, false,
                            ext.createSubjectKeyIdentifier(keys.getPublic()));
            X509Certificate cert = sign(builder, keys.getPrivate());
            Pem.writeNewPrivate(keyFile, Pem.privateKeyPem(keys.getPrivate()));
            Pem.writeNewPublic(certFile, Pem.certificatePem(cert));
            return new CertificateAuthority(name, dir, cert, keys.getPrivate());
        } catch (GeneralSecurityException | CertIOException e) {
            throw new IllegalStateException("cannot build CA certificate", e);
        }
    }

    /** Loads the CA in {@code dir}; its name is the CN of {@code ca.crt}. */
    public static CertificateAuthority load(Path dir) {
        Path keyFile = dir.resolve(KEY_FILE);
        Path certFile = dir.resolve(CERT_FILE);
        if (!Files.isRegularFile(certFile)) {
            throw new TlsException("not a CA directory: " + certFile + " is missing");
        }
        if (!Files.isRegularFile(keyFile)) {
            throw new TlsException("not a CA directory: " + keyFile + " is missing");
        }
        X509Certificate cert = Pem.readCertificate(certFile);
        PrivateKey key = Pem.readPrivateKey(keyFile);
        if (cert.getBasicConstraints() < 0) {
            throw new TlsException(certFile + " is not a CA certificate (basicConstraints CA:false)");
        }
        if (!Pem.keysMatch(key, cert.getPublicKey())) {
            throw new TlsException(keyFile + " does not match the public key of " + certFile);
        }
        String cn = commonNameOf(cert);
        return new CertificateAuthority(cn == null ? cert.getSubjectX500Principal().getName() : cn, dir, cert, key);
    }

    /**
     * Issues a certificate for {@code serverName}, valid from now (minus a little clock skew) for {@code days},
     * into {@code policyDir}: writes {@code private.key} (0600) and {@code public.crt}, copies this CA's
     * certificate to {@code trusted/<ca-name>.crt} and creates {@code revoked/}.
     */
    public IssuedCertificate issue(String serverName, List<String> sans, Path policyDir, int days) {
        requirePositive(days);
        Instant now = Instant.now();
        return issue(serverName, sans, policyDir, now.minus(CLOCK_SKEW), now.plus(Duration.ofDays(days)));
    }

    /** As {@link #issue(String, List, Path, int)} with an explicit validity period (which may lie in the past). */
    public IssuedCertificate issue(String serverName, List<String> sans, Path policyDir, Instant notBefore,
                                   Instant notAfter) {
        requireName(serverName, "server name");
        Objects.requireNonNull(sans, "sans");
        if (sans.isEmpty()) {
            throw new IllegalArgumentException("at least one subject alternative name (--san) is required: peers "
                    + "verify the name or address they dialled against the SANs");
        }
        if (!notAfter.isAfter(notBefore)) {
            throw new IllegalArgumentException("notAfter " + notAfter + " is not after notBefore " + notBefore);
        }
        Instant caNotAfter = certificate.getNotAfter().toInstant();
        if (notAfter.isAfter(caNotAfter)) {
            throw new IllegalArgumentException("requested validity ends " + notAfter + ", after the CA certificate "
                    + "expires (" + caNotAfter + "); use fewer days or a new CA");
        }
        GeneralName[] names = sans.stream().map(CertificateAuthority::generalName).toArray(GeneralName[]::new);

        Path keyFile = policyDir.resolve(SslPolicyConfig.DEFAULT_PRIVATE_KEY);
        Path certFile = policyDir.resolve(SslPolicyConfig.DEFAULT_PUBLIC_CERTIFICATE);
        Path trustedDir = policyDir.resolve(SslPolicyConfig.DEFAULT_TRUSTED_DIR);
        Path revokedDir = policyDir.resolve(SslPolicyConfig.DEFAULT_REVOKED_DIR);
        Path trustedCa = trustedDir.resolve(fileName() + ".crt");
        refuseExisting(keyFile, certFile);
        boolean caAlreadyTrusted = checkTrustedCopy(trustedCa);

        KeyPair keys = newKeyPair();
        X509Certificate cert;
        try {
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(certificate, newSerial(),
                    Date.from(notBefore), Date.from(notAfter), commonName(serverName), keys.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.keyUsage, true,
                            new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyAgreement))
                    .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(
                            new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}))
                    .addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names))
                    .addExtension(Extension.subjectKeyIdentifier, false,
                            ext.createSubjectKeyIdentifier(keys.getPublic()))
                    .addExtension(Extension.authorityKeyIdentifier, false,
                            ext.createAuthorityKeyIdentifier(certificate));
            cert = sign(builder, privateKey);
        } catch (GeneralSecurityException | CertIOException e) {
            throw new IllegalStateException("cannot build certificate", e);
        }
        createDirectories(policyDir, false);
        createDirectories(trustedDir, false);
        createDirectories(revokedDir, false);
        Pem.writeNewPrivate(keyFile, Pem.privateKeyPem(keys.getPrivate()));
        Pem.writeNewPublic(certFile, Pem.certificatePem(cert));
        if (!caAlreadyTrusted) {
            Pem.writeNewPublic(trustedCa, Pem.certificatePem(certificate));
        }
        return new IssuedCertificate(keyFile, certFile, trustedCa, cert);
    }

    /**
     * Adds the certificate in {@code certFile} to this CA's CRL ({@code <ca-name>.crl} in the CA directory),
     * creating the CRL on first use, and returns the CRL's path. The new CRL keeps every earlier entry and
     * carries the next CRL number. Revoking an already revoked certificate leaves the CRL unchanged.
     *
     * @throws TlsException if the certificate was not issued by this CA
     */
    public Path revoke(Path certFile) {
        X509Certificate target = Pem.readCertificate(certFile);
        if (!issuedByThis(target)) {
            throw new TlsException(certFile + " was not issued by CA '" + name + "' (issuer "
                    + target.getIssuerX500Principal().getName() + ")");
        }
        Optional<X509CRL> existing = currentCrl();
        if (existing.isPresent() && existing.get().getRevokedCertificate(target.getSerialNumber()) != null) {
            return crlFile();
        }
        Instant now = Instant.now();
        try {
            X509v2CRLBuilder builder = new X509v2CRLBuilder(
                    X500Name.getInstance(certificate.getSubjectX500Principal().getEncoded()), Date.from(now));
            builder.setNextUpdate(Date.from(now.plus(CRL_NEXT_UPDATE)));
            BigInteger number = BigInteger.ONE;
            if (existing.isPresent()) {
                X509CRLHolder holder = new JcaX509CRLHolder(existing.get());
                builder.addCRL(holder);
                number = PolicyFiles.crlNumber(existing.get()).add(BigInteger.ONE);
            }
            builder.addCRLEntry(target.getSerialNumber(), Date.from(now), CRLReason.unspecified);
            builder.addExtension(Extension.cRLNumber, false, new CRLNumber(number));
            builder.addExtension(Extension.authorityKeyIdentifier, false,
                    new JcaX509ExtensionUtils().createAuthorityKeyIdentifier(certificate));
            X509CRL crl = new JcaX509CRLConverter().getCRL(builder.build(signer(privateKey)));
            Pem.replaceAtomically(crlFile(), Pem.crlPem(crl));
            return crlFile();
        } catch (GeneralSecurityException | IOException | OperatorCreationException e) {
            throw new IllegalStateException("cannot build CRL", e);
        }
    }

    /** The CA's current CRL, if anything has been revoked. */
    public Optional<X509CRL> currentCrl() {
        Path file = crlFile();
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        X509CRL crl = Pem.readCrls(file).get(0);
        try {
            crl.verify(certificate.getPublicKey());
        } catch (GeneralSecurityException e) {
            throw new TlsException(file + " is not signed by CA '" + name + "'; move it away before revoking");
        }
        return Optional.of(crl);
    }

    /** True if this CA's CRL lists the certificate. */
    public boolean isRevoked(X509Certificate cert) {
        return currentCrl().map(crl -> crl.isRevoked(cert)).orElse(false);
    }

    public Path crlFile() {
        return directory.resolve(fileName() + ".crl");
    }

    public String name() {
        return name;
    }

    /** The CA name made safe for a file name: used for {@code trusted/<name>.crt} and {@code <name>.crl}. */
    public String fileName() {
        return safeFileName(name);
    }

    public Path directory() {
        return directory;
    }

    public X509Certificate certificate() {
        return certificate;
    }

    /** True if {@code cert} names this CA as issuer and carries a valid signature from its key. */
    public boolean issuedByThis(X509Certificate cert) {
        if (!cert.getIssuerX500Principal().equals(certificate.getSubjectX500Principal())) {
            return false;
        }
        try {
            cert.verify(certificate.getPublicKey());
            return true;
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    /** The result of {@link #issue}: where the files went and the certificate itself. */
    public record IssuedCertificate(Path privateKey, Path publicCertificate, Path trustedCa,
                                    X509Certificate certificate) {
    }

    // ---------------------------------------------------------------------------------------------------------

    static String safeFileName(String name) {
        String safe = name.replaceAll("[^A-Za-z0-9._-]", "_");
        return safe.startsWith(".") ? "_" + safe.substring(1) : safe;
    }

    static String commonNameOf(X509Certificate cert) {
        X500Name x500 = X500Name.getInstance(cert.getSubjectX500Principal().getEncoded());
        var rdns = x500.getRDNs(BCStyle.CN);
        return rdns.length == 0 ? null : rdns[0].getFirst().getValue().toString();
    }

    /** An IP SAN if the text is an IPv4 or IPv6 literal (brackets allowed), else a DNS SAN; never resolves. */
    static GeneralName generalName(String san) {
        String s = san.trim();
        String unbracketed = s.startsWith("[") && s.endsWith("]") ? s.substring(1, s.length() - 1) : s;
        if (NetUtil.isValidIpV4Address(unbracketed) || NetUtil.isValidIpV6Address(unbracketed)) {
            return new GeneralName(GeneralName.iPAddress, unbracketed);
        }
        if (!DNS_NAME.matcher(s).matches() || s.length() > 253) {
            throw new IllegalArgumentException("'" + san + "' is neither an IP address nor a valid DNS name");
        }
        return new GeneralName(GeneralName.dNSName, s);
    }

    private boolean checkTrustedCopy(Path trustedCa) {
        if (!Files.exists(trustedCa)) {
            return false;
        }
        List<X509Certificate> present = Pem.readCertificates(trustedCa);
        if (present.size() == 1 && present.get(0).equals(certificate)) {
            return true;
        }
        throw new TlsException("refusing to overwrite " + trustedCa + ": it holds a different certificate than CA '"
                + name + "'");
    }

    private static void refuseExisting(Path... files) {
        List<String> existing = new ArrayList<>();
        Arrays.stream(files).filter(Files::exists).forEach(f -> existing.add(f.toString()));
        if (!existing.isEmpty()) {
            throw new TlsException("refusing to overwrite existing " + String.join(" and ", existing)
                    + "; move it away first");
        }
    }

    private static void createDirectories(Path dir, boolean ownerOnly) {
        try {
            if (!Files.isDirectory(dir)) {
                Files.createDirectories(dir);
                if (ownerOnly && dir.getFileSystem().supportedFileAttributeViews().contains("posix")) {
                    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
                }
            }
        } catch (IOException e) {
            throw new TlsException("cannot create directory " + dir + ": " + e.getMessage(), e);
        }
    }

    private static void requireName(String name, String what) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException(what + " must not be empty");
        }
    }

    private static void requirePositive(int days) {
        if (days <= 0) {
            throw new IllegalArgumentException("days must be positive, got " + days);
        }
    }

    private static X500Name commonName(String cn) {
        return new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, cn).build();
    }

    private static BigInteger newSerial() {
        // 159 random bits: positive, unique with overwhelming probability, within RFC 5280's 20 octets.
        return new BigInteger(159, RANDOM).setBit(0);
    }

    private static KeyPair newKeyPair() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("JVM cannot generate EC P-256 keys", e);
        }
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey key)
            throws GeneralSecurityException {
        try {
            return new JcaX509CertificateConverter().getCertificate(builder.build(signer(key)));
        } catch (OperatorCreationException e) {
            throw new GeneralSecurityException(e);
        }
    }

    private static ContentSigner signer(PrivateKey key) throws OperatorCreationException {
        String algorithm = switch (key.getAlgorithm()) {
            case "EC" -> "SHA256withECDSA";
            case "RSA" -> "SHA256withRSA";
            default -> throw new IllegalStateException("unsupported CA key algorithm " + key.getAlgorithm());
        };
        return new JcaContentSignerBuilder(algorithm).build(key);
    }
}
