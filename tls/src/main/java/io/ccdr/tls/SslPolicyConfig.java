package io.ccdr.tls;

import javax.net.ssl.SSLContext;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * One SSL policy scope ({@code cluster} or {@code bolt}) as configured with Neo4j's setting names
 * {@code dbms.ssl.policy.<scope>.*}. Immutable; all paths are absolute.
 *
 * <p>Defaults follow Neo4j 5: {@code base_directory} is {@code certificates/<scope>} under the server home,
 * {@code client_auth} is {@code REQUIRE} except for {@code bolt} ({@code NONE}), {@code verify_hostname} is
 * {@code false}, {@code trust_all} is {@code false}. {@code tls_versions} defaults to {@code TLSv1.2,TLSv1.3};
 * an empty {@code ciphers} list means the JVM's default enabled suites (which honour
 * {@code jdk.tls.disabledAlgorithms}).
 *
 * @param scope             {@code cluster} or {@code bolt}
 * @param enabled           {@code .enabled}
 * @param baseDirectory     {@code .base_directory}, resolved against the server home
 * @param privateKey        {@code .private_key}, resolved against the base directory
 * @param publicCertificate {@code .public_certificate}, resolved against the base directory
 * @param trustedDir        {@code .trusted_dir}, resolved against the base directory
 * @param revokedDir        {@code .revoked_dir}, resolved against the base directory
 * @param clientAuth        {@code .client_auth}
 * @param verifyHostname    {@code .verify_hostname}: client side checks the dialled name/address against the
 *                          server certificate's SANs
 * @param tlsVersions       {@code .tls_versions}
 * @param ciphers           {@code .ciphers}; empty for the JVM defaults
 * @param trustAll          {@code .trust_all}: accept any CA (validity dates and revoked/ still apply)
 */
public record SslPolicyConfig(String scope, boolean enabled, Path baseDirectory, Path privateKey,
                              Path publicCertificate, Path trustedDir, Path revokedDir, ClientAuth clientAuth,
                              boolean verifyHostname, List<String> tlsVersions, List<String> ciphers,
                              boolean trustAll) {

    public static final String CLUSTER = "cluster";
    public static final String BOLT = "bolt";
    public static final Set<String> SCOPES = Set.of(CLUSTER, BOLT);

    public static final String DEFAULT_PRIVATE_KEY = "private.key";
    public static final String DEFAULT_PUBLIC_CERTIFICATE = "public.crt";
    public static final String DEFAULT_TRUSTED_DIR = "trusted";
    public static final String DEFAULT_REVOKED_DIR = "revoked";
    public static final List<String> DEFAULT_TLS_VERSIONS = List.of("TLSv1.2", "TLSv1.3");
    private static final Set<String> SUPPORTED_TLS_VERSIONS = Set.of("TLSv1.2", "TLSv1.3");

    /** Setting suffixes, in documentation order. */
    private static final List<String> SUFFIXES = List.of("enabled", "base_directory", "private_key",
            "public_certificate", "trusted_dir", "revoked_dir", "client_auth", "verify_hostname", "tls_versions",
            "ciphers", "trust_all");

    /** Who must present a certificate to a server using this policy. */
    public enum ClientAuth { NONE, OPTIONAL, REQUIRE }

    public SslPolicyConfig {
        requireScope(scope);
        Objects.requireNonNull(baseDirectory, "baseDirectory");
        Objects.requireNonNull(privateKey, "privateKey");
        Objects.requireNonNull(publicCertificate, "publicCertificate");
        Objects.requireNonNull(trustedDir, "trustedDir");
        Objects.requireNonNull(revokedDir, "revokedDir");
        Objects.requireNonNull(clientAuth, "clientAuth");
        tlsVersions = List.copyOf(tlsVersions);
        ciphers = List.copyOf(ciphers);
        if (tlsVersions.isEmpty()) {
            throw new IllegalArgumentException("tls_versions must name at least one protocol");
        }
    }

    /** Exactly the setting names this class understands for {@code scope}, e.g. {@code dbms.ssl.policy.cluster.enabled}. */
    public static Set<String> settingNames(String scope) {
        requireScope(scope);
        Set<String> names = new LinkedHashSet<>();
        for (String suffix : SUFFIXES) {
            names.add(prefix(scope) + suffix);
        }
        return Set.copyOf(names);
    }

    /**
     * Reads the {@code dbms.ssl.policy.<scope>.*} entries of {@code settings} (other keys are ignored; unknown
     * keys under the prefix are rejected). Relative {@code base_directory} resolves against {@code home}; the
     * file and directory settings resolve against the base directory.
     *
     * @throws IllegalArgumentException naming the offending key and value
     */
    public static SslPolicyConfig parse(String scope, Map<String, String> settings, Path home) {
        requireScope(scope);
        Objects.requireNonNull(home, "home");
        String prefix = prefix(scope);
        Set<String> known = settingNames(scope);
        Map<String, String> mine = new HashMap<>();
        for (Map.Entry<String, String> e : settings.entrySet()) {
            if (e.getKey().startsWith(prefix)) {
                if (!known.contains(e.getKey())) {
                    throw new IllegalArgumentException("unknown setting " + e.getKey() + "; supported: "
                            + String.join(", ", new TreeSet<>(known)));
                }
                mine.put(e.getKey(), e.getValue() == null ? "" : e.getValue().trim());
            }
        }
        boolean enabled = bool(mine, prefix + "enabled", false);
        Path base = path(mine, prefix + "base_directory", "certificates/" + scope, home.toAbsolutePath());
        Path key = path(mine, prefix + "private_key", DEFAULT_PRIVATE_KEY, base);
        Path cert = path(mine, prefix + "public_certificate", DEFAULT_PUBLIC_CERTIFICATE, base);
        Path trusted = path(mine, prefix + "trusted_dir", DEFAULT_TRUSTED_DIR, base);
        Path revoked = path(mine, prefix + "revoked_dir", DEFAULT_REVOKED_DIR, base);
        ClientAuth clientAuth = clientAuth(mine, prefix + "client_auth", defaultClientAuth(scope));
        boolean verifyHostname = bool(mine, prefix + "verify_hostname", false);
        List<String> versions = tlsVersions(mine, prefix + "tls_versions");
        List<String> ciphers = ciphers(mine, prefix + "ciphers");
        boolean trustAll = bool(mine, prefix + "trust_all", false);
        return new SslPolicyConfig(scope, enabled, base, key, cert, trusted, revoked, clientAuth, verifyHostname,
                versions, ciphers, trustAll);
    }

    /** An enabled policy with every default, rooted at {@code baseDirectory}: the layout {@code ccdr tls issue} writes. */
    public static SslPolicyConfig forDirectory(String scope, Path baseDirectory) {
        Path base = baseDirectory.toAbsolutePath();
        return new SslPolicyConfig(scope, true, base, base.resolve(DEFAULT_PRIVATE_KEY),
                base.resolve(DEFAULT_PUBLIC_CERTIFICATE), base.resolve(DEFAULT_TRUSTED_DIR),
                base.resolve(DEFAULT_REVOKED_DIR), defaultClientAuth(scope), false, DEFAULT_TLS_VERSIONS, List.of(),
                false);
    }

    public SslPolicyConfig withClientAuth(ClientAuth value) {
        return new SslPolicyConfig(scope, enabled, baseDirectory, privateKey, publicCertificate, trustedDir,
                revokedDir, value, verifyHostname, tlsVersions, ciphers, trustAll);
    }

    public SslPolicyConfig withVerifyHostname(boolean value) {
        return new SslPolicyConfig(scope, enabled, baseDirectory, privateKey, publicCertificate, trustedDir,
                revokedDir, clientAuth, value, tlsVersions, ciphers, trustAll);
    }

    /** The full setting name for a suffix of this scope, for error messages. */
    public String settingName(String suffix) {
        return prefix(scope) + suffix;
    }

    static ClientAuth defaultClientAuth(String scope) {
        return BOLT.equals(scope) ? ClientAuth.NONE : ClientAuth.REQUIRE;
    }

    private static String prefix(String scope) {
        return "dbms.ssl.policy." + scope + ".";
    }

    private static void requireScope(String scope) {
        if (!SCOPES.contains(scope)) {
            throw new IllegalArgumentException("unknown SSL policy scope '" + scope + "'; supported: bolt, cluster");
        }
    }

    private static boolean bool(Map<String, String> s, String key, boolean def) {
        String v = s.get(key);
        if (v == null) {
            return def;
        }
        return switch (v.toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException(key + " must be true or false, got '" + v + "'");
        };
    }

    private static Path path(Map<String, String> s, String key, String def, Path against) {
        String v = s.getOrDefault(key, def);
        if (v.isEmpty()) {
            throw new IllegalArgumentException(key + " must not be empty");
        }
        try {
            return against.resolve(v).normalize();
        } catch (InvalidPathException e) {
            throw new IllegalArgumentException(key + " is not a valid path: '" + v + "'");
        }
    }

    private static ClientAuth clientAuth(Map<String, String> s, String key, ClientAuth def) {
        String v = s.get(key);
        if (v == null) {
            return def;
        }
        try {
            return ClientAuth.valueOf(v.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(key + " must be NONE, OPTIONAL or REQUIRE, got '" + v + "'");
        }
    }

    private static List<String> tlsVersions(Map<String, String> s, String key) {
        String v = s.get(key);
        if (v == null) {
            return DEFAULT_TLS_VERSIONS;
        }
        List<String> out = new ArrayList<>();
        for (String item : list(v)) {
            String canonical = SUPPORTED_TLS_VERSIONS.stream().filter(p -> p.equalsIgnoreCase(item)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException(key + ": unsupported TLS version '" + item
                            + "'; supported: TLSv1.2, TLSv1.3"));
            out.add(canonical);
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException(key + " must name at least one of TLSv1.2, TLSv1.3");
        }
        return out;
    }

    private static List<String> ciphers(Map<String, String> s, String key) {
        String v = s.get(key);
        if (v == null || v.isEmpty()) {
            return List.of();
        }
        Set<String> supported;
        try {
            supported = Set.of(SSLContext.getDefault().getSupportedSSLParameters().getCipherSuites());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("JVM has no default SSLContext", e);
        }
        List<String> out = list(v);
        for (String c : out) {
            if (!supported.contains(c)) {
                throw new IllegalArgumentException(key + ": cipher suite '" + c + "' is not supported by this JVM");
            }
        }
        return out;
    }

    private static List<String> list(String v) {
        return Arrays.stream(v.split(",")).map(String::trim).filter(x -> !x.isEmpty()).toList();
    }
}
