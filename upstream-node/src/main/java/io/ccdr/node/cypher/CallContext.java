package io.ccdr.node.cypher;

import io.ccdr.node.graph.GraphReader;

import java.util.Map;

/** What a procedure may see of the calling query: the graph view and the query parameters. */
public record CallContext(GraphReader graph, Map<String, Object> parameters) {
}
