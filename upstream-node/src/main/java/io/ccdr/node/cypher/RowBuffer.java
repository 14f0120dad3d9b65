package io.ccdr.node.cypher;

import io.ccdr.node.memory.HeapEstimate;
import io.ccdr.node.memory.TransactionMemory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Rows an eager step holds in memory (the input of a write clause, sorted or grouped rows),
 * accounted against the transaction's memory as they are added and given back as they are read,
 * so a limit stops a query that would buffer too much before the heap runs out.
 */
final class RowBuffer implements Rows {
    private static final int RELEASE_EVERY = 256;

    private final TransactionMemory memory;
    private final ArrayList<Map<String, Object>> rows = new ArrayList<>();
    private long bytes;
    private long released;
    private int read;
    private boolean closed;

    RowBuffer(TransactionMemory memory) {
        this.memory = memory;
    }

    /** Reads all of {@code input} into a buffer and closes it. */
    static RowBuffer drain(Rows input, TransactionMemory memory) {
        RowBuffer buffer = new RowBuffer(memory);
        try (input) {
            for (Map<String, Object> r = input.next(); r != null; r = input.next()) {
                buffer.add(r);
            }
        } catch (RuntimeException | Error e) {
            buffer.close();
            throw e;
        }
        return buffer;
    }

    /** A buffer over rows whose {@code bytes} the caller has already allocated; the buffer releases them. */
    static RowBuffer adopt(List<Map<String, Object>> rows, TransactionMemory memory, long bytes) {
        RowBuffer buffer = new RowBuffer(memory);
        buffer.rows.addAll(rows);
        buffer.bytes = bytes;
        return buffer;
    }

    void add(Map<String, Object> row) {
        long size = Values.heapSize(row) + HeapEstimate.REFERENCE;
        memory.allocate(size);
        bytes += size;
        rows.add(row);
    }

    /** The rows, for steps that work on all of them at once (write clauses); not after reading began. */
    List<Map<String, Object>> list() {
        if (read > 0) {
            throw new IllegalStateException("buffer already being read");
        }
        return rows;
    }

    @Override
    public Map<String, Object> next() {
        if (closed || read >= rows.size()) {
            return null;
        }
        Map<String, Object> r = rows.set(read++, null);
        if (read % RELEASE_EVERY == 0) {
            // rows read are garbage now: give back their share, so a sorted result held by a slow
            // reader shrinks as it is streamed
            long due = bytes * read / rows.size() - released;
            memory.release(due);
            released += due;
        }
        return r;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            memory.release(bytes - released);
            released = bytes;
            rows.clear();
        }
    }
}
