package io.ccdr.cli.console;

import org.neo4j.driver.AuthTokens;
import org.neo4j.driver.Config;
import org.neo4j.driver.Driver;
import org.neo4j.driver.GraphDatabase;
import org.neo4j.driver.Logging;
import org.neo4j.driver.Session;
import org.neo4j.driver.SessionConfig;

import java.net.URI;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/** Opens official-driver connections from an address and {@link ConnectionOptions}. */
public final class Drivers {
    private static final Set<String> SCHEMES = Set.of("neo4j", "neo4j+s", "neo4j+ssc", "bolt", "bolt+s", "bolt+ssc");

    private Drivers() {
    }

    /**
     * A driver for {@code address}. With {@code --trust-ca}, the driver refuses explicit trust
     * settings on {@code +s} schemes, so {@code neo4j+s://} becomes {@code neo4j://} with
     * encryption and the custom CA (same meaning: TLS, verified, hostname checked);
     * {@code +ssc} ("trust any certificate") contradicts a CA and is refused.
     *
     * @throws IllegalArgumentException for an unusable address or option combination (a usage error)
     */
    public static Driver open(String address, ConnectionOptions options, Duration connectTimeout) {
        return open(address, options, connectTimeout, Duration.ofSeconds(30));
    }

    /**
     * As {@link #open(String, ConnectionOptions, Duration)}, with the time the driver keeps retrying
     * a managed transaction: a monitoring screen wants to say "unreachable" within seconds, while a
     * script's write should ride out a leader election (the driver's default, 30 s).
     */
    public static Driver open(String address, ConnectionOptions options, Duration connectTimeout, Duration maxRetryTime) {
        URI uri = parse(address);
        String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
        if (options.password() == null) {
            throw new IllegalArgumentException("no password: give -p PASSWORD or set NEO4J_PASSWORD");
        }
        Config.ConfigBuilder config = Config.builder()
                // The driver logs to the console by default; an operator tool's stderr is for its own errors.
                .withLogging(Logging.none())
                .withConnectionTimeout(connectTimeout.toMillis(), TimeUnit.MILLISECONDS)
                .withMaxTransactionRetryTime(maxRetryTime.toMillis(), TimeUnit.MILLISECONDS)
                .withUserAgent("ccdr-cli/0.1.0");
        if (options.trustCa() != null) {
            if (scheme.endsWith("+ssc")) {
                throw new IllegalArgumentException("--trust-ca cannot be combined with " + scheme
                        + "://, which trusts any certificate; use " + scheme.substring(0, scheme.indexOf('+')) + "+s:// or "
                        + scheme.substring(0, scheme.indexOf('+')) + "://");
            }
            if (!Files.isReadable(options.trustCa())) {
                throw new IllegalArgumentException("--trust-ca " + options.trustCa() + ": no such readable file");
            }
            if (scheme.endsWith("+s")) {
                scheme = scheme.substring(0, scheme.length() - 2);
                uri = URI.create(scheme + address.substring(address.indexOf("://")));
            }
            config.withEncryption()
                    .withTrustStrategy(Config.TrustStrategy.trustCustomCertificateSignedBy(options.trustCa().toFile())
                            .withHostnameVerification());
        }
        return GraphDatabase.driver(uri, AuthTokens.basic(options.username(), options.password()), config.build());
    }

    /**
     * A session on {@code database} that sees everything committed through any earlier session of
     * the same driver, on any database: all such sessions share the driver's bookmark manager. The
     * ccdr commands read their own writes (the access an ALTER DATABASE just set, a database just
     * dropped), and a read may be routed to a follower that has not applied them yet; as in Neo4j,
     * only bookmarks make such a read causal.
     */
    public static Session causalSession(Driver driver, String database) {
        return driver.session(SessionConfig.builder().withDatabase(database)
                .withBookmarkManager(driver.executableQueryBookmarkManager()).build());
    }

    /** Checks the scheme and that a host is present, so that typos fail with a message that names them. */
    public static URI parse(String address) {
        URI uri;
        try {
            uri = URI.create(address);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid address '" + address + "': " + e.getMessage());
        }
        if (uri.getScheme() == null || !SCHEMES.contains(uri.getScheme().toLowerCase(Locale.ROOT))) {
            throw new IllegalArgumentException("invalid address '" + address + "': expected a scheme among "
                    + "neo4j://, neo4j+s://, neo4j+ssc://, bolt://, bolt+s://, bolt+ssc://");
        }
        if (uri.getHost() == null) {
            throw new IllegalArgumentException("invalid address '" + address + "': expected scheme://host[:port]");
        }
        return uri;
    }

    /**
     * The direct ({@code bolt}) form of a routing scheme with the same security, for talking to one
     * server of a cluster: {@code neo4j+s} becomes {@code bolt+s}.
     */
    public static String directScheme(String address) {
        String scheme = parse(address).getScheme().toLowerCase(Locale.ROOT);
        return scheme.startsWith("neo4j") ? "bolt" + scheme.substring("neo4j".length()) : scheme;
    }
}
