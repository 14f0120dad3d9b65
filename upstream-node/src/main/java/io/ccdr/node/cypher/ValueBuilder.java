package io.ccdr.node.cypher;

import io.ccdr.node.memory.HeapEstimate;
import io.ccdr.node.memory.TransactionMemory;

import java.util.ArrayList;
import java.util.List;

/**
 * A list an expression builds element by element (a list or pattern comprehension), accounted
 * against the transaction's memory while it grows, so that one value cannot outgrow the limit (and
 * the heap) before anything holds it. The bytes are given back when the list is complete: from then
 * on it is a value like any other, accounted by whatever buffers the row that holds it.
 */
final class ValueBuilder {
    private static final int CHECK_EVERY = 1024;

    private final TransactionMemory memory;
    private final List<Object> list = new ArrayList<>();
    private long accounted;
    private long pending;

    ValueBuilder(TransactionMemory memory) {
        this.memory = memory;
    }

    void add(Object value) {
        list.add(value);
        pending += HeapEstimate.REFERENCE + Values.heapSize(value);
        if (list.size() % CHECK_EVERY == 0) {
            flush();
        }
    }

    private void flush() {
        try {
            memory.allocate(pending);
            accounted += pending;
            pending = 0;
        } catch (RuntimeException e) {
            release();
            throw e;
        }
    }

    /** The list, now complete; its bytes are released. */
    List<Object> build() {
        release();
        return list;
    }

    /** Gives the bytes back when building stops early (an exception while evaluating an element). */
    void release() {
        memory.release(accounted);
        accounted = 0;
        pending = 0;
    }
}
