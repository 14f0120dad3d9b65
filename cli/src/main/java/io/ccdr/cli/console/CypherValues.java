package io.ccdr.cli.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.neo4j.driver.Value;
import org.neo4j.driver.types.Node;
import org.neo4j.driver.types.Path;
import org.neo4j.driver.types.Point;
import org.neo4j.driver.types.Relationship;
import org.neo4j.driver.types.Type;
import org.neo4j.driver.types.TypeSystem;

import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Renders driver values for people (close to Cypher literals, as cypher-shell does:
 * {@code "text"}, {@code [1, 2]}, {@code {name: "Oslo"}}, {@code (:City {name: "Oslo"})},
 * {@code [:ROAD {km: 3}]}) and for programs (JSON). Map keys and properties are printed in sorted
 * order so that output is stable between runs and servers.
 */
public final class CypherValues {
    private static final TypeSystem TYPES = TypeSystem.getDefault();
    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private CypherValues() {
    }

    public static String literal(Value v) {
        StringBuilder b = new StringBuilder();
        literal(v, b);
        return b.toString();
    }

    private static void literal(Value v, StringBuilder b) {
        Type t = v.type();
        if (v.isNull()) {
            b.append("NULL");
        } else if (t.equals(TYPES.STRING())) {
            quote(v.asString(), b);
        } else if (t.equals(TYPES.INTEGER()) || t.equals(TYPES.BOOLEAN())) {
            b.append(v.asObject());
        } else if (t.equals(TYPES.FLOAT())) {
            double d = v.asDouble();
            b.append(Double.isNaN(d) ? "NaN" : Double.isInfinite(d) ? (d > 0 ? "Infinity" : "-Infinity") : Double.toString(d));
        } else if (t.equals(TYPES.LIST())) {
            b.append('[');
            String sep = "";
            for (Value item : v.values()) {
                b.append(sep);
                literal(item, b);
                sep = ", ";
            }
            b.append(']');
        } else if (t.equals(TYPES.MAP())) {
            properties(v.asMap(x -> x), b);
        } else if (t.equals(TYPES.NODE())) {
            node(v.asNode(), b);
        } else if (t.equals(TYPES.RELATIONSHIP())) {
            relationship(v.asRelationship(), b);
        } else if (t.equals(TYPES.PATH())) {
            path(v.asPath(), b);
        } else if (t.equals(TYPES.POINT())) {
            Point p = v.asPoint();
            b.append("point({srid: ").append(p.srid()).append(", x: ").append(p.x()).append(", y: ").append(p.y());
            if (!Double.isNaN(p.z())) {
                b.append(", z: ").append(p.z());
            }
            b.append("})");
        } else if (t.equals(TYPES.BYTES())) {
            b.append("0x");
            for (byte x : v.asByteArray()) {
                b.append(String.format("%02x", x));
            }
        } else {
            // Temporal values: their ISO-8601 text is what Cypher's own functions accept back.
            b.append(v.asObject());
        }
    }

    private static void node(Node n, StringBuilder b) {
        b.append("(");
        for (String label : n.labels()) {
            b.append(':');
            name(label, b);
        }
        Map<String, Value> props = n.asMap(x -> x);
        if (!props.isEmpty()) {
            if (b.charAt(b.length() - 1) != '(') {
                b.append(' ');
            }
            properties(props, b);
        }
        b.append(")");
    }

    private static void relationship(Relationship r, StringBuilder b) {
        b.append("[:");
        name(r.type(), b);
        Map<String, Value> props = r.asMap(x -> x);
        if (!props.isEmpty()) {
            b.append(' ');
            properties(props, b);
        }
        b.append(']');
    }

    private static void path(Path p, StringBuilder b) {
        Iterator<Path.Segment> segments = p.iterator();
        node(p.start(), b);
        while (segments.hasNext()) {
            Path.Segment s = segments.next();
            boolean forward = s.relationship().startNodeElementId().equals(s.start().elementId());
            b.append(forward ? "-" : "<-");
            relationship(s.relationship(), b);
            b.append(forward ? "->" : "-");
            node(s.end(), b);
        }
    }

    private static void properties(Map<String, Value> map, StringBuilder b) {
        b.append('{');
        String sep = "";
        for (Map.Entry<String, Value> e : new TreeMap<>(map).entrySet()) {
            b.append(sep);
            name(e.getKey(), b);
            b.append(": ");
            literal(e.getValue(), b);
            sep = ", ";
        }
        b.append('}');
    }

    private static void name(String name, StringBuilder b) {
        if (IDENTIFIER.matcher(name).matches()) {
            b.append(name);
        } else {
            b.append('`').append(name.replace("`", "``")).append('`');
        }
    }

    /** Escapes so that one value stays on one line and one table cell. */
    private static void quote(String s, StringBuilder b) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        b.append('"');
    }

    /**
     * JSON for one value: scalars as JSON scalars (non-finite floats and temporals as strings,
     * bytes as base64), nodes as {@code {elementId, labels, properties}}, relationships as
     * {@code {elementId, type, startNodeElementId, endNodeElementId, properties}}, paths as
     * {@code {nodes, relationships}}, points as {@code {srid, x, y[, z]}}.
     */
    public static JsonNode json(Value v) {
        Type t = v.type();
        if (v.isNull()) {
            return JSON.nullNode();
        } else if (t.equals(TYPES.STRING())) {
            return JSON.textNode(v.asString());
        } else if (t.equals(TYPES.INTEGER())) {
            return JSON.numberNode(v.asLong());
        } else if (t.equals(TYPES.BOOLEAN())) {
            return JSON.booleanNode(v.asBoolean());
        } else if (t.equals(TYPES.FLOAT())) {
            double d = v.asDouble();
            return Double.isFinite(d) ? JSON.numberNode(d) : JSON.textNode(Double.toString(d));
        } else if (t.equals(TYPES.LIST())) {
            ArrayNode a = JSON.arrayNode();
            v.values().forEach(item -> a.add(json(item)));
            return a;
        } else if (t.equals(TYPES.MAP())) {
            return jsonMap(v.asMap(x -> x));
        } else if (t.equals(TYPES.NODE())) {
            return jsonNode(v.asNode());
        } else if (t.equals(TYPES.RELATIONSHIP())) {
            return jsonRelationship(v.asRelationship());
        } else if (t.equals(TYPES.PATH())) {
            ObjectNode o = JSON.objectNode();
            ArrayNode nodes = o.putArray("nodes");
            ArrayNode rels = o.putArray("relationships");
            v.asPath().nodes().forEach(n -> nodes.add(jsonNode(n)));
            v.asPath().relationships().forEach(r -> rels.add(jsonRelationship(r)));
            return o;
        } else if (t.equals(TYPES.POINT())) {
            Point p = v.asPoint();
            ObjectNode o = JSON.objectNode().put("srid", p.srid()).put("x", p.x()).put("y", p.y());
            if (!Double.isNaN(p.z())) {
                o.put("z", p.z());
            }
            return o;
        } else if (t.equals(TYPES.BYTES())) {
            return JSON.binaryNode(v.asByteArray());
        }
        return JSON.textNode(String.valueOf(v.asObject()));
    }

    private static ObjectNode jsonMap(Map<String, Value> map) {
        ObjectNode o = JSON.objectNode();
        new TreeMap<>(map).forEach((k, val) -> o.set(k, json(val)));
        return o;
    }

    private static ObjectNode jsonNode(Node n) {
        ObjectNode o = JSON.objectNode();
        o.put("elementId", n.elementId());
        ArrayNode labels = o.putArray("labels");
        n.labels().forEach(labels::add);
        o.set("properties", jsonMap(n.asMap(x -> x)));
        return o;
    }

    private static ObjectNode jsonRelationship(Relationship r) {
        ObjectNode o = JSON.objectNode();
        o.put("elementId", r.elementId());
        o.put("type", r.type());
        o.put("startNodeElementId", r.startNodeElementId());
        o.put("endNodeElementId", r.endNodeElementId());
        o.set("properties", jsonMap(r.asMap(x -> x)));
        return o;
    }
}
