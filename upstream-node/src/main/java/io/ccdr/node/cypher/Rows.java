package io.ccdr.node.cypher;

import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The rows flowing from one clause to the next, pulled one at a time: a streaming clause asks its
 * input for a row only when its own consumer asks it for one, so a query over a large store holds a
 * row at a time, not the store. {@link #close()} releases what the rows hold (store iterators,
 * accounted memory) and is idempotent; every implementation closes its input.
 */
interface Rows extends AutoCloseable {
    /** The next row, or null when there are no more. */
    Map<String, Object> next();

    @Override
    default void close() {
    }

    /** One row. */
    static Rows single(Map<String, Object> row) {
        return new Rows() {
            private Map<String, Object> pending = row;

            @Override
            public Map<String, Object> next() {
                Map<String, Object> r = pending;
                pending = null;
                return r;
            }
        };
    }

    /** Rows of a list the caller already holds (and accounts for). */
    static Rows of(List<Map<String, Object>> rows) {
        Iterator<Map<String, Object>> it = rows.iterator();
        return () -> it.hasNext() ? it.next() : null;
    }
}
