package io.ccdr.node.cypher;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The TCK runner itself must be able to fail: checks its Gherkin subset and value comparison. */
class TckParsingTest {
    private static final String FEATURE = """
            Feature: Demo

              Background:
                Given an empty graph
                And having executed:
                  \"\"\"
                  CREATE (:A {name: 'a|b'})
                  \"\"\"

              Scenario: [1] Matches
                When executing query:
                  \"\"\"
                  MATCH (n:A) RETURN n, n.name AS name
                  \"\"\"
                Then the result should be, in any order:
                  | n                   | name  |
                  | (:A {name: 'a|b'})  | 'a|b' |
                And no side effects

              Scenario Outline: [2] Outline
                When executing query:
                  \"\"\"
                  RETURN <expr> AS v
                  \"\"\"
                Then the result should be, in order:
                  | v        |
                  | <result> |
                And no side effects

                Examples:
                  | expr     | result |
                  | 1 + 1    | 2      |
                  #| 1 + 2    | 3      |
                  | 'x' + 1  | 'x1'   |
                  | [2, 1]   | [1, 2] |

              Scenario: [3] Side effects
                When executing query:
                  \"\"\"
                  CREATE (:B {x: 1})
                  \"\"\"
                Then the result should be empty
                And the side effects should be:
                  | +nodes      | 1 |
                  | +labels     | 2 |
                  | +properties | 1 |

              Scenario: [4] Error
                When executing query:
                  \"\"\"
                  RETURN x
                  \"\"\"
                Then a SyntaxError should be raised at compile time: UndefinedVariable
            """;

    @Test
    void parsesBackgroundOutlinesAndCommentedRows() {
        List<TckRunner.Scenario> scenarios = TckRunner.parseFeature("demo", "Demo", FEATURE.lines().toList());
        assertThat(scenarios).extracting(TckRunner.Scenario::id).containsExactly(
                "demo/Demo: [1] Matches", "demo/Demo: [2] Outline #1", "demo/Demo: [2] Outline #2",
                "demo/Demo: [2] Outline #3", "demo/Demo: [3] Side effects", "demo/Demo: [4] Error");
        assertThat(scenarios.get(0).steps().get(1).docString()).isEqualTo("CREATE (:A {name: 'a|b'})");
        assertThat(scenarios.get(1).steps().get(2).docString()).isEqualTo("RETURN 1 + 1 AS v");
    }

    @Test
    void passingAndFailingScenariosAreTold() {
        List<TckRunner.Scenario> scenarios = TckRunner.parseFeature("demo", "Demo", FEATURE.lines().toList());
        assertThat(TckRunner.run(scenarios.get(0))).isNull();
        assertThat(TckRunner.run(scenarios.get(1))).isNull();
        assertThat(TckRunner.run(scenarios.get(2))).isNull();
        // [2, 1] is not [1, 2] when order matters
        assertThat(TckRunner.run(scenarios.get(3))).startsWith("rows (in order)");
        // the label count is 1 (+labels counts label names new to the graph), so expecting 2 fails
        assertThat(TckRunner.run(scenarios.get(4))).startsWith("side effects");
        assertThat(TckRunner.run(scenarios.get(5))).isNull();
    }

    @Test
    void valuesAreComparedWithTheirTypes() {
        assertThat(TckValues.canonicalExpected("1", false)).isNotEqualTo(TckValues.canonicalExpected("1.0", false));
        assertThat(TckValues.canonicalExpected("{b: 1, a: [1, 'x']}", false)).isEqualTo("{a: [1, 'x'], b: 1}");
        assertThat(TckValues.canonicalExpected("<(:A)-[:T {k: 1}]->(:B)<-[:U]-()>", false))
                .isEqualTo("<(:A)-[:T {k: 1}]->(:B)<-[:U]-()>");
        assertThat(TckValues.canonicalExpected("[3, 1, 2]", true)).isEqualTo("[1, 2, 3]");
    }
}
