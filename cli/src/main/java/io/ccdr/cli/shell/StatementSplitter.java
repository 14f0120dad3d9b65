package io.ccdr.cli.shell;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a Cypher script into statements at {@code ;}, ignoring semicolons inside string literals
 * ({@code '...'}, {@code "..."}, with backslash escapes), escaped names ({@code `...`}) and
 * comments ({@code // ...}, {@code /* ... *}{@code /}). Comments are dropped, so a statement that
 * is only a comment disappears instead of reaching the server as an empty query.
 */
public final class StatementSplitter {
    private StatementSplitter() {
    }

    public static List<String> split(String script) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        int n = script.length();
        int i = 0;
        while (i < n) {
            char c = script.charAt(i);
            if (c == '\'' || c == '"' || c == '`') {
                int end = endOfQuoted(script, i, c);
                cur.append(script, i, end);
                i = end;
            } else if (c == '/' && i + 1 < n && script.charAt(i + 1) == '/') {
                while (i < n && script.charAt(i) != '\n') {
                    i++;
                }
            } else if (c == '/' && i + 1 < n && script.charAt(i + 1) == '*') {
                int end = script.indexOf("*/", i + 2);
                i = end < 0 ? n : end + 2;
                cur.append(' ');
            } else if (c == ';') {
                add(out, cur);
                i++;
            } else {
                cur.append(c);
                i++;
            }
        }
        add(out, cur);
        return out;
    }

    /** Index just after the closing quote; an unterminated literal runs to the end (the server reports it). */
    private static int endOfQuoted(String s, int start, char quote) {
        int i = start + 1;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c == '\\' && quote != '`') {
                i += 2;
            } else if (c == quote) {
                if (quote == '`' && i + 1 < s.length() && s.charAt(i + 1) == '`') {
                    i += 2; // `` is an escaped backtick inside a name
                } else {
                    return i + 1;
                }
            } else {
                i++;
            }
        }
        return s.length();
    }

    private static void add(List<String> out, StringBuilder cur) {
        String statement = cur.toString().strip();
        if (!statement.isEmpty()) {
            out.add(statement);
        }
        cur.setLength(0);
    }
}
