package io.ccdr.node.bolt;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Typed access to the maps of RUN, BEGIN, PULL and ROUTE. A value of the wrong type is a client
 * error ({@code Neo.ClientError.Request.Invalid}) that leaves the connection usable after RESET.
 */
final class RequestArgs {
    private RequestArgs() {
    }

    /** The transaction a BEGIN or auto-commit RUN asks for (bookmarks, mode, db, timeout, metadata, imp_user). */
    static TransactionRequest transactionRequest(Map<String, Object> extra, String principal, boolean implicit) {
        List<String> bookmarks = extra.get("bookmarks") == null ? List.of()
                : stringList(extra.get("bookmarks"), "bookmarks");
        Object timeout = extra.get("tx_timeout");
        Duration txTimeout = null;
        if (timeout != null) {
            if (!(timeout instanceof Long ms) || ms < 0) {
                throw BoltProtocolException.invalid("tx_timeout must be a non-negative integer (milliseconds)");
            }
            txTimeout = Duration.ofMillis(ms);
        }
        Object metadata = extra.get("tx_metadata");
        if (metadata != null && !(metadata instanceof Map)) {
            throw BoltProtocolException.invalid("tx_metadata must be a map");
        }
        String mode = stringArg(extra, "mode");
        AccessMode accessMode;
        if (mode == null || mode.equals("w")) {
            accessMode = AccessMode.WRITE;
        } else if (mode.equals("r")) {
            accessMode = AccessMode.READ;
        } else {
            throw BoltProtocolException.invalid("mode must be \"r\" or \"w\", got \"" + mode + "\"");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> meta = metadata == null ? Map.of() : (Map<String, Object>) metadata;
        return new TransactionRequest(principal, stringArg(extra, "db"), accessMode, bookmarks, txTimeout, meta,
                stringArg(extra, "imp_user"), implicit);
    }

    static long longArg(Map<String, Object> map, String key, long absent) {
        Object v = map.get(key);
        if (v == null) {
            return absent;
        }
        if (v instanceof Long l) {
            return l;
        }
        throw BoltProtocolException.invalid(key + " must be an integer");
    }

    static String stringArg(Map<String, Object> map, String key) {
        Object v = map.get(key);
        if (v == null || v instanceof String) {
            return (String) v;
        }
        throw BoltProtocolException.invalid(key + " must be a string");
    }

    static List<String> stringList(Object value, String what) {
        if (!(value instanceof List<?> list)) {
            throw BoltProtocolException.invalid(what + " must be a list of strings");
        }
        List<String> out = new ArrayList<>(list.size());
        for (Object o : list) {
            if (!(o instanceof String s)) {
                throw BoltProtocolException.invalid(what + " must be a list of strings");
            }
            out.add(s);
        }
        return out;
    }
}
