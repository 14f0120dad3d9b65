package io.ccdr.node.cypher;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a query into tokens, keeping each token's offset so that every syntax error can point at
 * the exact character. Keywords are not special here: they are identifiers compared
 * case-insensitively by the parser, because Cypher keywords are not reserved in most positions.
 */
final class Lexer {

    enum Kind { IDENT, QUOTED_IDENT, INTEGER, FLOAT, STRING, PARAM, SYMBOL, EOF }

    record Token(Kind kind, String text, Object value, int start, int end) {
        boolean is(String symbol) {
            return kind == Kind.SYMBOL && text.equals(symbol);
        }

        boolean isKeyword(String keyword) {
            return kind == Kind.IDENT && text.equalsIgnoreCase(keyword);
        }
    }

    private static final String[] SYMBOLS = {
        "..", "<=", ">=", "<>", "!=", "=~", "+=",
        "(", ")", "[", "]", "{", "}", ",", ".", ":", ";", "|", "=", "<", ">", "+", "-", "*", "/", "%", "^", "&", "$"
    };

    private final String src;
    private int pos;

    private Lexer(String src) {
        this.src = src;
    }

    static List<Token> tokenize(String query) {
        return new Lexer(query).run();
    }

    private List<Token> run() {
        List<Token> out = new ArrayList<>();
        while (true) {
            skipWhitespaceAndComments();
            if (pos >= src.length()) {
                out.add(new Token(Kind.EOF, "", null, pos, pos));
                return out;
            }
            out.add(next());
        }
    }

    private void skipWhitespaceAndComments() {
        while (pos < src.length()) {
            char c = src.charAt(pos);
            if (Character.isWhitespace(c)) {
                pos++;
            } else if (c == '/' && pos + 1 < src.length() && src.charAt(pos + 1) == '/') {
                while (pos < src.length() && src.charAt(pos) != '\n') {
                    pos++;
                }
            } else if (c == '/' && pos + 1 < src.length() && src.charAt(pos + 1) == '*') {
                int end = src.indexOf("*/", pos + 2);
                if (end < 0) {
                    throw error(pos, "Failed to parse comment. A comment starting on `/*` must have a closing `*/`.");
                }
                pos = end + 2;
            } else {
                return;
            }
        }
    }

    private Token next() {
        int start = pos;
        char c = src.charAt(pos);
        if (Character.isJavaIdentifierStart(c) && c != '$') {
            while (pos < src.length() && Character.isJavaIdentifierPart(src.charAt(pos)) && src.charAt(pos) != '$') {
                pos++;
            }
            return new Token(Kind.IDENT, src.substring(start, pos), null, start, pos);
        }
        if (c == '`') {
            StringBuilder sb = new StringBuilder();
            pos++;
            while (true) {
                if (pos >= src.length()) {
                    throw error(start, "Invalid input '`': unterminated quoted identifier");
                }
                char d = src.charAt(pos++);
                if (d == '`') {
                    if (pos < src.length() && src.charAt(pos) == '`') {
                        sb.append('`');
                        pos++;
                        continue;
                    }
                    break;
                }
                sb.append(d);
            }
            return new Token(Kind.QUOTED_IDENT, sb.toString(), null, start, pos);
        }
        if (Character.isDigit(c) || (c == '.' && pos + 1 < src.length() && Character.isDigit(src.charAt(pos + 1)))) {
            return number(start);
        }
        if (c == '\'' || c == '"') {
            return string(start, c);
        }
        if (c == '$') {
            pos++;
            int nameStart = pos;
            if (pos < src.length() && src.charAt(pos) == '`') {
                Token quoted = next();
                return new Token(Kind.PARAM, src.substring(start, pos), quoted.text(), start, pos);
            }
            while (pos < src.length() && Character.isJavaIdentifierPart(src.charAt(pos)) && src.charAt(pos) != '$') {
                pos++;
            }
            if (pos == nameStart) {
                throw error(start, "Invalid input '$': expected a parameter name");
            }
            return new Token(Kind.PARAM, src.substring(start, pos), src.substring(nameStart, pos), start, pos);
        }
        for (String s : SYMBOLS) {
            if (src.startsWith(s, pos)) {
                pos += s.length();
                return new Token(Kind.SYMBOL, s, null, start, pos);
            }
        }
        throw error(start, "Invalid input '" + c + "'");
    }

    private Token number(int start) {
        if (src.startsWith("0x", pos) || src.startsWith("0X", pos)) {
            pos += 2;
            int digits = pos;
            while (pos < src.length() && Character.isLetterOrDigit(src.charAt(pos))) {
                pos++;
            }
            return integer(start, src.substring(digits, pos), 16);
        }
        if (src.startsWith("0o", pos)) {
            pos += 2;
            int digits = pos;
            while (pos < src.length() && Character.isLetterOrDigit(src.charAt(pos))) {
                pos++;
            }
            return integer(start, src.substring(digits, pos), 8);
        }
        boolean isFloat = false;
        while (pos < src.length() && Character.isDigit(src.charAt(pos))) {
            pos++;
        }
        if (pos + 1 < src.length() && src.charAt(pos) == '.' && Character.isDigit(src.charAt(pos + 1))) {
            isFloat = true;
            pos++;
            while (pos < src.length() && Character.isDigit(src.charAt(pos))) {
                pos++;
            }
        }
        if (pos < src.length() && (src.charAt(pos) == 'e' || src.charAt(pos) == 'E')) {
            int save = pos;
            pos++;
            if (pos < src.length() && (src.charAt(pos) == '-' || src.charAt(pos) == '+')) {
                pos++;
            }
            if (pos < src.length() && Character.isDigit(src.charAt(pos))) {
                isFloat = true;
                while (pos < src.length() && Character.isDigit(src.charAt(pos))) {
                    pos++;
                }
            } else {
                pos = save;
            }
        }
        if (pos < src.length() && Character.isJavaIdentifierStart(src.charAt(pos))) {
            throw error(start, "Invalid input '" + src.substring(start, pos + 1) + "': expected a number");
        }
        String text = src.substring(start, pos);
        if (isFloat) {
            double d = Double.parseDouble(text);
            if (Double.isInfinite(d)) {
                throw error(start, "floating point number is too large");
            }
            return new Token(Kind.FLOAT, text, d, start, pos);
        }
        if (text.length() > 1 && text.startsWith("0")) {
            return integer(start, text.substring(1), 8);
        }
        return integer(start, text, 10);
    }

    private Token integer(int start, String digits, int radix) {
        try {
            // Parsed unsigned-magnitude so that -9223372036854775808 can be folded by the parser.
            java.math.BigInteger value = new java.math.BigInteger(digits, radix);
            if (value.bitLength() > 64 || (value.bitLength() == 64 && radix == 10 && !value.equals(MIN_MAGNITUDE))) {
                throw error(start, "integer is too large");
            }
            return new Token(Kind.INTEGER, src.substring(start, pos), value, start, pos);
        } catch (NumberFormatException e) {
            throw error(start, "Invalid input '" + src.substring(start, pos) + "': invalid number literal");
        }
    }

    static final java.math.BigInteger MIN_MAGNITUDE = java.math.BigInteger.ONE.shiftLeft(63);

    private Token string(int start, char quote) {
        StringBuilder sb = new StringBuilder();
        pos++;
        while (true) {
            if (pos >= src.length()) {
                throw error(start, "Failed to parse string literal. The query must contain an even number of non-escaped quotes.");
            }
            char c = src.charAt(pos++);
            if (c == quote) {
                break;
            }
            if (c == '\\') {
                if (pos >= src.length()) {
                    throw error(pos - 1, "Invalid input '\\': unterminated escape sequence");
                }
                char e = src.charAt(pos++);
                switch (e) {
                    case '\\' -> sb.append('\\');
                    case '\'' -> sb.append('\'');
                    case '"' -> sb.append('"');
                    case 'n' -> sb.append('\n');
                    case 't' -> sb.append('\t');
                    case 'r' -> sb.append('\r');
                    case 'b' -> sb.append('\b');
                    case 'f' -> sb.append('\f');
                    case 'u', 'U' -> {
                        int len = e == 'u' ? 4 : 8;
                        if (pos + len > src.length()) {
                            throw error(pos - 2, "Invalid input '\\" + e + "': invalid unicode escape");
                        }
                        try {
                            sb.appendCodePoint(Integer.parseInt(src.substring(pos, pos + len), 16));
                        } catch (IllegalArgumentException ex) {
                            throw error(pos - 2, "Invalid input '\\" + e + "': invalid unicode escape");
                        }
                        pos += len;
                    }
                    default -> throw error(pos - 2, "Invalid input '\\" + e + "': invalid escape sequence");
                }
            } else {
                sb.append(c);
            }
        }
        return new Token(Kind.STRING, src.substring(start, pos), sb.toString(), start, pos);
    }

    private RuntimeException error(int offset, String message) {
        return Errors.syntax(message + " " + Errors.positionWithCaret(src, offset));
    }
}
