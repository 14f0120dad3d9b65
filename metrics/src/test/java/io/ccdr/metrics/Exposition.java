package io.ccdr.metrics;

import java.util.LinkedHashMap;
import java.util.Map;

/** Minimal parser of the Prometheus text format 0.0.4, enough to assert exact series names in tests. */
final class Exposition {
    final Map<String, Double> samples = new LinkedHashMap<>();
    final Map<String, String> types = new LinkedHashMap<>();

    static Exposition parse(String text) {
        Exposition e = new Exposition();
        for (String line : text.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            if (line.startsWith("# TYPE ")) {
                String[] p = line.substring(7).split(" ");
                e.types.put(p[0], p[1]);
                continue;
            }
            if (line.startsWith("#")) {
                continue;
            }
            int sp = line.lastIndexOf(' ');
            String v = line.substring(sp + 1);
            e.samples.put(line.substring(0, sp), switch (v) {
                case "NaN" -> Double.NaN;
                case "+Inf" -> Double.POSITIVE_INFINITY;
                case "-Inf" -> Double.NEGATIVE_INFINITY;
                default -> Double.parseDouble(v);
            });
        }
        return e;
    }

    /** The value of the series written exactly as {@code series} (name and labels in exposition order). */
    Double value(String series) {
        return samples.get(series);
    }

    boolean hasSeriesStartingWith(String prefix) {
        return samples.keySet().stream().anyMatch(s -> s.startsWith(prefix));
    }
}
