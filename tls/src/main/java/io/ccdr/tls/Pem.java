package io.ccdr.tls;

import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CRLException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Set;

/**
 * Reading and writing the PEM files of a policy directory.
 *
 * <p>Keys are written as unencrypted PKCS#8 ({@code -----BEGIN PRIVATE KEY-----}) because that is what OpenSSL 3,
 * Neo4j and Netty all read; keys are read in PKCS#8 or the traditional OpenSSL forms ({@code BEGIN EC/RSA PRIVATE
 * KEY}) so that keys from an existing Neo4j installation work. Certificates and CRLs are read in PEM or DER.
 * New files are created with {@code CREATE_NEW}: an existing file is never replaced by these methods.
 */
public final class Pem {
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    private Pem() {
    }

    /** All certificates in a PEM (one or more blocks) or DER file, in file order; fails if there is none. */
    public static List<X509Certificate> readCertificates(Path file) {
        byte[] bytes = readAll(file);
        try {
            Collection<? extends java.security.cert.Certificate> certs =
                    certificateFactory().generateCertificates(new ByteArrayInputStream(bytes));
            List<X509Certificate> out = new ArrayList<>();
            for (java.security.cert.Certificate c : certs) {
                out.add((X509Certificate) c);
            }
            if (out.isEmpty()) {
                throw new TlsException(file + " contains no X.509 certificate");
            }
            return List.copyOf(out);
        } catch (CertificateException e) {
            throw new TlsException(file + " is not a readable X.509 certificate file: " + e.getMessage(), e);
        }
    }

    /** The first certificate of the file (the leaf, by convention of {@code public.crt}). */
    public static X509Certificate readCertificate(Path file) {
        return readCertificates(file).get(0);
    }

    /** All CRLs in a PEM or DER file; fails if there is none. */
    public static List<X509CRL> readCrls(Path file) {
        byte[] bytes = readAll(file);
        try {
            List<X509CRL> out = new ArrayList<>();
            for (java.security.cert.CRL crl : certificateFactory().generateCRLs(new ByteArrayInputStream(bytes))) {
                out.add((X509CRL) crl);
            }
            if (out.isEmpty()) {
                throw new TlsException(file + " contains no X.509 CRL");
            }
            return List.copyOf(out);
        } catch (CRLException e) {
            throw new TlsException(file + " is not a readable X.509 CRL file: " + e.getMessage(), e);
        }
    }

    /** The private key of a PKCS#8 or traditional OpenSSL PEM file. Encrypted keys are refused. */
    public static PrivateKey readPrivateKey(Path file) {
        String text = new String(readAll(file), StandardCharsets.US_ASCII);
        try (Reader reader = new StringReader(text); PEMParser parser = new PEMParser(reader)) {
            JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
            Object object;
            while ((object = parser.readObject()) != null) {
                if (object instanceof PrivateKeyInfo info) {
                    return converter.getPrivateKey(info);
                }
                if (object instanceof PEMKeyPair pair) {
                    return converter.getKeyPair(pair).getPrivate();
                }
                if (object instanceof PKCS8EncryptedPrivateKeyInfo || object instanceof PEMEncryptedKeyPair) {
                    throw new TlsException(file + " holds an encrypted private key; ccdr needs an unencrypted "
                            + "PKCS#8 key protected by file permissions (0600)");
                }
            }
            throw new TlsException(file + " contains no PEM private key");
        } catch (IOException e) {
            throw new TlsException(file + " is not a readable PEM private key: " + e.getMessage(), e);
        }
    }

    /** PKCS#8 PEM text of a private key. */
    public static String privateKeyPem(PrivateKey key) {
        if (!"PKCS#8".equals(key.getFormat())) {
            throw new IllegalArgumentException("private key is not PKCS#8-encodable: " + key.getFormat());
        }
        return pem("PRIVATE KEY", key.getEncoded());
    }

    public static String certificatePem(X509Certificate certificate) {
        try {
            return pem("CERTIFICATE", certificate.getEncoded());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("certificate cannot be encoded", e);
        }
    }

    public static String crlPem(X509CRL crl) {
        try {
            return pem("X509 CRL", crl.getEncoded());
        } catch (CRLException e) {
            throw new IllegalStateException("CRL cannot be encoded", e);
        }
    }

    /**
     * Creates {@code file} with owner-only permissions (0600 where the file system is POSIX) and writes the text.
     * Fails if the file exists. The permission is set at creation, so the key is never world-readable, not even
     * for an instant.
     */
    public static void writeNewPrivate(Path file, String text) {
        writeNew(file, text, true);
    }

    /** Creates {@code file} (default permissions) and writes the text; fails if the file exists. */
    public static void writeNewPublic(Path file, String text) {
        writeNew(file, text, false);
    }

    /**
     * Replaces {@code file} atomically (write a hidden temporary file next to it, then rename), so that a reader
     * polling the directory sees either the old or the new content, never a half-written file. Only for files
     * whose replacement is the point (an updated CRL); hidden files are skipped by the policy loader.
     */
    public static void replaceAtomically(Path file, String text) {
        Path dir = file.toAbsolutePath().getParent();
        Path tmp = dir.resolve("." + file.getFileName() + ".tmp-" + Long.toHexString(new SecureRandom().nextLong()));
        try {
            Files.writeString(tmp, text, StandardCharsets.US_ASCII, StandardOpenOption.CREATE_NEW);
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new TlsException("cannot write " + file + ": " + e.getMessage(), e);
        } finally {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // best effort: a stray hidden temp file is ignored by the loader
            }
        }
    }

    /**
     * Creates {@code file} with the text, appearing all at once (hidden temporary, then rename) so that a policy
     * poller never reads it half-written. Fails if the file exists.
     */
    public static void createAtomically(Path file, String text) {
        if (Files.exists(file)) {
            throw new TlsException("refusing to overwrite existing file " + file);
        }
        Path dir = file.toAbsolutePath().getParent();
        Path tmp = dir.resolve("." + file.getFileName() + ".tmp-" + Long.toHexString(new SecureRandom().nextLong()));
        try {
            Files.writeString(tmp, text, StandardCharsets.US_ASCII, StandardOpenOption.CREATE_NEW);
            Files.move(tmp, file);
        } catch (FileAlreadyExistsException e) {
            throw new TlsException("refusing to overwrite existing file " + file);
        } catch (IOException e) {
            throw new TlsException("cannot write " + file + ": " + e.getMessage(), e);
        } finally {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // best effort: a stray hidden temp file is ignored by the loader
            }
        }
    }

    /** True if the private key and the public key belong together (checked by signing and verifying). */
    public static boolean keysMatch(PrivateKey privateKey, PublicKey publicKey) {
        if (!privateKey.getAlgorithm().equals(publicKey.getAlgorithm())) {
            return false;
        }
        String algorithm = switch (privateKey.getAlgorithm()) {
            case "EC" -> "SHA256withECDSA";
            case "RSA" -> "SHA256withRSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            case "DSA" -> "SHA256withDSA";
            default -> null;
        };
        if (algorithm == null) {
            return false;
        }
        try {
            byte[] challenge = new byte[32];
            new SecureRandom().nextBytes(challenge);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(privateKey);
            signer.update(challenge);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(publicKey);
            verifier.update(challenge);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    static CertificateFactory certificateFactory() {
        try {
            return CertificateFactory.getInstance("X.509");
        } catch (CertificateException e) {
            throw new IllegalStateException("JVM has no X.509 certificate factory", e);
        }
    }

    private static void writeNew(Path file, String text, boolean ownerOnly) {
        try {
            FileAttribute<?>[] attrs = ownerOnly && isPosix(file)
                    ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(OWNER_ONLY)}
                    : new FileAttribute<?>[0];
            Files.createFile(file, attrs);
            if (ownerOnly && isPosix(file)) {
                // createFile applies the umask; make sure the result is exactly 0600.
                Files.setPosixFilePermissions(file, OWNER_ONLY);
            }
            try (OutputStream out = Files.newOutputStream(file, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                out.write(text.getBytes(StandardCharsets.US_ASCII));
            }
        } catch (FileAlreadyExistsException e) {
            throw new TlsException("refusing to overwrite existing file " + file);
        } catch (IOException e) {
            throw new TlsException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    private static boolean isPosix(Path file) {
        return file.toAbsolutePath().getFileSystem().supportedFileAttributeViews().contains("posix");
    }

    private static byte[] readAll(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new TlsException("file not found: " + file);
        } catch (IOException e) {
            throw new TlsException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static String pem(String type, byte[] der) {
        String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
        return "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n";
    }
}
