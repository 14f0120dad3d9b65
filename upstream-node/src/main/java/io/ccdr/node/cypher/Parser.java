package io.ccdr.node.cypher;

import io.ccdr.node.cypher.Ast.*;
import io.ccdr.node.cypher.Lexer.Kind;
import io.ccdr.node.cypher.Lexer.Token;
import io.ccdr.node.graph.Direction;
import io.ccdr.node.graph.GraphException;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Hand-written recursive-descent parser for ccdr's Cypher subset. Errors name the offending token and
 * its position as Neo4j does. Nesting is capped (and a stack overflow is converted) so that a hostile
 * query cannot take a server thread down.
 */
final class Parser {
    static final int MAX_DEPTH = 500;
    static final int MAX_QUERY_LENGTH = 1 << 20;

    private static final int P_OR = 1, P_XOR = 2, P_AND = 3, P_NOT = 4, P_CMP = 5, P_PRED = 6, P_ADD = 7, P_MUL = 8,
            P_POW = 9;

    private final String src;
    private final List<Token> tokens;
    private int p;
    private int depth;

    private Parser(String src) {
        this.src = src;
        this.tokens = Lexer.tokenize(src);
    }

    /** Returns a Query, SchemaCommand, ShowSchema or AdminCommand. */
    static Object parse(String query) {
        if (query == null || query.isBlank()) {
            throw Errors.syntax("Invalid input '': expected a query (line 1, column 1 (offset: 0))");
        }
        if (query.length() > MAX_QUERY_LENGTH) {
            throw Errors.syntax("Query is too long: " + query.length() + " characters, at most " + MAX_QUERY_LENGTH
                    + " are accepted");
        }
        try {
            Parser parser = new Parser(query);
            return parser.statement();
        } catch (StackOverflowError e) {
            throw Errors.syntax("Query is nested too deeply to be parsed");
        }
    }

    // ------------------------------------------------------------------ token helpers

    private Token peek() {
        return tokens.get(p);
    }

    private Token peek(int ahead) {
        return tokens.get(Math.min(p + ahead, tokens.size() - 1));
    }

    private Token advance() {
        Token t = tokens.get(p);
        if (t.kind() != Kind.EOF) {
            p++;
        }
        return t;
    }

    private boolean atKeyword(String kw) {
        return peek().isKeyword(kw);
    }

    private boolean atKeywords(String... kws) {
        for (int i = 0; i < kws.length; i++) {
            if (!peek(i).isKeyword(kws[i])) {
                return false;
            }
        }
        return true;
    }

    private boolean acceptKeyword(String kw) {
        if (atKeyword(kw)) {
            p++;
            return true;
        }
        return false;
    }

    private void expectKeyword(String kw) {
        if (!acceptKeyword(kw)) {
            throw fail(peek(), kw);
        }
    }

    private boolean at(String symbol) {
        return peek().is(symbol);
    }

    private boolean accept(String symbol) {
        if (at(symbol)) {
            p++;
            return true;
        }
        return false;
    }

    private Token expect(String symbol) {
        if (!at(symbol)) {
            throw fail(peek(), "'" + symbol + "'");
        }
        return advance();
    }

    private int lastEnd() {
        return p == 0 ? 0 : tokens.get(p - 1).end();
    }

    GraphException fail(Token t, String expected) {
        String text = t.kind() == Kind.EOF ? "" : t.kind() == Kind.STRING ? t.text() : firstWord(src.substring(t.start()));
        return Errors.syntax("Invalid input '" + text + "': expected " + expected + " " + Errors.positionWithCaret(src, t.start()));
    }

    private static String firstWord(String s) {
        int i = 0;
        if (!s.isEmpty() && (Character.isLetterOrDigit(s.charAt(0)) || s.charAt(0) == '_')) {
            while (i < s.length() && (Character.isLetterOrDigit(s.charAt(i)) || s.charAt(i) == '_')) {
                i++;
            }
            return s.substring(0, i);
        }
        return s.isEmpty() ? "" : s.substring(0, 1);
    }

    private GraphException errorAt(int offset, String message) {
        return Errors.syntax(message + " " + Errors.positionWithCaret(src, offset));
    }

    private void enter() {
        if (++depth > MAX_DEPTH) {
            throw errorAt(peek().start(), "Query nesting exceeds the limit of " + MAX_DEPTH + " levels");
        }
    }

    private void exit() {
        depth--;
    }

    /** An identifier (plain or back-quoted). */
    private String name(String what) {
        Token t = peek();
        if (t.kind() == Kind.IDENT || t.kind() == Kind.QUOTED_IDENT) {
            p++;
            return t.text();
        }
        throw fail(t, what);
    }

    private boolean atName() {
        Kind k = peek().kind();
        return k == Kind.IDENT || k == Kind.QUOTED_IDENT;
    }

    // ------------------------------------------------------------------ statements

    private Object statement() {
        if (atKeyword("EXPLAIN") || atKeyword("PROFILE")) {
            throw errorAt(peek().start(), peek().text().toUpperCase(Locale.ROOT) + " is not supported by ccdr");
        }
        if (atKeyword("CYPHER")) {
            throw errorAt(peek().start(), "Query options (CYPHER ...) are not supported by ccdr");
        }
        Object result = statementBody();
        if (accept(";")) {
            if (peek().kind() != Kind.EOF) {
                throw errorAt(peek().start(), "Expected exactly one statement per query but got more");
            }
        }
        if (peek().kind() != Kind.EOF) {
            throw fail(peek(), result instanceof Query
                    ? "a clause (CALL, CREATE, DELETE, DETACH DELETE, FOREACH, MATCH, MERGE, OPTIONAL MATCH, REMOVE, "
                    + "RETURN, SET, UNION, UNWIND, WITH) or end of input"
                    : "end of input");
        }
        return result;
    }

    private Object statementBody() {
        Object admin = AdminParser.tryParse(this);
        if (admin != null) {
            return admin;
        }
        if (atKeywords("CREATE", "INDEX") || atKeywords("CREATE", "RANGE", "INDEX")) {
            return createIndex();
        }
        if (atKeywords("CREATE", "CONSTRAINT")) {
            return createConstraint();
        }
        if (atKeywords("DROP", "INDEX")) {
            p += 2;
            String n = name("an index name");
            boolean ifExists = acceptIfExists();
            return new DropIndex(n, ifExists);
        }
        if (atKeywords("DROP", "CONSTRAINT")) {
            p += 2;
            String n = name("a constraint name");
            boolean ifExists = acceptIfExists();
            return new DropConstraint(n, ifExists);
        }
        if (atKeyword("SHOW")) {
            int save = p;
            p++;
            acceptKeyword("ALL");
            acceptKeyword("RANGE");
            if (acceptKeyword("INDEX") || acceptKeyword("INDEXES")) {
                return new ShowSchema(false, showProjection());
            }
            p = save + 1;
            acceptKeyword("ALL");
            acceptKeyword("UNIQUE");
            acceptKeyword("UNIQUENESS");
            if (acceptKeyword("CONSTRAINT") || acceptKeyword("CONSTRAINTS")) {
                return new ShowSchema(true, showProjection());
            }
            throw fail(peek(), "DATABASE, DATABASES, INDEXES, CONSTRAINTS, SERVERS, USERS or CURRENT USER");
        }
        return query();
    }

    boolean acceptIfExists() {
        if (atKeywords("IF", "EXISTS")) {
            p += 2;
            return true;
        }
        return false;
    }

    boolean acceptIfNotExists() {
        if (atKeywords("IF", "NOT", "EXISTS")) {
            p += 3;
            return true;
        }
        return false;
    }

    private Object createIndex() {
        p++;
        acceptKeyword("RANGE");
        expectKeyword("INDEX");
        String indexName = null;
        if (atName() && !atKeyword("FOR") && !atKeyword("IF") && !atKeyword("ON")) {
            indexName = name("an index name");
        }
        boolean ifNotExists = acceptIfNotExists();
        expectKeyword("FOR");
        expect("(");
        String v = name("a variable");
        expect(":");
        String label = name("a label");
        expect(")");
        expectKeyword("ON");
        expect("(");
        String v2 = name("a variable");
        if (!v2.equals(v)) {
            throw errorAt(tokens.get(p - 1).start(), "Variable `" + v2 + "` not defined");
        }
        expect(".");
        String property = name("a property key");
        if (at(",")) {
            throw errorAt(peek().start(), "Composite indexes are not supported by ccdr");
        }
        expect(")");
        return new CreateIndex(indexName, ifNotExists, label, property);
    }

    private Object createConstraint() {
        p += 2;
        String constraintName = null;
        if (atName() && !atKeyword("FOR") && !atKeyword("IF") && !atKeyword("ON")) {
            constraintName = name("a constraint name");
        }
        boolean ifNotExists = acceptIfNotExists();
        boolean oldSyntax = false;
        if (!acceptKeyword("FOR")) {
            expectKeyword("ON");
            oldSyntax = true;
        }
        expect("(");
        String v = name("a variable");
        expect(":");
        String label = name("a label");
        expect(")");
        if (oldSyntax) {
            expectKeyword("ASSERT");
        } else {
            expectKeyword("REQUIRE");
        }
        String v2 = name("a variable");
        if (!v2.equals(v)) {
            throw errorAt(tokens.get(p - 1).start(), "Variable `" + v2 + "` not defined");
        }
        expect(".");
        String property = name("a property key");
        expectKeyword("IS");
        if (!acceptKeyword("UNIQUE")) {
            throw fail(peek(), "UNIQUE (only uniqueness constraints are supported by ccdr)");
        }
        return new CreateConstraint(constraintName, ifNotExists, label, property);
    }

    /** The YIELD / WHERE / ORDER BY / SKIP / LIMIT / RETURN tail of a SHOW command. */
    ShowProjection showProjection() {
        if (acceptKeyword("WHERE")) {
            return new ShowProjection(null, false, List.of(), null, null, expression(), null);
        }
        if (!acceptKeyword("YIELD")) {
            return ShowProjection.NONE;
        }
        List<ProjectionItem> yields = new ArrayList<>();
        boolean star = false;
        if (accept("*")) {
            star = true;
        } else {
            do {
                int start = peek().start();
                String field = name("a column name");
                String alias = acceptKeyword("AS") ? name("an alias") : field;
                yields.add(new ProjectionItem(new Variable(field, start), alias, true));
            } while (accept(","));
        }
        List<SortItem> order = orderBy();
        Expr skip = acceptKeyword("SKIP") || acceptKeyword("OFFSET") ? expression() : null;
        Expr limit = acceptKeyword("LIMIT") ? expression() : null;
        Expr where = acceptKeyword("WHERE") ? expression() : null;
        Projection ret = null;
        if (acceptKeyword("RETURN")) {
            ret = projectionBody();
        }
        return new ShowProjection(yields, star, order, skip, limit, where, ret);
    }

    // ------------------------------------------------------------------ queries

    private Query query() {
        List<List<Clause>> parts = new ArrayList<>();
        List<Boolean> all = new ArrayList<>();
        parts.add(singleQuery());
        while (acceptKeyword("UNION")) {
            all.add(acceptKeyword("ALL"));
            parts.add(singleQuery());
        }
        return new Query(parts, all);
    }

    private List<Clause> singleQuery() {
        List<Clause> clauses = new ArrayList<>();
        while (true) {
            Clause c = clause();
            if (c == null) {
                break;
            }
            clauses.add(c);
            if (c instanceof Return) {
                break;
            }
        }
        if (clauses.isEmpty()) {
            throw fail(peek(), "a clause (MATCH, CREATE, MERGE, RETURN, WITH, UNWIND, CALL, ...)");
        }
        return clauses;
    }

    private Clause clause() {
        Token t = peek();
        if (t.kind() != Kind.IDENT) {
            return null;
        }
        String kw = t.text().toUpperCase(Locale.ROOT);
        switch (kw) {
            case "MATCH":
                p++;
                return match(false);
            case "OPTIONAL":
                p++;
                expectKeyword("MATCH");
                return match(true);
            case "UNWIND": {
                p++;
                Expr list = expression();
                expectKeyword("AS");
                return new Unwind(list, name("a variable"));
            }
            case "CREATE":
                p++;
                return new Create(patternList(true));
            case "MERGE":
                p++;
                return merge();
            case "SET":
                p++;
                return new SetClause(setItems());
            case "REMOVE":
                p++;
                return remove();
            case "DELETE":
                p++;
                return new Delete(false, expressionList());
            case "DETACH":
                p++;
                if (!acceptKeyword("DELETE")) {
                    throw fail(peek(), "DELETE");
                }
                return new Delete(true, expressionList());
            case "NODETACH":
                p++;
                expectKeyword("DELETE");
                return new Delete(false, expressionList());
            case "WITH": {
                p++;
                Projection proj = projectionBody();
                Expr where = acceptKeyword("WHERE") ? expression() : null;
                return new With(proj, where);
            }
            case "RETURN":
                p++;
                return new Return(projectionBody());
            case "CALL":
                p++;
                return call(t.start());
            case "FOREACH":
                p++;
                return foreach();
            default:
                return null;
        }
    }

    private List<Expr> expressionList() {
        List<Expr> list = new ArrayList<>();
        do {
            list.add(expression());
        } while (accept(","));
        return list;
    }

    private Match match(boolean optional) {
        List<PatternPart> patterns = patternList(false);
        Expr where = acceptKeyword("WHERE") ? expression() : null;
        return new Match(optional, patterns, where);
    }

    private Merge merge() {
        PatternPart part = patternPart(false);
        List<SetItem> onCreate = new ArrayList<>();
        List<SetItem> onMatch = new ArrayList<>();
        while (atKeyword("ON")) {
            p++;
            if (acceptKeyword("CREATE")) {
                expectKeyword("SET");
                onCreate.addAll(setItems());
            } else if (acceptKeyword("MATCH")) {
                expectKeyword("SET");
                onMatch.addAll(setItems());
            } else {
                throw fail(peek(), "CREATE or MATCH");
            }
        }
        return new Merge(part, onCreate, onMatch);
    }

    private List<SetItem> setItems() {
        List<SetItem> items = new ArrayList<>();
        do {
            int start = peek().start();
            if (accept("(")) {
                Expr target = expression();
                expect(")");
                expect(".");
                target = new Property(target, name("a property key"));
                while (accept(".")) {
                    target = new Property(target, name("a property key"));
                }
                expect("=");
                items.add(new SetProperty((Property) target, expression()));
                continue;
            }
            String var = name("a variable");
            Variable v = new Variable(var, start);
            if (at(":")) {
                items.add(new SetLabels(v, labels()));
            } else if (accept("=")) {
                items.add(new SetProperties(v, expression(), false));
            } else if (accept("+=")) {
                items.add(new SetProperties(v, expression(), true));
            } else if (at(".")) {
                Expr target = v;
                while (accept(".")) {
                    target = new Property(target, name("a property key"));
                }
                expect("=");
                items.add(new SetProperty((Property) target, expression()));
            } else if (at("(")) {
                // SET (expr).prop = ...
                throw fail(peek(), "'.', ':', '=' or '+='");
            } else {
                throw fail(peek(), "'.', ':', '=' or '+='");
            }
        } while (accept(","));
        return items;
    }

    private Remove remove() {
        List<RemoveItem> items = new ArrayList<>();
        do {
            int start = peek().start();
            Variable v = new Variable(name("a variable"), start);
            if (at(":")) {
                items.add(new RemoveLabels(v, labels()));
            } else {
                Expr target = v;
                expect(".");
                target = new Property(target, name("a property key"));
                while (accept(".")) {
                    target = new Property(target, name("a property key"));
                }
                items.add(new RemoveProperty((Property) target));
            }
        } while (accept(","));
        return new Remove(items);
    }

    private List<String> labels() {
        List<String> labels = new ArrayList<>();
        while (accept(":")) {
            labels.add(name("a label name"));
        }
        return labels;
    }

    private Foreach foreach() {
        expect("(");
        String var = name("a variable");
        expectKeyword("IN");
        Expr list = expression();
        expect("|");
        List<Clause> body = new ArrayList<>();
        while (!at(")")) {
            Clause c = clause();
            if (c == null) {
                throw fail(peek(), "an updating clause or ')'");
            }
            if (!(c instanceof Create || c instanceof Merge || c instanceof SetClause || c instanceof Remove
                    || c instanceof Delete || c instanceof Foreach)) {
                throw errorAt(tokens.get(p - 1).start(), "Invalid use of " + c.getClass().getSimpleName().toUpperCase(Locale.ROOT)
                        + " inside FOREACH");
            }
            body.add(c);
        }
        expect(")");
        return new Foreach(var, list, body);
    }

    private Call call(int offset) {
        if (at("{")) {
            throw errorAt(peek().start(), "CALL subqueries are not supported by ccdr");
        }
        StringBuilder procName = new StringBuilder(name("a procedure name"));
        while (accept(".")) {
            procName.append('.').append(name("a procedure name"));
        }
        List<Expr> args = null;
        if (accept("(")) {
            args = new ArrayList<>();
            if (!at(")")) {
                args.addAll(expressionList());
            }
            expect(")");
        }
        List<YieldItem> yields = null;
        Expr where = null;
        if (acceptKeyword("YIELD")) {
            yields = new ArrayList<>();
            if (accept("*")) {
                yields = List.of(new YieldItem("*", "*"));
            } else {
                do {
                    String field = name("a procedure output name");
                    String alias = acceptKeyword("AS") ? name("a variable") : field;
                    yields.add(new YieldItem(field, alias));
                } while (accept(","));
            }
            if (acceptKeyword("WHERE")) {
                where = expression();
            }
        }
        return new Call(procName.toString(), args, yields, where, offset);
    }

    private Projection projectionBody() {
        boolean distinct = acceptKeyword("DISTINCT");
        boolean star = false;
        List<ProjectionItem> items = new ArrayList<>();
        if (accept("*")) {
            star = true;
            if (!accept(",")) {
                return projectionTail(distinct, true, items);
            }
        }
        do {
            int start = peek().start();
            Expr e = expression();
            String text = src.substring(start, lastEnd());
            if (acceptKeyword("AS")) {
                items.add(new ProjectionItem(e, name("an alias"), true));
            } else {
                items.add(new ProjectionItem(e, text, false));
            }
        } while (accept(","));
        return projectionTail(distinct, star, items);
    }

    private Projection projectionTail(boolean distinct, boolean star, List<ProjectionItem> items) {
        List<SortItem> order = orderBy();
        Expr skip = null;
        Expr limit = null;
        if (acceptKeyword("SKIP") || acceptKeyword("OFFSET")) {
            skip = expression();
        }
        if (acceptKeyword("LIMIT")) {
            limit = expression();
        }
        return new Projection(distinct, star, items, order, skip, limit);
    }

    private List<SortItem> orderBy() {
        List<SortItem> order = new ArrayList<>();
        if (atKeyword("ORDER") && !peek(1).isKeyword("BY")) {
            throw fail(peek(1), "BY");
        }
        if (atKeywords("ORDER", "BY")) {
            p += 2;
            do {
                Expr e = expression();
                boolean desc = false;
                if (acceptKeyword("DESC") || acceptKeyword("DESCENDING")) {
                    desc = true;
                } else if (!acceptKeyword("ASC")) {
                    acceptKeyword("ASCENDING");
                }
                order.add(new SortItem(e, desc));
            } while (accept(","));
        }
        return order;
    }

    // ------------------------------------------------------------------ patterns

    private List<PatternPart> patternList(boolean allowParameterProperties) {
        List<PatternPart> parts = new ArrayList<>();
        do {
            parts.add(patternPart(allowParameterProperties));
        } while (accept(","));
        return parts;
    }

    private PatternPart patternPart(boolean allowParameterProperties) {
        String pathVar = null;
        if (atName() && peek(1).is("=")) {
            pathVar = name("a variable");
            p++;
        }
        if (atKeyword("shortestPath") || atKeyword("allShortestPaths")) {
            throw errorAt(peek().start(), peek().text() + " is not supported by ccdr");
        }
        PatternPart part = patternElement(allowParameterProperties);
        return new PatternPart(pathVar, part.nodes(), part.rels());
    }

    private PatternPart patternElement(boolean allowParameterProperties) {
        enter();
        try {
            if (at("(") && peek(1).is("(")) {
                // parenthesised pattern element: ((a)-->(b))
                p++;
                PatternPart inner = patternElement(allowParameterProperties);
                expect(")");
                return inner;
            }
            List<NodePattern> nodes = new ArrayList<>();
            List<RelPattern> rels = new ArrayList<>();
            nodes.add(nodePattern(allowParameterProperties));
            while (at("-") || (at("<") && peek(1).is("-"))) {
                rels.add(relPattern(allowParameterProperties));
                nodes.add(nodePattern(allowParameterProperties));
            }
            return new PatternPart(null, nodes, rels);
        } finally {
            exit();
        }
    }

    private NodePattern nodePattern(boolean allowParameterProperties) {
        expect("(");
        String var = null;
        if (atName()) {
            var = name("a variable");
        }
        List<String> labels = new ArrayList<>();
        while (accept(":")) {
            labels.add(name("a label name"));
            while (accept("&")) {
                labels.add(name("a label name"));
            }
        }
        Expr props = properties(allowParameterProperties);
        if (!at(")")) {
            throw fail(peek(), var == null && labels.isEmpty() && props == null
                    ? "a variable, ':', '{', or ')'" : "':', '{', or ')'");
        }
        p++;
        return new NodePattern(var, labels, props);
    }

    private Expr properties(boolean allowParameterProperties) {
        if (at("{")) {
            return mapLiteral();
        }
        if (peek().kind() == Kind.PARAM) {
            if (!allowParameterProperties) {
                throw errorAt(peek().start(), "Parameter maps cannot be used in MATCH patterns (use a literal map instead, e.g. {id: $"
                        + peek().value() + ".id})");
            }
            Token t = advance();
            return new Parameter((String) t.value());
        }
        return null;
    }

    private RelPattern relPattern(boolean allowParameterProperties) {
        boolean left = accept("<");
        expect("-");
        String var = null;
        List<String> types = new ArrayList<>();
        Expr props = null;
        boolean varLength = false;
        Integer min = null;
        Integer max = null;
        if (accept("[")) {
            if (atName()) {
                var = name("a variable");
            }
            if (accept(":")) {
                types.add(name("a relationship type"));
                while (accept("|")) {
                    accept(":");
                    types.add(name("a relationship type"));
                }
            }
            if (accept("*")) {
                varLength = true;
                if (peek().kind() == Kind.INTEGER) {
                    min = intLiteral();
                    if (accept("..")) {
                        if (peek().kind() == Kind.INTEGER) {
                            max = intLiteral();
                        }
                    } else {
                        max = min;
                    }
                } else if (accept("..")) {
                    if (peek().kind() == Kind.INTEGER) {
                        max = intLiteral();
                    }
                }
                if (min == null) {
                    min = 1;
                }
            }
            props = properties(allowParameterProperties);
            expect("]");
        }
        expect("-");
        boolean right = accept(">");
        // <--> is read as undirected, as Neo4j does
        Direction dir = left == right ? Direction.BOTH : right ? Direction.OUTGOING : Direction.INCOMING;
        return new RelPattern(var, types, props, dir, varLength, min, max);
    }

    private int intLiteral() {
        Token t = advance();
        BigInteger v = (BigInteger) t.value();
        if (v.bitLength() > 31) {
            throw errorAt(t.start(), "Invalid input '" + t.text() + "': path length is too large");
        }
        return v.intValue();
    }

    // ------------------------------------------------------------------ expressions

    Expr expression() {
        enter();
        try {
            return binary(P_OR);
        } finally {
            exit();
        }
    }

    private int binaryPrecedence() {
        Token t = peek();
        if (t.kind() == Kind.IDENT) {
            String kw = t.text().toUpperCase(Locale.ROOT);
            switch (kw) {
                case "OR":
                    return P_OR;
                case "XOR":
                    return P_XOR;
                case "AND":
                    return P_AND;
                case "IN", "CONTAINS", "IS":
                    return P_PRED;
                case "STARTS", "ENDS":
                    return peek(1).isKeyword("WITH") ? P_PRED : -1;
                default:
                    return -1;
            }
        }
        if (t.kind() != Kind.SYMBOL) {
            return -1;
        }
        return switch (t.text()) {
            case "=", "<>", "!=", "<", ">", "<=", ">=" -> P_CMP;
            case "=~" -> P_PRED;
            case "+", "-" -> P_ADD;
            case "*", "/", "%" -> P_MUL;
            case "^" -> P_POW;
            default -> -1;
        };
    }

    /**
     * Operator-precedence loop. Left-associative chains build left-deep trees, so each operator also
     * counts as one nesting level (evaluation recurses once per operator).
     */
    private Expr binary(int minPrec) {
        Expr left = prefix(minPrec);
        Expr lastComparand = null;
        int chained = 0;
        try {
            while (true) {
                int prec = binaryPrecedence();
                if (prec < minPrec || prec < 0) {
                    return left;
                }
                enter();
                chained++;
                Token t = advance();
                String kw = t.kind() == Kind.IDENT ? t.text().toUpperCase(Locale.ROOT) : t.text();
                switch (kw) {
                    case "OR" -> left = new Binary(Op.OR, left, binary(P_XOR));
                    case "XOR" -> left = new Binary(Op.XOR, left, binary(P_AND));
                    case "AND" -> left = new Binary(Op.AND, left, binary(P_NOT));
                    case "IS" -> {
                        boolean negated = acceptKeyword("NOT");
                        if (!acceptKeyword("NULL")) {
                            throw fail(peek(), "NULL or NOT NULL");
                        }
                        left = new IsNull(left, negated);
                    }
                    case "IN" -> left = new Binary(Op.IN, left, binary(P_ADD));
                    case "CONTAINS" -> left = new Binary(Op.CONTAINS, left, binary(P_ADD));
                    case "STARTS" -> {
                        p++;
                        left = new Binary(Op.STARTS_WITH, left, binary(P_ADD));
                    }
                    case "ENDS" -> {
                        p++;
                        left = new Binary(Op.ENDS_WITH, left, binary(P_ADD));
                    }
                    case "=~" -> left = new Binary(Op.REGEX, left, binary(P_ADD));
                    case "+" -> left = new Binary(Op.ADD, left, binary(P_MUL));
                    case "-" -> left = new Binary(Op.SUB, left, binary(P_MUL));
                    case "*" -> left = new Binary(Op.MUL, left, binary(P_POW));
                    case "/" -> left = new Binary(Op.DIV, left, binary(P_POW));
                    case "%" -> left = new Binary(Op.MOD, left, binary(P_POW));
                    case "^" -> left = new Binary(Op.POW, left, unaryOperand());
                    default -> {
                        Op op = switch (kw) {
                            case "=" -> Op.EQ;
                            case "<>", "!=" -> Op.NE;
                            case "<" -> Op.LT;
                            case ">" -> Op.GT;
                            case "<=" -> Op.LE;
                            default -> Op.GE;
                        };
                        Expr right = binary(P_PRED);
                        if (lastComparand != null) {
                            // a < b < c means a < b AND b < c
                            left = new Binary(Op.AND, left, new Binary(op, lastComparand, right));
                        } else {
                            left = new Binary(op, left, right);
                        }
                        lastComparand = right;
                        continue;
                    }
                }
                lastComparand = null;
            }
        } finally {
            depth -= chained;
        }
    }

    private Expr prefix(int minPrec) {
        if (atKeyword("NOT") && minPrec <= P_NOT) {
            p++;
            enter();
            try {
                return new Unary(Op.NOT, binary(P_NOT));
            } finally {
                exit();
            }
        }
        return unaryOperand();
    }

    private Expr unaryOperand() {
        if (at("-") || at("+")) {
            Token t = advance();
            if (t.is("-") && peek().kind() == Kind.INTEGER && Lexer.MIN_MAGNITUDE.equals(peek().value())) {
                p++;
                return postfix(new Literal(Long.MIN_VALUE));
            }
            enter();
            try {
                Expr operand = unaryOperand();
                if (t.is("-")) {
                    if (operand instanceof Literal l && l.value() instanceof Long v) {
                        return new Literal(-v);
                    }
                    if (operand instanceof Literal l && l.value() instanceof Double v) {
                        return new Literal(-v);
                    }
                    return new Unary(Op.NEG, operand);
                }
                return new Unary(Op.POS, operand);
            } finally {
                exit();
            }
        }
        return postfix(atom());
    }

    private Expr postfix(Expr e) {
        while (true) {
            if (at(".") && (peek(1).kind() == Kind.IDENT || peek(1).kind() == Kind.QUOTED_IDENT)) {
                p++;
                e = new Property(e, name("a property key"));
            } else if (at("[")) {
                p++;
                enter();
                try {
                    if (accept("..")) {
                        Expr to = at("]") ? null : expression();
                        expect("]");
                        e = new Slice(e, null, to);
                    } else {
                        Expr from = expression();
                        if (accept("..")) {
                            Expr to = at("]") ? null : expression();
                            expect("]");
                            e = new Slice(e, from, to);
                        } else {
                            expect("]");
                            e = new Subscript(e, from);
                        }
                    }
                } finally {
                    exit();
                }
            } else if (at(":") && (peek(1).kind() == Kind.IDENT || peek(1).kind() == Kind.QUOTED_IDENT)) {
                e = new HasLabels(e, labels());
            } else {
                return e;
            }
        }
    }

    private Expr atom() {
        Token t = peek();
        switch (t.kind()) {
            case INTEGER -> {
                p++;
                BigInteger v = (BigInteger) t.value();
                if (v.bitLength() > 63) {
                    throw errorAt(t.start(), "integer is too large");
                }
                return new Literal(v.longValue());
            }
            case FLOAT -> {
                p++;
                return new Literal(t.value());
            }
            case STRING -> {
                p++;
                return new Literal(t.value());
            }
            case PARAM -> {
                p++;
                return new Parameter((String) t.value());
            }
            case QUOTED_IDENT -> {
                p++;
                return mapProjectionOr(new Variable(t.text(), t.start()));
            }
            case IDENT -> {
                return identifierAtom(t);
            }
            case SYMBOL -> {
                if (t.is("(")) {
                    return parenthesised();
                }
                if (t.is("[")) {
                    return listAtom();
                }
                if (t.is("{")) {
                    return mapLiteral();
                }
                throw fail(t, "an expression");
            }
            default -> throw fail(t, "an expression");
        }
    }

    /**
     * Words that start or structure clauses are not accepted as bare variable names in expressions, so
     * that a missing expression ("WHERE RETURN n") is reported where it is, not one token later.
     * Back-quoted names are always accepted.
     */
    private static final java.util.Set<String> RESERVED_IN_EXPRESSIONS = java.util.Set.of("RETURN", "MATCH",
            "WHERE", "CREATE", "MERGE", "DELETE", "DETACH", "REMOVE", "UNWIND", "OPTIONAL", "ORDER", "SKIP",
            "LIMIT", "UNION", "YIELD", "THEN", "ELSE", "WHEN", "FOREACH");

    private Expr identifierAtom(Token t) {
        String kw = t.text().toUpperCase(Locale.ROOT);
        if (RESERVED_IN_EXPRESSIONS.contains(kw) && !peek(1).is("(")) {
            throw fail(t, "an expression");
        }
        switch (kw) {
            case "TRUE" -> {
                p++;
                return new Literal(Boolean.TRUE);
            }
            case "FALSE" -> {
                p++;
                return new Literal(Boolean.FALSE);
            }
            case "NULL" -> {
                p++;
                return new Literal(null);
            }
            case "CASE" -> {
                p++;
                return caseExpression();
            }
            default -> {
            }
        }
        if (peek(1).is("(")) {
            switch (kw) {
                case "COUNT":
                    if (peek(2).is("*") && peek(3).is(")")) {
                        p += 4;
                        return new CountStar();
                    }
                    break;
                case "ALL", "ANY", "NONE", "SINGLE":
                    if ((peek(2).kind() == Kind.IDENT || peek(2).kind() == Kind.QUOTED_IDENT) && peek(3).isKeyword("IN")) {
                        p += 2;
                        return quantifier(QuantifierKind.valueOf(kw));
                    }
                    break;
                case "REDUCE":
                    p += 2;
                    return reduce();
                case "EXISTS":
                    if (peek(2).is("(")) {
                        int save = p;
                        p += 2;
                        PatternExpr pe = tryPatternPredicate(true);
                        if (pe != null) {
                            expect(")");
                            return pe;
                        }
                        p = save;
                    }
                    break;
                default:
                    break;
            }
            return functionCall();
        }
        if ((kw.equals("EXISTS") || kw.equals("COUNT")) && peek(1).is("{")) {
            return patternSubquery(kw.equals("EXISTS") ? PatternMode.EXISTS : PatternMode.COUNT);
        }
        // namespaced function: a.b.c(
        int i = 1;
        while (peek(i).is(".") && peek(i + 1).kind() == Kind.IDENT) {
            i += 2;
        }
        if (i > 1 && peek(i).is("(")) {
            return functionCall();
        }
        p++;
        return mapProjectionOr(new Variable(t.text(), t.start()));
    }

    /**
     * {@code EXISTS { [MATCH] pattern [WHERE ..] }} and {@code COUNT { ... }}: the simple (pattern) form of
     * Neo4j 5's subquery expressions. Full subqueries with clauses are rejected with a clear message.
     */
    private Expr patternSubquery(PatternMode mode) {
        Token keyword = advance();
        expect("{");
        enter();
        try {
            int bodyStart = p;
            int saveDepth = depth;
            try {
                acceptKeyword("MATCH");
                PatternPart part = patternPart(false);
                Expr where = acceptKeyword("WHERE") ? expression() : null;
                if (accept("}")) {
                    return new PatternExpr(part, where, null, mode);
                }
            } catch (GraphException e) {
                // not the simple form; parsed again as a full subquery below
            }
            p = bodyStart;
            depth = saveDepth;
            List<Clause> clauses = singleQuery();
            if (!at("}")) {
                throw fail(peek(), "a clause or '}'");
            }
            p++;
            return new Subquery(clauses, mode == PatternMode.COUNT, keyword.start());
        } finally {
            exit();
        }
    }

    private Expr mapProjectionOr(Variable v) {
        if (!at("{")) {
            return v;
        }
        p++;
        List<String> keys = new ArrayList<>();
        List<Expr> values = new ArrayList<>();
        boolean all = false;
        if (!at("}")) {
            do {
                if (accept(".")) {
                    if (accept("*")) {
                        all = true;
                    } else {
                        keys.add(name("a property key"));
                        values.add(null);
                    }
                } else {
                    int start = peek().start();
                    String key = name("a property key or '.'");
                    if (accept(":")) {
                        keys.add(key);
                        values.add(expression());
                    } else {
                        keys.add(key);
                        values.add(new Variable(key, start));
                    }
                }
            } while (accept(","));
        }
        expect("}");
        return new MapProjection(v, keys, values, all);
    }

    private Expr functionCall() {
        Token first = peek();
        StringBuilder nm = new StringBuilder(name("a function name"));
        while (accept(".")) {
            nm.append('.').append(name("a function name"));
        }
        expect("(");
        enter();
        try {
            boolean distinct = acceptKeyword("DISTINCT");
            List<Expr> args = new ArrayList<>();
            if (!at(")")) {
                args.addAll(expressionList());
            }
            expect(")");
            return new FunctionCall(nm.toString().toLowerCase(Locale.ROOT), nm.toString(), distinct, args, first.start());
        } finally {
            exit();
        }
    }

    private Expr quantifier(QuantifierKind kind) {
        enter();
        try {
            String var = name("a variable");
            expectKeyword("IN");
            Expr list = expression();
            Expr where = null;
            if (acceptKeyword("WHERE")) {
                where = expression();
            }
            expect(")");
            return new Quantifier(kind, var, list, where);
        } finally {
            exit();
        }
    }

    private Expr reduce() {
        enter();
        try {
            String acc = name("an accumulator variable");
            expect("=");
            Expr init = expression();
            expect(",");
            String var = name("a variable");
            expectKeyword("IN");
            Expr list = expression();
            expect("|");
            Expr body = expression();
            expect(")");
            return new Reduce(acc, init, var, list, body);
        } finally {
            exit();
        }
    }

    private Expr caseExpression() {
        enter();
        try {
            Expr subject = null;
            if (!atKeyword("WHEN")) {
                subject = expression();
            }
            List<Expr> whens = new ArrayList<>();
            List<Expr> thens = new ArrayList<>();
            if (!atKeyword("WHEN")) {
                throw fail(peek(), "WHEN");
            }
            while (acceptKeyword("WHEN")) {
                whens.add(expression());
                expectKeyword("THEN");
                thens.add(expression());
            }
            Expr otherwise = acceptKeyword("ELSE") ? expression() : null;
            expectKeyword("END");
            return new Case(subject, whens, thens, otherwise);
        } finally {
            exit();
        }
    }

    private Expr parenthesised() {
        // Either a pattern predicate "(a)-->(b)" or a parenthesised expression.
        PatternExpr pattern = tryPatternPredicate(false);
        if (pattern != null) {
            return pattern;
        }
        advance();
        enter();
        try {
            Expr e = expression();
            if (!at(")")) {
                throw fail(peek(), "')'");
            }
            p++;
            return e;
        } finally {
            exit();
        }
    }

    /** Tries to read a relationship pattern at the current position; restores the position if it is not one. */
    private PatternExpr tryPatternPredicate(boolean allowSingleNode) {
        int save = p;
        int saveDepth = depth;
        try {
            PatternPart part = patternPart(false);
            if (part.rels().isEmpty() && !allowSingleNode) {
                p = save;
                return null;
            }
            return new PatternExpr(part, null, null, PatternMode.PREDICATE);
        } catch (GraphException e) {
            p = save;
            depth = saveDepth;
            return null;
        }
    }

    private Expr listAtom() {
        int save = p;
        p++;
        enter();
        try {
            // list comprehension: [x IN list WHERE pred | expr]
            if ((peek().kind() == Kind.IDENT || peek().kind() == Kind.QUOTED_IDENT) && peek(1).isKeyword("IN")) {
                String var = name("a variable");
                p++;
                Expr list = expression();
                Expr where = acceptKeyword("WHERE") ? expression() : null;
                Expr map = accept("|") ? expression() : null;
                expect("]");
                return new ListComprehension(var, list, where, map);
            }
            // pattern comprehension: [(a)-->(b) WHERE .. | expr]
            if (at("(") || (atName() && peek(1).is("="))) {
                int before = p;
                int saveDepth = depth;
                try {
                    PatternPart part = patternPart(false);
                    if (!part.rels().isEmpty() && (at("|") || atKeyword("WHERE"))) {
                        Expr where = acceptKeyword("WHERE") ? expression() : null;
                        expect("|");
                        Expr projection = expression();
                        expect("]");
                        return new PatternExpr(part, where, projection, PatternMode.COMPREHENSION);
                    }
                } catch (GraphException e) {
                    // not a pattern comprehension
                }
                p = before;
                depth = saveDepth;
            }
            List<Expr> items = new ArrayList<>();
            if (!at("]")) {
                items.addAll(expressionList());
            }
            if (!at("]")) {
                throw fail(peek(), "',' or ']'");
            }
            p++;
            return new ListLiteral(items);
        } finally {
            exit();
        }
    }

    private MapLiteral mapLiteral() {
        expect("{");
        enter();
        try {
            Map<String, Expr> entries = new LinkedHashMap<>();
            if (!at("}")) {
                do {
                    Token keyToken = peek();
                    String key;
                    if (atName()) {
                        key = name("a property key");
                    } else if (keyToken.kind() == Kind.STRING) {
                        p++;
                        key = (String) keyToken.value();
                    } else {
                        throw fail(keyToken, "a property key name");
                    }
                    expect(":");
                    entries.put(key, expression());
                } while (accept(","));
            }
            if (!at("}")) {
                throw fail(peek(), "',' or '}'");
            }
            p++;
            return new MapLiteral(entries);
        } finally {
            exit();
        }
    }

    // ------------------------------------------------------------------ for AdminParser

    String src() {
        return src;
    }

    Token peekToken(int ahead) {
        return peek(ahead);
    }

    Token nextToken() {
        return advance();
    }

    boolean keyword(String kw) {
        return acceptKeyword(kw);
    }

    boolean keywords(String... kws) {
        if (atKeywords(kws)) {
            p += kws.length;
            return true;
        }
        return false;
    }

    void requireKeyword(String kw) {
        expectKeyword(kw);
    }

    int position() {
        return p;
    }

    void reset(int position) {
        p = position;
    }

    GraphException failHere(String expected) {
        return fail(peek(), expected);
    }
}
