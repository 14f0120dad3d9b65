package io.ccdr.node.graph;

/**
 * Element ids as Neo4j 5 spells them: {@code 4:<database id>:<node id>} for nodes and
 * {@code 5:<database id>:<relationship id>} for relationships. Bolt's node, relationship and path
 * structures and Cypher's {@code elementId()} both build them here, from the same database id, so
 * that an id read from a driver finds its element again with {@code WHERE elementId(n) = $id}.
 * Which database id a server uses is decided in docs/design/element-ids.md (the database's
 * lineage id, shared by a replica and its upstream).
 */
public final class ElementIds {
    private ElementIds() {
    }

    public static String node(String databaseId, long id) {
        return "4:" + databaseId + ":" + id;
    }

    public static String relationship(String databaseId, long id) {
        return "5:" + databaseId + ":" + id;
    }

    /**
     * The numeric id inside an element id of the given kind and database, or -1 if the string is
     * not such an element id (so {@code elementId(n) = $x} simply finds nothing).
     */
    public static long parse(String elementId, boolean relationship, String databaseId) {
        String prefix = (relationship ? "5:" : "4:") + databaseId + ":";
        if (elementId == null || !elementId.startsWith(prefix)) {
            return -1;
        }
        String digits = elementId.substring(prefix.length());
        // only the spelling elementId() produces: a seek must find exactly what comparing the strings
        // would, and "4:db:07" or "4:db:+7" never equals elementId(n)
        if (digits.isEmpty() || (digits.length() > 1 && digits.charAt(0) == '0') || !Character.isDigit(digits.charAt(0))) {
            return -1;
        }
        try {
            return Long.parseLong(digits);
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
