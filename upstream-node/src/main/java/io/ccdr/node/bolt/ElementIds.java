package io.ccdr.node.bolt;

/**
 * Element ids as Neo4j 5 spells them: {@code 4:<database id>:<node id>} for nodes and
 * {@code 5:<database id>:<relationship id>} for relationships. The database id (its UUID in
 * Neo4j) comes from {@link BoltTransaction#databaseId()}.
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
        try {
            long id = Long.parseLong(elementId.substring(prefix.length()));
            return id < 0 ? -1 : id;
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
