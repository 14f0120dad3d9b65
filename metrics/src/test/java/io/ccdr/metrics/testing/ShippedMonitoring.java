package io.ccdr.metrics.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The dashboard and alert rules that ship in {@code metrics/}, located from any module of the reactor, and the
 * PromQL they contain. Shared (through the metrics test-jar) by every test that runs them against a real
 * Prometheus, so that all of them test the shipped files and not copies.
 */
public final class ShippedMonitoring {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern EXPR = Pattern.compile("(?m)^\\s*expr:\\s*(.*?)\\s*$");
    private static final Pattern ALERT = Pattern.compile("(?m)^\\s*-\\s*alert:\\s*(\\S+)\\s*$");
    private static final Pattern FOR = Pattern.compile("(?m)^(\\s*for:\\s*)\\S+\\s*$");
    private static final Pattern LABEL_VALUES = Pattern.compile("^label_values\\((.*),\\s*[A-Za-z_]+\\)$");

    private ShippedMonitoring() {
    }

    /** The {@code metrics} module directory, from the metrics module itself or any sibling module. */
    public static Path metricsDir() {
        String basedir = System.getProperty("basedir");
        Path start = (basedir != null ? Path.of(basedir) : Path.of("")).toAbsolutePath();
        for (Path p = start; p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("prometheus/ccdr-alerts.yml")) && Files.isDirectory(p.resolve("grafana"))) {
                return p;
            }
            if (Files.isRegularFile(p.resolve("metrics/prometheus/ccdr-alerts.yml"))) {
                return p.resolve("metrics");
            }
        }
        throw new IllegalStateException("cannot find metrics/prometheus/ccdr-alerts.yml above " + start);
    }

    public static Path rulesFile() {
        return metricsDir().resolve("prometheus/ccdr-alerts.yml");
    }

    public static Path dashboardFile() {
        return metricsDir().resolve("grafana/ccdr-dashboard.json");
    }

    /** Alert names in file order. */
    public static List<String> alertNames(Path rules) {
        List<String> out = new ArrayList<>();
        Matcher m = ALERT.matcher(read(rules));
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    /**
     * Alert name → expression, in file order. The rules file keeps every expression on one line (its header says
     * so), which is what makes this extraction exact.
     */
    public static Map<String, String> ruleExpressions(Path rules) {
        List<String> names = alertNames(rules);
        List<String> exprs = new ArrayList<>();
        Matcher m = EXPR.matcher(read(rules));
        while (m.find()) {
            String e = m.group(1);
            if (e.startsWith("|") || e.startsWith(">")) {
                throw new IllegalStateException("multi-line expr in " + rules + ": keep each expression on one line");
            }
            if (e.startsWith("\"") || e.startsWith("'")) {
                e = e.substring(1, e.length() - 1);
            }
            exprs.add(e);
        }
        if (names.size() != exprs.size()) {
            throw new IllegalStateException(rules + ": " + names.size() + " alerts but " + exprs.size() + " expressions");
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 0; i < names.size(); i++) {
            out.put(names.get(i), exprs.get(i));
        }
        return out;
    }

    /** Panel target expressions (rows included) and the series selectors of {@code label_values()} variables. */
    public static List<String> dashboardExpressions(Path dashboard) {
        JsonNode d;
        try {
            d = JSON.readTree(dashboard.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> out = new ArrayList<>();
        collectPanels(d.path("panels"), out);
        for (JsonNode v : d.path("templating").path("list")) {
            String q = v.path("query").isObject() ? v.path("query").path("query").asText() : v.path("query").asText();
            Matcher m = LABEL_VALUES.matcher(q.trim());
            if (m.matches()) {
                out.add(m.group(1));
            } else if (!q.isBlank()) {
                out.add(q);
            }
        }
        return out;
    }

    private static void collectPanels(JsonNode panels, List<String> out) {
        for (JsonNode p : panels) {
            for (JsonNode t : p.path("targets")) {
                if (t.hasNonNull("expr")) {
                    out.add(t.get("expr").asText());
                }
            }
            collectPanels(p.path("panels"), out);
        }
    }

    /**
     * Grafana's variables as an "All" selection and {@code $__rate_interval} as {@code rateWindow} (e.g. {@code 10s},
     * ten samples at 1 s scrapes).
     */
    public static String substituteGrafanaVariables(String expr, String rateWindow) {
        String e = expr.replace("$__rate_interval", rateWindow).replace("$cluster", ".*").replace("$database", ".*");
        if (e.contains("$")) {
            throw new IllegalStateException("unknown Grafana variable in: " + expr);
        }
        return e;
    }

    /**
     * The expression an alert compares against its threshold: {@code max by (…) (x) > 60} → {@code max by (…) (x)}.
     * It is the text before the last comparison operator outside parentheses, braces, brackets and strings; an
     * expression without one is returned unchanged. Evaluating it shows that the series an alert watches exist, which
     * the condition itself cannot show while nothing is wrong.
     */
    public static String withoutThreshold(String expr) {
        int depth = 0;
        char quote = 0;
        int cut = -1;
        for (int i = 0; i < expr.length(); i++) {
            char c = expr.charAt(i);
            if (quote != 0) {
                if (c == '\\') {
                    i++;
                } else if (c == quote) {
                    quote = 0;
                }
                continue;
            }
            switch (c) {
                case '"', '\'', '`' -> quote = c;
                case '(', '{', '[' -> depth++;
                case ')', '}', ']' -> depth--;
                case '>', '<' -> {
                    if (depth == 0) {
                        cut = i;
                    }
                }
                case '=', '!' -> {
                    if (depth == 0 && i + 1 < expr.length() && expr.charAt(i + 1) == '='
                            && (i == 0 || "<>=!".indexOf(expr.charAt(i - 1)) < 0)) {
                        cut = i;
                    }
                }
                default -> {
                }
            }
        }
        return cut < 0 ? expr : expr.substring(0, cut).trim();
    }

    /**
     * A test copy of the shipped rules with every {@code for:} set to {@code forDuration} and the given literal
     * replacements applied to individual alerts' expressions (alert name → [from, to]), e.g. lowering
     * ReplicaLagHigh's {@code > 60} to {@code > 3}. Everything else, expressions included, stays as shipped; a
     * replacement that does not match fails, so a test cannot silently stop exercising what it claims to.
     */
    public static String testRules(Path rules, String forDuration, Map<String, String[]> thresholdEdits) {
        String text = FOR.matcher(read(rules)).replaceAll("$1" + Matcher.quoteReplacement(forDuration));
        for (Map.Entry<String, String[]> edit : thresholdEdits.entrySet()) {
            String expr = Optional.ofNullable(ruleExpressions(rules).get(edit.getKey()))
                    .orElseThrow(() -> new IllegalArgumentException("no alert " + edit.getKey() + " in " + rules));
            String from = edit.getValue()[0];
            String to = edit.getValue()[1];
            if (!expr.endsWith(from)) {
                throw new IllegalArgumentException(edit.getKey() + ": expression does not end with '" + from + "': " + expr);
            }
            String edited = expr.substring(0, expr.length() - from.length()) + to;
            int at = text.indexOf("expr: " + expr + "\n");
            if (at < 0 || text.indexOf("expr: " + expr + "\n", at + 1) >= 0) {
                throw new IllegalStateException("expression of " + edit.getKey() + " not found exactly once");
            }
            text = text.substring(0, at) + "expr: " + edited + text.substring(at + ("expr: " + expr).length());
        }
        return text;
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
