package io.ccdr.node.cypher;

import io.ccdr.node.graph.NodeRecord;
import io.ccdr.node.graph.PathValue;
import io.ccdr.node.graph.RelationshipRecord;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * TCK value notation: parses expected cells ({@code (:L {p: 1})}, {@code [:T]}, {@code <(:A)-[:T]->(:B)>},
 * lists, maps, strings, numbers, null) and renders both expected and actual values to one canonical
 * string, so comparing canonical strings compares values (types included: 1 differs from 1.0).
 */
final class TckValues {
    private final String s;
    private int p;

    private TckValues(String s) {
        this.s = s;
    }

    /** Canonical form of an expected cell; {@code unorderedLists} sorts list elements. */
    static String canonicalExpected(String cell, boolean unorderedLists) {
        TckValues parser = new TckValues(cell.strip());
        String v = parser.value(unorderedLists);
        parser.ws();
        if (parser.p != parser.s.length()) {
            throw new IllegalArgumentException("trailing input in TCK value: " + cell);
        }
        return v;
    }

    /** Parses a parameter value into a Java value (for "parameters are:"). */
    static Object parseParameter(String cell) {
        TckValues parser = new TckValues(cell.strip());
        return parser.javaValue();
    }

    // ------------------------------------------------------------------ actual values

    static String canonicalActual(Object v, boolean unorderedLists) {
        if (v == null) {
            return "null";
        }
        if (v instanceof String str) {
            return quote(str);
        }
        if (v instanceof Double d) {
            return renderDouble(d);
        }
        if (v instanceof java.time.temporal.Temporal) {
            // the TCK writes temporal values as their ISO-8601 string
            return quote(v.toString());
        }
        if (v instanceof io.ccdr.node.graph.IsoDuration d) {
            return quote(new CypherDuration(d.months(), d.days(), d.seconds(), d.nanoseconds()).toString());
        }
        if (v instanceof Long || v instanceof Boolean) {
            return v.toString();
        }
        if (v instanceof List<?> l) {
            List<String> items = new ArrayList<>();
            for (Object o : l) {
                items.add(canonicalActual(o, unorderedLists));
            }
            if (unorderedLists) {
                Collections.sort(items);
            }
            return "[" + String.join(", ", items) + "]";
        }
        if (v instanceof Map<?, ?> m) {
            TreeMap<String, String> entries = new TreeMap<>();
            m.forEach((k, val) -> entries.put((String) k, canonicalActual(val, unorderedLists)));
            return renderMap(entries);
        }
        if (v instanceof NodeRecord n) {
            return renderNode(new TreeSet<>(n.labels()), actualProps(n.properties()));
        }
        if (v instanceof RelationshipRecord r) {
            return "[:" + r.type() + props(actualProps(r.properties())) + "]";
        }
        if (v instanceof PathValue pv) {
            StringBuilder sb = new StringBuilder("<");
            sb.append(canonicalActual(pv.nodes().get(0), false));
            for (int i = 0; i < pv.relationships().size(); i++) {
                RelationshipRecord r = pv.relationships().get(i);
                NodeRecord from = pv.nodes().get(i);
                String rel = canonicalActual(r, false);
                boolean forward = r.startNode() == from.id();
                sb.append(forward ? "-" + rel + "->" : "<-" + rel + "-");
                sb.append(canonicalActual(pv.nodes().get(i + 1), false));
            }
            return sb.append('>').toString();
        }
        return String.valueOf(v);
    }

    private static TreeMap<String, String> actualProps(Map<String, Object> props) {
        TreeMap<String, String> out = new TreeMap<>();
        props.forEach((k, v) -> out.put(k, canonicalActual(v, false)));
        return out;
    }

    private static String renderNode(TreeSet<String> labels, TreeMap<String, String> props) {
        StringBuilder sb = new StringBuilder("(");
        for (String l : labels) {
            sb.append(':').append(l);
        }
        if (!props.isEmpty()) {
            if (!labels.isEmpty()) {
                sb.append(' ');
            }
            sb.append(renderMap(props));
        }
        return sb.append(')').toString();
    }

    private static String props(TreeMap<String, String> props) {
        return props.isEmpty() ? "" : " " + renderMap(props);
    }

    private static String renderMap(TreeMap<String, String> entries) {
        List<String> parts = new ArrayList<>();
        entries.forEach((k, v) -> parts.add(k + ": " + v));
        return "{" + String.join(", ", parts) + "}";
    }

    private static String renderDouble(double d) {
        if (d == 0.0) {
            return "0.0"; // the TCK does not distinguish -0.0
        }
        if (Double.isNaN(d)) {
            return "NaN";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "Inf" : "-Inf";
        }
        return Double.toString(d);
    }

    private static String quote(String str) {
        return "'" + str.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }

    // ------------------------------------------------------------------ parsing

    private void ws() {
        while (p < s.length() && Character.isWhitespace(s.charAt(p))) {
            p++;
        }
    }

    private boolean at(String t) {
        ws();
        return s.startsWith(t, p);
    }

    private void expect(String t) {
        ws();
        if (!s.startsWith(t, p)) {
            throw new IllegalArgumentException("expected '" + t + "' at " + p + " in " + s);
        }
        p += t.length();
    }

    private String value(boolean unordered) {
        ws();
        if (at("null")) {
            p += 4;
            return "null";
        }
        if (at("true")) {
            p += 4;
            return "true";
        }
        if (at("false")) {
            p += 5;
            return "false";
        }
        if (at("'")) {
            return quote(string());
        }
        if (at("[:")) {
            return relationship();
        }
        if (at("[")) {
            p++;
            List<String> items = new ArrayList<>();
            if (!at("]")) {
                do {
                    items.add(value(unordered));
                } while (tryConsume(","));
            }
            expect("]");
            if (unordered) {
                Collections.sort(items);
            }
            return "[" + String.join(", ", items) + "]";
        }
        if (at("{")) {
            return renderMap(map(unordered));
        }
        if (at("(")) {
            return node();
        }
        if (at("<")) {
            return path();
        }
        return number();
    }

    private boolean tryConsume(String t) {
        if (at(t)) {
            p += t.length();
            return true;
        }
        return false;
    }

    private String string() {
        expect("'");
        StringBuilder sb = new StringBuilder();
        while (s.charAt(p) != '\'') {
            char c = s.charAt(p++);
            if (c == '\\') {
                char e = s.charAt(p++);
                sb.append(switch (e) {
                    case 'n' -> '\n';
                    case 't' -> '\t';
                    default -> e;
                });
            } else {
                sb.append(c);
            }
        }
        p++;
        return sb.toString();
    }

    private String key() {
        ws();
        if (s.charAt(p) == '`') {
            int end = s.indexOf('`', p + 1);
            String k = s.substring(p + 1, end);
            p = end + 1;
            return k;
        }
        int start = p;
        while (p < s.length() && (Character.isLetterOrDigit(s.charAt(p)) || s.charAt(p) == '_')) {
            p++;
        }
        return s.substring(start, p);
    }

    private TreeMap<String, String> map(boolean unordered) {
        expect("{");
        TreeMap<String, String> entries = new TreeMap<>();
        if (!at("}")) {
            do {
                String k = key();
                expect(":");
                entries.put(k, value(unordered));
            } while (tryConsume(","));
        }
        expect("}");
        return entries;
    }

    private String node() {
        expect("(");
        TreeSet<String> labels = new TreeSet<>();
        while (tryConsume(":")) {
            labels.add(key());
        }
        TreeMap<String, String> props = at("{") ? map(false) : new TreeMap<>();
        expect(")");
        return renderNode(labels, props);
    }

    private String relationship() {
        expect("[");
        expect(":");
        String type = key();
        TreeMap<String, String> props = at("{") ? map(false) : new TreeMap<>();
        expect("]");
        return "[:" + type + props(props) + "]";
    }

    private String path() {
        expect("<");
        StringBuilder sb = new StringBuilder("<");
        sb.append(node());
        while (!at(">")) {
            if (tryConsume("<-")) {
                String rel = relationship();
                expect("-");
                sb.append("<-").append(rel).append("-");
            } else {
                expect("-");
                String rel = relationship();
                expect("->");
                sb.append("-").append(rel).append("->");
            }
            sb.append(node());
        }
        expect(">");
        return sb.append('>').toString();
    }

    private String number() {
        ws();
        int start = p;
        while (p < s.length() && "+-0123456789.eEInfaN".indexOf(s.charAt(p)) >= 0) {
            p++;
        }
        String t = s.substring(start, p);
        if (t.isEmpty()) {
            throw new IllegalArgumentException("cannot parse TCK value: " + s.substring(start));
        }
        if (t.equals("NaN")) {
            return "NaN";
        }
        if (t.equals("Inf") || t.equals("+Inf") || t.equals("-Inf")) {
            return t.startsWith("-") ? "-Inf" : "Inf";
        }
        if (t.contains(".") || t.contains("e") || t.contains("E")) {
            return renderDouble(Double.parseDouble(t));
        }
        return Long.toString(Long.parseLong(t));
    }

    private Object javaValue() {
        ws();
        if (tryConsume("null")) {
            return null;
        }
        if (tryConsume("true")) {
            return true;
        }
        if (tryConsume("false")) {
            return false;
        }
        if (at("'")) {
            return string();
        }
        if (tryConsume("[")) {
            List<Object> items = new ArrayList<>();
            if (!at("]")) {
                do {
                    items.add(javaValue());
                } while (tryConsume(","));
            }
            expect("]");
            return items;
        }
        if (tryConsume("{")) {
            Map<String, Object> m = new LinkedHashMap<>();
            if (!at("}")) {
                do {
                    String k = key();
                    expect(":");
                    m.put(k, javaValue());
                } while (tryConsume(","));
            }
            expect("}");
            return m;
        }
        String n = number();
        if (n.equals("NaN")) {
            return Double.NaN;
        }
        if (n.endsWith("Inf")) {
            return n.startsWith("-") ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
        }
        return n.contains(".") || n.contains("E") ? (Object) Double.parseDouble(n) : (Object) Long.parseLong(n);
    }
}
