package io.ccdr.node.bolt;

import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The outcome of {@link BoltTransaction#run}: column names, a stream of rows and a summary.
 *
 * <p>Row values may be {@code null}, {@code Boolean}, any integral {@code Number} up to
 * {@code Long}, {@code Double}/{@code Float}, {@code String}, {@code byte[]}, lists (or arrays) and
 * {@code Map<String, ?>} of these, {@link io.ccdr.node.graph.NodeRecord},
 * {@link io.ccdr.node.graph.RelationshipRecord}, {@link io.ccdr.node.graph.PathValue},
 * {@code LocalDate}, {@code OffsetTime}, {@code LocalTime}, {@code ZonedDateTime},
 * {@code OffsetDateTime}, {@code LocalDateTime}, {@link io.ccdr.node.graph.IsoDuration}, {@code java.time.Duration}
 * and {@code Period}. Parameters arrive as the same types (date-times as {@code ZonedDateTime},
 * durations as {@link io.ccdr.node.graph.IsoDuration}).
 */
public interface BoltResult extends AutoCloseable {

    /** Column names, known before the first row. */
    List<String> fields();

    /** The next row (one value per field), or null when the result is exhausted. May block. */
    List<Object> next();

    /**
     * Called once, after the last row was read or when the client discarded the rest. A lazy
     * implementation must finish the statement's side effects before returning. Keys the server
     * passes on to the driver:
     * <ul>
     *   <li>{@code type}: "r", "w", "rw" or "s" (schema); "r" when absent;</li>
     *   <li>{@code stats}: a map with Neo4j's counter names ({@code nodes-created},
     *       {@code nodes-deleted}, {@code relationships-created}, {@code relationships-deleted},
     *       {@code properties-set}, {@code labels-added}, {@code labels-removed},
     *       {@code indexes-added}, {@code indexes-removed}, {@code constraints-added},
     *       {@code constraints-removed}, {@code system-updates}) as integers and
     *       {@code contains-updates}/{@code contains-system-updates} as booleans; zero counters
     *       may be left out, and the server omits the map when it is empty;</li>
     *   <li>{@code notifications}: optional list of notification maps, as Neo4j sends them.</li>
     * </ul>
     * The server adds {@code db}, {@code t_last} and (for auto-commit) {@code bookmark} itself.
     */
    Map<String, Object> summary();

    /** Releases resources; called exactly once, also when the result is abandoned. */
    @Override
    default void close() {
    }

    /** A result backed by a list of rows, with the given summary (see {@link #summary()}). */
    static BoltResult of(List<String> fields, List<List<Object>> rows, Map<String, Object> summary) {
        List<String> f = List.copyOf(fields);
        Iterator<List<Object>> it = List.copyOf(rows).iterator();
        Map<String, Object> s = Map.copyOf(summary);
        return new BoltResult() {
            @Override
            public List<String> fields() {
                return f;
            }

            @Override
            public List<Object> next() {
                return it.hasNext() ? it.next() : null;
            }

            @Override
            public Map<String, Object> summary() {
                return s;
            }
        };
    }
}
