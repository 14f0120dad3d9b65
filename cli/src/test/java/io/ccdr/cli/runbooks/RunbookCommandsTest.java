package io.ccdr.cli.runbooks;

import io.ccdr.cli.CcdrCommand;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every {@code ccdr} command written in the runbooks and drill scenarios must parse against the
 * real command tree: a runbook is read under pressure, and an unknown option found during an
 * incident costs minutes. Checked: {@code runbooks/*.md}, {@code scenarios/*.md} (lines in
 * {@code ```}, {@code ```sh}, {@code ```bash}, {@code ```shell}, {@code ```console} blocks; expected
 * output belongs in {@code ```text} blocks), inline code spans in their prose (unknown subcommands
 * and options only, see {@link Command}) and {@code scenarios/*.sh} (every non-comment line).
 * In Markdown, {@code <name>} placeholders count as values.
 * A command is a pipeline segment whose first word is {@code ccdr}, {@code bin/ccdr} or
 * {@code ./bin/ccdr}, after an optional {@code $ } prompt and {@code NAME=value} assignments;
 * lines ending with {@code \} continue. Shell variables become a placeholder, since only the
 * shape of the command line is checked, not the values.
 */
class RunbookCommandsTest {
    /** Stands in for {@code $VAR}, {@code ${VAR}} and {@code $(...)}; "1" converts to strings, paths and numbers alike. */
    static final String PLACEHOLDER = "1";
    private static final Set<String> SHELL_FENCES = Set.of("", "sh", "bash", "shell", "console", "zsh", "shell-session");
    private static final Set<String> LAUNCHERS = Set.of("ccdr", "bin/ccdr", "./bin/ccdr");
    private static final Pattern INLINE_CODE = Pattern.compile("`([^`]+)`");
    private static final Pattern DOC_PLACEHOLDER = Pattern.compile("<[A-Za-z][A-Za-z0-9 _-]*>");
    private static final Pattern ASSIGNMENT = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*=.*");

    /**
     * One command found. {@code complete} is false for inline code spans in prose
     * ({@code `ccdr status --watch`}): they may name just a subcommand and an option, so they are
     * checked for unknown subcommands and options only, not for missing required ones.
     */
    record Command(Path file, int line, String text, List<String> args, boolean complete) {
        String where(Path root) {
            return root.relativize(file) + ":" + line + ": " + text;
        }
    }

    @Test
    void everyCommandInTheRunbooksAndScenariosParses() {
        Path root = repositoryRoot();
        List<Command> commands = commands(root);
        List<String> offending = problems(root, commands);
        assertThat(offending).as("ccdr commands in runbooks/scenarios that do not parse (%d of %d):%n%s",
                offending.size(), commands.size(), String.join("\n", offending)).isEmpty();

        List<Command> monitoring = commands.stream()
                .filter(c -> c.complete() && !c.args().isEmpty() && c.file().endsWith(Path.of("runbooks", "monitoring.md"))).toList();
        assertThat(monitoring.stream().map(c -> c.args().get(0)).collect(Collectors.toSet()))
                .as("subcommands used in runbooks/monitoring.md").contains("status", "shell");
        assertThat(monitoring).as("commands in code blocks of runbooks/monitoring.md").hasSizeGreaterThanOrEqualTo(6);
    }

    @Test
    void findsCommandsInShellBlocksAndScriptsAndReportsTheOnesThatDoNotParse(@TempDir Path root) throws IOException {
        Files.createDirectories(root.resolve("runbooks"));
        Files.createDirectories(root.resolve("scenarios"));
        Files.writeString(root.resolve("runbooks/a.md"), """
                Prose mentioning ccdr status --not-checked is ignored; `ccdr status --watch` is a complete enough span,
                `ccdr status --frobnicate` is not, and `ccdr shell -d <db> --format plain` has a placeholder.

                ```sh
                ccdr status --cluster "$CLUSTER_A" \\
                    --cluster ${CLUSTER_B} --watch --interval 5
                $ bin/ccdr shell -a neo4j://h:7687 --format json 'RETURN 1;' | jq .
                NEO4J_PASSWORD=secret ./bin/ccdr status --cluster neo4j://h:7687 --bogus
                bin/ccdr local kill a1 && bin/ccdr lokal restart a1
                ```

                ```text
                ccdr status 2026-01-01T00:00:00Z  1 cluster
                ```
                """);
        Files.writeString(root.resolve("scenarios/drill.sh"), """
                #!/usr/bin/env bash
                # ccdr status --commented-out
                out=$(ccdr status --cluster "$A")   # not at the start: not checked
                  ccdr shell -a "$A" --access-mode sideways "MATCH (n) RETURN n"
                """);
        Files.writeString(root.resolve("scenarios/notes.txt"), "ccdr nonsense\n");

        List<Command> commands = commands(root);
        assertThat(commands).extracting(Command::text).containsExactly(
                "ccdr status --watch",
                "ccdr status --frobnicate",
                "ccdr shell -d 1 --format plain",
                "ccdr status --cluster \"$CLUSTER_A\" --cluster ${CLUSTER_B} --watch --interval 5",
                "bin/ccdr shell -a neo4j://h:7687 --format json 'RETURN 1;'",
                "./bin/ccdr status --cluster neo4j://h:7687 --bogus",
                "bin/ccdr local kill a1",
                "bin/ccdr lokal restart a1",
                "ccdr shell -a \"$A\" --access-mode sideways \"MATCH (n) RETURN n\"");
        commands = commands.subList(3, commands.size());
        assertThat(commands.get(0).args()).containsExactly("status", "--cluster", PLACEHOLDER, "--cluster", PLACEHOLDER,
                "--watch", "--interval", "5");
        assertThat(commands.get(1).args()).endsWith("RETURN 1;");
        assertThat(commands.get(0).line()).isEqualTo(5);

        List<String> problems = problems(root, commands(root));
        assertThat(problems).hasSize(4);
        assertThat(problems.remove(0)).startsWith("runbooks/a.md:2: ccdr status --frobnicate").contains("--frobnicate");
        assertThat(problems.get(0)).startsWith("runbooks/a.md:8: ./bin/ccdr status").contains("--bogus");
        assertThat(problems.get(1)).startsWith("runbooks/a.md:9: bin/ccdr lokal").contains("lokal");
        assertThat(problems.get(2)).startsWith("scenarios/drill.sh:4: ").contains("sideways");
    }

    @Test
    void noRunbooksMeansNothingToCheck(@TempDir Path root) {
        assertThat(commands(root)).isEmpty();
        assertThat(problems(root, List.of())).isEmpty();
    }

    // ---------------------------------------------------------------------------------------------

    /** The repository root: the first directory at or above the module's base directory holding {@code cli/pom.xml}. */
    static Path repositoryRoot() {
        Path start = Path.of(System.getProperty("basedir", System.getProperty("user.dir"))).toAbsolutePath();
        for (Path p = start; p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("cli/pom.xml")) && Files.isRegularFile(p.resolve("pom.xml"))) {
                return p;
            }
        }
        throw new IllegalStateException("no repository root (a directory with cli/pom.xml) at or above " + start);
    }

    static List<Command> commands(Path root) {
        List<Command> out = new ArrayList<>();
        for (Path f : files(root.resolve("runbooks"), ".md")) {
            out.addAll(fromMarkdown(f));
        }
        for (Path f : files(root.resolve("scenarios"), ".md")) {
            out.addAll(fromMarkdown(f));
        }
        for (Path f : files(root.resolve("scenarios"), ".sh")) {
            out.addAll(fromScript(f));
        }
        return out;
    }

    static List<String> problems(Path root, List<Command> commands) {
        List<String> out = new ArrayList<>();
        for (Command c : commands) {
            try {
                CcdrCommand.commandLine().parseArgs(c.args().toArray(String[]::new));
            } catch (CommandLine.UnmatchedArgumentException e) {
                out.add(c.where(root) + "  ->  " + e.getMessage());
            } catch (CommandLine.ParameterException e) {
                // Picocli checks required options before it reports unmatched arguments, so for a
                // partial command the unknown ones are read from the command that gave up.
                List<String> unmatched = e.getCommandLine().getUnmatchedArguments();
                if (c.complete()) {
                    out.add(c.where(root) + "  ->  " + e.getMessage());
                } else if (!unmatched.isEmpty()) {
                    out.add(c.where(root) + "  ->  unknown option or subcommand: " + String.join(" ", unmatched));
                }
            }
        }
        return out;
    }

    private static List<Path> files(Path dir, String suffix) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(suffix) && Files.isRegularFile(p)).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> read(Path f) {
        try {
            return Files.readAllLines(f);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<Command> fromMarkdown(Path f) {
        List<String> lines = read(f);
        List<Command> out = new ArrayList<>();
        String fence = null;
        boolean shell = false;
        for (int i = 0; i < lines.size(); i++) {
            String t = lines.get(i).strip();
            if (fence == null) {
                if (t.startsWith("```") || t.startsWith("~~~")) {
                    fence = t.substring(0, 3);
                    shell = SHELL_FENCES.contains(t.substring(3).strip().split("[\\s{]", 2)[0].toLowerCase());
                } else {
                    Matcher span = INLINE_CODE.matcher(lines.get(i));
                    while (span.find()) {
                        commands(f, i + 1, placeholders(span.group(1)), false, out);
                    }
                }
                continue;
            }
            if (t.startsWith(fence)) {
                fence = null;
                continue;
            }
            if (shell) {
                i = logicalLine(f, lines, i, out, true);
            }
        }
        return out;
    }

    private static List<Command> fromScript(Path f) {
        List<String> lines = read(f);
        List<Command> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (!lines.get(i).strip().startsWith("#")) {
                i = logicalLine(f, lines, i, out, false);
            }
        }
        return out;
    }

    /** Joins continuation lines from {@code i}, adds the commands found, returns the index of the last line used. */
    private static int logicalLine(Path f, List<String> lines, int i, List<Command> out, boolean markdown) {
        int first = i;
        StringBuilder b = new StringBuilder();
        String line = lines.get(i);
        while (line.endsWith("\\") && i + 1 < lines.size()) {
            b.append(line, 0, line.length() - 1).append(' ');
            line = lines.get(++i);
        }
        b.append(line);
        String text = b.toString();
        commands(f, first + 1, markdown ? placeholders(text) : text, true, out);
        return i;
    }

    /** Documents write {@code <db>} for "fill in": a value, not a shell redirection. */
    private static String placeholders(String text) {
        return DOC_PLACEHOLDER.matcher(text).replaceAll(PLACEHOLDER);
    }

    private static void commands(Path f, int lineNumber, String text, boolean complete, List<Command> out) {
        text = text.strip();
        if (text.startsWith("$ ")) {
            text = text.substring(2);
        }
        for (Segment s : ShellWords.segments(text)) {
            List<String> words = new ArrayList<>(s.words());
            int k = 0;
            while (k < words.size() && ASSIGNMENT.matcher(words.get(k)).matches()) {
                k++;
            }
            if (k < words.size() && LAUNCHERS.contains(words.get(k))) {
                String source = s.text().strip().replaceAll("\\s+", " ");
                int at = source.indexOf(words.get(k));
                if (at > 0) {
                    source = source.substring(at); // the document's text from the launcher on, without NAME=value
                }
                out.add(new Command(f, lineNumber, source, List.copyOf(words.subList(k + 1, words.size())), complete));
            }
        }
    }

    record Segment(String text, List<String> words) {
    }

    /**
     * Just enough of the POSIX shell's word splitting for command lines in documents: quotes,
     * backslashes, variables and command substitutions (as {@link #PLACEHOLDER}), comments,
     * redirections (dropped) and the operators {@code | || && ; &} that separate commands.
     */
    static final class ShellWords {
        private ShellWords() {
        }

        static List<Segment> segments(String line) {
            List<Segment> out = new ArrayList<>();
            List<String> words = new ArrayList<>();
            StringBuilder word = null;
            int start = 0;
            boolean redirect = false;
            int n = line.length();
            int i = 0;
            while (i < n) {
                char c = line.charAt(i);
                if (Character.isWhitespace(c)) {
                    redirect = finish(words, word, redirect);
                    word = null;
                    i++;
                } else if (c == '#' && word == null) {
                    break;
                } else if (c == '|' || c == ';' || c == '&') {
                    if (c == '&' && i > 0 && line.charAt(i - 1) == '>') { // 2>&1
                        i++;
                        continue;
                    }
                    redirect = finish(words, word, redirect);
                    word = null;
                    out.add(new Segment(line.substring(start, i), List.copyOf(words)));
                    words.clear();
                    while (i < n && (line.charAt(i) == '|' || line.charAt(i) == ';' || line.charAt(i) == '&')) {
                        i++;
                    }
                    start = i;
                } else if (c == '>' || c == '<') {
                    if (word != null && word.toString().chars().allMatch(Character::isDigit)) {
                        word = null; // the 2 of 2>
                    }
                    redirect = finish(words, word, redirect);
                    word = null;
                    redirect = true;
                    while (i < n && (line.charAt(i) == '>' || line.charAt(i) == '<')) {
                        i++;
                    }
                } else {
                    if (word == null) {
                        word = new StringBuilder();
                    }
                    i = wordPart(line, i, word);
                }
            }
            finish(words, word, redirect);
            out.add(new Segment(line.substring(start, Math.min(i, n)), List.copyOf(words)));
            out.removeIf(s -> s.words().isEmpty());
            return out;
        }

        /** Adds the word unless it is a redirection target; returns whether a target is still awaited. */
        private static boolean finish(List<String> words, StringBuilder word, boolean redirect) {
            if (word == null) {
                return redirect;
            }
            if (!redirect) {
                words.add(word.toString());
            }
            return false;
        }

        private static int wordPart(String s, int i, StringBuilder word) {
            char c = s.charAt(i);
            if (c == '\'') {
                int end = s.indexOf('\'', i + 1);
                end = end < 0 ? s.length() : end;
                word.append(s, i + 1, end);
                return Math.min(end + 1, s.length());
            }
            if (c == '"') {
                int j = i + 1;
                while (j < s.length() && s.charAt(j) != '"') {
                    char d = s.charAt(j);
                    if (d == '\\' && j + 1 < s.length() && "\"\\$`".indexOf(s.charAt(j + 1)) >= 0) {
                        word.append(s.charAt(j + 1));
                        j += 2;
                    } else if (d == '$') {
                        j = variable(s, j, word);
                    } else {
                        word.append(d);
                        j++;
                    }
                }
                return Math.min(j + 1, s.length());
            }
            if (c == '\\') {
                if (i + 1 < s.length()) {
                    word.append(s.charAt(i + 1));
                }
                return i + 2;
            }
            if (c == '$') {
                return variable(s, i, word);
            }
            word.append(c);
            return i + 1;
        }

        /** Replaces {@code $NAME}, {@code ${...}}, {@code $(...)}, {@code $1} at {@code i} with the placeholder. */
        private static int variable(String s, int i, StringBuilder word) {
            int j = i + 1;
            if (j < s.length() && (s.charAt(j) == '{' || s.charAt(j) == '(')) {
                char open = s.charAt(j);
                char close = open == '{' ? '}' : ')';
                int depth = 0;
                for (; j < s.length(); j++) {
                    if (s.charAt(j) == open) {
                        depth++;
                    } else if (s.charAt(j) == close && --depth == 0) {
                        break;
                    }
                }
                word.append(PLACEHOLDER);
                return Math.min(j + 1, s.length());
            }
            int k = j;
            while (k < s.length() && (Character.isLetterOrDigit(s.charAt(k)) || s.charAt(k) == '_')) {
                k++;
            }
            if (k == j) {
                word.append('$'); // a lone $ is literal
                return j;
            }
            word.append(PLACEHOLDER);
            return k;
        }
    }
}
