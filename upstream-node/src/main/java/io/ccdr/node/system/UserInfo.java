package io.ccdr.node.system;

import java.util.Set;

/**
 * A user of the cluster, held in the {@code system} database (never replicated across clusters).
 * {@code passwordHash} is {@code pbkdf2-sha256$<iterations>$<salt hex>$<hash hex>}.
 */
public record UserInfo(String name, String passwordHash, Set<String> roles, boolean passwordChangeRequired, boolean suspended) {
    public UserInfo {
        roles = Set.copyOf(roles);
    }

    UserInfo withPassword(String hash, boolean changeRequired) {
        return new UserInfo(name, hash, roles, changeRequired, suspended);
    }

    UserInfo withRoles(Set<String> newRoles) {
        return new UserInfo(name, passwordHash, newRoles, passwordChangeRequired, suspended);
    }
}
