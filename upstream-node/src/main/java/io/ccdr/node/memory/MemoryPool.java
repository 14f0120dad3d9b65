package io.ccdr.node.memory;

import io.ccdr.node.graph.GraphException;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Heap shared by the transactions under one limit: the server's ({@code dbms.memory.transaction.total.max})
 * or one database's ({@code db.memory.transaction.total.max}, inside the server's). A reservation that
 * would take a pool past its limit fails with {@code Neo.TransientError.General.MemoryPoolOutOfMemoryError}:
 * transient, because it succeeds once other transactions have finished.
 */
public final class MemoryPool {
    public static final String OUT_OF_MEMORY = "Neo.TransientError.General.MemoryPoolOutOfMemoryError";

    private final String setting;
    private final long limit;
    private final MemoryPool parent;
    private final AtomicLong used = new AtomicLong();

    /** {@code limit} 0 means unlimited, as in Neo4j; {@code parent} may be null. */
    public MemoryPool(String setting, long limit, MemoryPool parent) {
        if (limit < 0) {
            throw new IllegalArgumentException(setting + " must not be negative: " + limit);
        }
        this.setting = setting;
        this.limit = limit;
        this.parent = parent;
    }

    /** Takes {@code bytes} from this pool and its parents, or none of them. */
    void reserve(long bytes) {
        long now = used.addAndGet(bytes);
        if (limit > 0 && now > limit) {
            used.addAndGet(-bytes);
            throw new GraphException(OUT_OF_MEMORY, exceeded(bytes, limit, now - bytes, setting));
        }
        if (parent != null) {
            try {
                parent.reserve(bytes);
            } catch (RuntimeException e) {
                used.addAndGet(-bytes);
                throw e;
            }
        }
    }

    void release(long bytes) {
        used.addAndGet(-bytes);
        if (parent != null) {
            parent.release(bytes);
        }
    }

    /** Bytes reserved now by the transactions of this pool. */
    public long used() {
        return used.get();
    }

    /** The limit in bytes; 0 = unlimited. */
    public long limit() {
        return limit;
    }

    public String setting() {
        return setting;
    }

    /** Neo4j's wording, so that operators can search for it. */
    static String exceeded(long allocation, long limit, long current, String setting) {
        return "The allocation of an extra " + readable(allocation) + " would use more than the limit " + readable(limit)
                + ". Currently using " + readable(current) + ". " + setting + " threshold reached";
    }

    /** Binary units with one decimal, as Neo4j prints them ({@code 2.0 MiB}). */
    static String readable(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        String units = "KMGTPE";
        double value = bytes;
        int unit = -1;
        while (value >= 1024 && unit < units.length() - 1) {
            value /= 1024;
            unit++;
        }
        return String.format(java.util.Locale.ROOT, "%.1f %ciB", value, units.charAt(unit));
    }
}
