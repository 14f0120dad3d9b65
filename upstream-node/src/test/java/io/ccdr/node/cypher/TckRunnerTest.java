package io.ccdr.node.cypher;

/** Runs the openCypher TCK scenarios in every build; see {@link TckRunner}. */
class TckRunnerTest extends TckRunner {
}
