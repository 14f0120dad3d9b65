package io.ccdr.cli.console;

import java.util.List;

/** Plain-text tables: boxed (cypher-shell's {@code --format table}) and aligned columns (status screens). */
public final class TextTable {
    private TextTable() {
    }

    /**
     * A boxed table with a header row; cells must already be single-line (see {@link CypherValues}).
     * Widths count code points, so accented text stays aligned.
     */
    public static String boxed(List<String> headers, List<List<String>> rows) {
        int[] w = widths(headers, rows, 0);
        StringBuilder rule = new StringBuilder("+");
        for (int x : w) {
            rule.append("-".repeat(x + 2)).append('+');
        }
        StringBuilder b = new StringBuilder();
        b.append(rule).append('\n');
        boxedRow(headers, w, b);
        b.append(rule).append('\n');
        for (List<String> row : rows) {
            boxedRow(row, w, b);
        }
        if (!rows.isEmpty()) {
            b.append(rule).append('\n');
        }
        return b.toString();
    }

    private static void boxedRow(List<String> cells, int[] w, StringBuilder b) {
        b.append('|');
        for (int i = 0; i < w.length; i++) {
            b.append(' ').append(pad(cells.get(i), w[i])).append(" |");
        }
        b.append('\n');
    }

    /** Columns separated by two spaces, no borders, trailing blanks trimmed: easy to read and to grep. */
    public static String aligned(List<String> headers, List<List<String>> rows) {
        int[] w = widths(headers, rows, 0);
        StringBuilder b = new StringBuilder();
        alignedRow(headers, w, b);
        for (List<String> row : rows) {
            alignedRow(row, w, b);
        }
        return b.toString();
    }

    private static void alignedRow(List<String> cells, int[] w, StringBuilder b) {
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < w.length; i++) {
            line.append(pad(cells.get(i), w[i] + (i == w.length - 1 ? 0 : 2)));
        }
        b.append(line.toString().stripTrailing()).append('\n');
    }

    private static int[] widths(List<String> headers, List<List<String>> rows, int min) {
        int[] w = new int[headers.size()];
        for (int i = 0; i < w.length; i++) {
            w[i] = Math.max(min, length(headers.get(i)));
        }
        for (List<String> row : rows) {
            for (int i = 0; i < w.length; i++) {
                w[i] = Math.max(w[i], length(row.get(i)));
            }
        }
        return w;
    }

    private static int length(String s) {
        return s.codePointCount(0, s.length());
    }

    private static String pad(String s, int width) {
        return s + " ".repeat(Math.max(0, width - length(s)));
    }
}
