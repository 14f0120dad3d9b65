package io.ccdr.node.cypher;

import java.util.List;
import java.util.Map;

/** A callable procedure: declared output columns and the call itself. */
public interface Procedure {

    enum Mode { READ, WRITE, SCHEMA, DBMS }

    /** Output column names, in order (the columns of a standalone CALL without YIELD). */
    List<String> outputColumns();

    /** WRITE procedures make the query a write query (routed to the leader, refused on read-only views). */
    default Mode mode() {
        return Mode.READ;
    }

    /**
     * Runs the procedure. Arguments are in the engine's value model (Long, Double, String, Boolean, List,
     * Map, NodeRecord...); each returned row maps output column names to values of the same model.
     * Throw {@link io.ccdr.node.graph.GraphException} with a Neo4j code for failures.
     */
    List<Map<String, Object>> call(List<Object> args, CallContext context);
}
