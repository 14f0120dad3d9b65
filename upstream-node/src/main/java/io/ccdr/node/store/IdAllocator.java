package io.ccdr.node.store;

/** Hands out ids for new entities on the leader; each id is used at most once. */
public interface IdAllocator {
    long nextNodeId();

    long nextRelationshipId();
}
