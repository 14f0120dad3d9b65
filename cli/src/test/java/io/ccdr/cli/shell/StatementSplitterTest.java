package io.ccdr.cli.shell;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class StatementSplitterTest {
    @Test
    void splitsAtSemicolonsOutsideLiteralsNamesAndComments() {
        String script = "CREATE (:A {s: 'x;y', t: \"it\\\"s;\"});\n"
                + "// comment; here\n"
                + "MATCH (`we;ird`) /* block; comment */ RETURN 1;\n"
                + "  ;\n"
                + "RETURN 'no terminator'";
        assertThat(StatementSplitter.split(script)).containsExactly(
                "CREATE (:A {s: 'x;y', t: \"it\\\"s;\"})",
                "MATCH (`we;ird`)   RETURN 1",
                "RETURN 'no terminator'");
    }

    @Test
    void onlyCommentsAndBlanksYieldNothing() {
        assertThat(StatementSplitter.split("// nothing\n  ;; /* x */ \n")).isEmpty();
    }

    @Test
    void parameterValuesAreJsonWhenTheyAreJson() {
        assertThat(ShellCommand.parameterValue("42")).isEqualTo(42L);
        assertThat(ShellCommand.parameterValue("1.5")).isEqualTo(1.5);
        assertThat(ShellCommand.parameterValue("true")).isEqualTo(true);
        assertThat(ShellCommand.parameterValue("null")).isNull();
        assertThat(ShellCommand.parameterValue("\"42\"")).isEqualTo("42");
        assertThat(ShellCommand.parameterValue("Oslo")).isEqualTo("Oslo");
        assertThat(ShellCommand.parameterValue("1 2")).isEqualTo("1 2");
        assertThat(ShellCommand.parameterValue("")).isEqualTo("");
        assertThat(ShellCommand.parameterValue("[1, {\"k\": \"v\"}]")).isEqualTo(List.of(1L, Map.of("k", "v")));
    }
}
