package io.ccdr.node.graph;

/**
 * A schema rule on {@code (:label {property})}. A {@link Kind#UNIQUENESS} constraint is backed by
 * an index of the same name and is enforced when a change set is applied, so concurrent MERGEs can
 * never both create a node with the same value.
 */
public record IndexDescriptor(String name, Kind kind, String label, String property) {
    public enum Kind { RANGE, UNIQUENESS }
}
