package io.ccdr.node.bolt;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Everything the client said about a transaction it wants to begin, from BEGIN or from an
 * auto-commit RUN.
 *
 * @param principal        the authenticated user
 * @param database         requested database, or null for the user's home (default) database
 * @param accessMode       declared access mode; a server may reject writes in READ mode
 * @param bookmarks        bookmarks the transaction must observe (possibly empty)
 * @param timeout          requested transaction timeout, or null for the server default
 * @param metadata         transaction metadata (possibly empty), shown in transaction listings
 * @param impersonatedUser user to impersonate ({@code imp_user}), or null
 * @param implicit         true for an auto-commit transaction (RUN outside BEGIN) that the server
 *                         commits itself once the result has been consumed
 */
public record TransactionRequest(String principal, String database, AccessMode accessMode, List<String> bookmarks,
                                 Duration timeout, Map<String, Object> metadata, String impersonatedUser,
                                 boolean implicit) {
    public TransactionRequest {
        bookmarks = List.copyOf(bookmarks);
        metadata = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(metadata));
        if (accessMode == null) {
            throw new IllegalArgumentException("accessMode is required");
        }
    }
}
