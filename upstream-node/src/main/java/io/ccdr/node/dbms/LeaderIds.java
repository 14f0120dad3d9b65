package io.ccdr.node.dbms;

import io.ccdr.node.store.IdAllocator;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Id allocation while this server leads a database: starts at the store's high-water marks when
 * leadership is ready (every earlier entry is applied by then) and only grows.
 */
final class LeaderIds implements IdAllocator {
    private final AtomicLong nodes;
    private final AtomicLong relationships;

    LeaderIds(long nextNode, long nextRelationship) {
        this.nodes = new AtomicLong(nextNode);
        this.relationships = new AtomicLong(nextRelationship);
    }

    @Override
    public long nextNodeId() {
        return nodes.getAndIncrement();
    }

    @Override
    public long nextRelationshipId() {
        return relationships.getAndIncrement();
    }
}
