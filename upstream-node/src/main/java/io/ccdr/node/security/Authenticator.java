package io.ccdr.node.security;

import io.ccdr.node.graph.GraphException;
import io.ccdr.node.system.SystemState;
import io.ccdr.node.system.UserInfo;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Checks {@code basic} credentials against the users in the {@code system} database. Successful
 * checks are remembered (keyed by the stored hash, so a password change invalidates them) because
 * drivers open many connections and PBKDF2 is deliberately slow.
 */
public final class Authenticator {
    private final Supplier<SystemState.Snapshot> system;
    private final BooleanSupplier catchUp;
    private final boolean enabled;
    private final Map<String, String> verified = new ConcurrentHashMap<>();

    /**
     * {@code catchUp} brings the local copy of {@code system} up to what its leader has committed
     * and says whether it moved; it runs only before a refusal, so a user created or a password
     * changed a moment ago through another server is not refused here.
     */
    public Authenticator(Supplier<SystemState.Snapshot> system, BooleanSupplier catchUp, boolean enabled) {
        this.system = system;
        this.catchUp = catchUp;
        this.enabled = enabled;
    }

    public boolean enabled() {
        return enabled;
    }

    /** Returns the authenticated user; throws {@code Neo.ClientError.Security.Unauthorized}. */
    public UserInfo authenticate(String user, String password) {
        UserInfo u = accepted(user, password);
        if (u == null && catchUp.getAsBoolean()) {
            u = accepted(user, password);
        }
        if (u == null) {
            throw new GraphException("Neo.ClientError.Security.Unauthorized", "The client is unauthorized due to authentication failure.");
        }
        return u;
    }

    private UserInfo accepted(String user, String password) {
        UserInfo u = user == null ? null : system.get().users().get(user);
        return u == null || u.suspended() || password == null || !check(u, password) ? null : u;
    }

    private boolean check(UserInfo u, String password) {
        String key = u.name() + '\u0000' + fingerprint(password);
        if (u.passwordHash().equals(verified.get(key))) {
            return true;
        }
        boolean ok = PasswordHashing.matches(password, u.passwordHash());
        if (ok) {
            verified.put(key, u.passwordHash());
        }
        return ok;
    }

    private static String fingerprint(String password) {
        try {
            return java.util.HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(password.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public UserInfo user(String name) {
        return system.get().users().get(name);
    }
}
