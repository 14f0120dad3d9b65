package io.ccdr.cli.drill;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a drill measured and which invariants held. Figures are kept in insertion order so the text
 * report and the JSON file read the same way; a drill passes only when every invariant passed and
 * the drill itself ran to its end.
 */
public final class DrillReport {
    /** One checked property: a name an operator can grep for, the verdict and what was observed. */
    record Invariant(String name, boolean pass, String detail) {
    }

    private final String drill;
    private final long seed;
    /** A measured figure: {@code key} names it in JSON, {@code label} in the text report. */
    record Figure(String key, String label, Object value) {
    }

    private final Map<String, Figure> figures = new LinkedHashMap<>();
    private final Map<String, Object> details = new LinkedHashMap<>();
    private final List<Invariant> invariants = new ArrayList<>();
    private String error;

    public DrillReport(String drill, long seed) {
        this.drill = drill;
        this.seed = seed;
    }

    public void figure(String key, String label, Object value) {
        figures.put(key, new Figure(key, label, value));
    }

    /** A figure whose key is also its label (scenario figures: {@code key=value} from the verdict line). */
    void figure(String key, Object value) {
        figure(key, key, value);
    }

    Object figure(String key) {
        Figure f = figures.get(key);
        return f == null ? null : f.value();
    }

    /** Structured data for the JSON report only (e.g. the lost writes with their commit times). */
    public void detail(String key, Object value) {
        details.put(key, value);
    }

    public void check(String name, boolean pass, String detail) {
        invariants.add(new Invariant(name, pass, detail));
    }

    /** The drill could not run to its end; the report keeps what was measured before. */
    public void aborted(String message) {
        this.error = message;
    }

    List<Invariant> invariants() {
        return List.copyOf(invariants);
    }

    public boolean passed() {
        return error == null && !invariants.isEmpty() && invariants.stream().allMatch(Invariant::pass);
    }

    public void print(PrintWriter out) {
        out.println();
        out.println("Drill report (" + drill + ", seed " + seed + ")");
        int width = figures.values().stream().mapToInt(f -> f.label().length()).max().orElse(10);
        figures.values().forEach(f -> out.println("  " + pad(f.label(), width) + "  " + f.value()));
        out.println("Invariants:");
        for (Invariant i : invariants) {
            out.println("  " + (i.pass() ? "PASS" : "FAIL") + "  " + i.name() + ": " + i.detail());
        }
        if (error != null) {
            out.println("  FAIL  drill completed: " + error);
        }
        out.println(passed() ? "PASS" : "FAIL");
        out.flush();
    }

    Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("drill", drill);
        m.put("seed", seed);
        m.put("verdict", passed() ? "PASS" : "FAIL");
        Map<String, Object> values = new LinkedHashMap<>();
        figures.values().forEach(f -> values.put(f.key(), f.value()));
        m.put("figures", values);
        List<Map<String, Object>> checks = new ArrayList<>();
        for (Invariant i : invariants) {
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("name", i.name());
            c.put("verdict", i.pass() ? "PASS" : "FAIL");
            c.put("detail", i.detail());
            checks.add(c);
        }
        m.put("invariants", checks);
        m.put("error", error);
        m.putAll(details);
        return m;
    }

    /** Prints the report to {@code out} and, when {@code json} is given, writes it there too; a file that cannot be written fails the run. */
    public void publish(PrintWriter out, PrintWriter err, Path json, String command) {
        print(out);
        if (json == null) {
            return;
        }
        try {
            writeJson(json);
            out.println("report written to " + json.toAbsolutePath());
        } catch (IOException e) {
            err.println(command + ": cannot write " + json + ": " + e.getMessage());
            aborted("cannot write the JSON report: " + e.getMessage());
        }
    }

    /** Writes the report as JSON, atomically (a CI job never reads half a report). */
    public void writeJson(Path file) throws IOException {
        Path abs = file.toAbsolutePath();
        if (abs.getParent() != null) {
            Files.createDirectories(abs.getParent());
        }
        Path tmp = abs.resolveSibling(abs.getFileName() + ".tmp");
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(tmp.toFile(), toMap());
        Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static String pad(String s, int width) {
        return s + " ".repeat(Math.max(0, width - s.length()));
    }
}
