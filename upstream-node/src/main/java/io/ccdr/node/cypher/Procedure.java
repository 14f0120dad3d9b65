package io.ccdr.node.cypher;

import java.util.List;
import java.util.Map;

/**
 * A callable procedure: its signature and the call itself. The signature is checked when a query is
 * compiled (argument count, evident argument types, YIELD names), as Neo4j does.
 */
public interface Procedure {

    enum Mode { READ, WRITE, SCHEMA, DBMS }

    /** Argument types, as in Neo4j signatures ({@code INTEGER?}, {@code ANY?}, ...). */
    enum Type { ANY, BOOLEAN, INTEGER, FLOAT, NUMBER, STRING, LIST, MAP, NODE, RELATIONSHIP, PATH }

    /**
     * One input parameter. An {@code optional} input may be omitted by the caller (it must follow the
     * mandatory ones); the procedure then receives fewer arguments and applies its own default.
     */
    record Input(String name, Type type, boolean optional) {
        public static Input of(String name, Type type) {
            return new Input(name, type, false);
        }
    }

    /** Input parameters in order; CALL without parentheses takes them from the query parameters by name. */
    default List<Input> inputs() {
        return List.of();
    }

    /** Output column names, in order (the columns of a standalone CALL without YIELD). */
    List<String> outputColumns();

    /** WRITE procedures make the query a write query (routed to the leader, refused on read-only views). */
    default Mode mode() {
        return Mode.READ;
    }

    /**
     * Runs the procedure. Arguments are in the engine's result value model (Long, Double, String, Boolean,
     * List, Map, NodeRecord...), INTEGER arguments already widened for FLOAT inputs; each returned row maps
     * output column names to values of the same model. Throw {@link io.ccdr.node.graph.GraphException}
     * with a Neo4j code for failures.
     */
    List<Map<String, Object>> call(List<Object> args, CallContext context);
}
