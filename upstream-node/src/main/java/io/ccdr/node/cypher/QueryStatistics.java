package io.ccdr.node.cypher;

/** Update counters of one query, named as in Neo4j's result summary. */
public record QueryStatistics(int nodesCreated, int nodesDeleted, int relationshipsCreated, int relationshipsDeleted,
                              int propertiesSet, int labelsAdded, int labelsRemoved, int indexesAdded,
                              int indexesRemoved, int constraintsAdded, int constraintsRemoved) {

    public static final QueryStatistics EMPTY = new QueryStatistics(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

    public boolean containsUpdates() {
        return nodesCreated + nodesDeleted + relationshipsCreated + relationshipsDeleted + propertiesSet + labelsAdded
                + labelsRemoved + indexesAdded + indexesRemoved + constraintsAdded + constraintsRemoved > 0;
    }

    /** Mutable counterpart used during execution (single-threaded). */
    static final class Builder {
        int nodesCreated;
        int nodesDeleted;
        int relationshipsCreated;
        int relationshipsDeleted;
        int propertiesSet;
        int labelsAdded;
        int labelsRemoved;
        int indexesAdded;
        int indexesRemoved;
        int constraintsAdded;
        int constraintsRemoved;

        QueryStatistics build() {
            return new QueryStatistics(nodesCreated, nodesDeleted, relationshipsCreated, relationshipsDeleted,
                    propertiesSet, labelsAdded, labelsRemoved, indexesAdded, indexesRemoved, constraintsAdded,
                    constraintsRemoved);
        }
    }
}
