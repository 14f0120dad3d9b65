package io.ccdr.node.cypher;

import io.ccdr.node.graph.GraphException;

/** Factories for the Neo4j status codes the Cypher layer raises, so the codes are spelled once. */
final class Errors {
    static final String SYNTAX = "Neo.ClientError.Statement.SyntaxError";
    static final String SEMANTIC = "Neo.ClientError.Statement.SemanticError";
    static final String TYPE = "Neo.ClientError.Statement.TypeError";
    static final String PARAMETER_MISSING = "Neo.ClientError.Statement.ParameterMissing";
    static final String ARITHMETIC = "Neo.ClientError.Statement.ArithmeticError";
    static final String ENTITY_NOT_FOUND = "Neo.ClientError.Statement.EntityNotFound";
    static final String ARGUMENT = "Neo.ClientError.Statement.ArgumentError";
    static final String ACCESS_MODE = "Neo.ClientError.Statement.AccessMode";
    static final String CONSTRAINT_VALIDATION = "Neo.ClientError.Schema.ConstraintValidationFailed";
    static final String PROCEDURE_NOT_FOUND = "Neo.ClientError.Procedure.ProcedureNotFound";
    static final String PROCEDURE_CALL_FAILED = "Neo.ClientError.Procedure.ProcedureCallFailed";

    private Errors() {
    }

    static GraphException syntax(String message) {
        return new GraphException(SYNTAX, message);
    }

    static GraphException semantic(String message) {
        return new GraphException(SEMANTIC, message);
    }

    static GraphException type(String message) {
        return new GraphException(TYPE, message);
    }

    static GraphException arithmetic(String message) {
        return new GraphException(ARITHMETIC, message);
    }

    static GraphException argument(String message) {
        return new GraphException(ARGUMENT, message);
    }

    static GraphException entityNotFound(String message) {
        return new GraphException(ENTITY_NOT_FOUND, message);
    }

    /** Neo4j's position suffix: {@code (line 1, column 8 (offset: 7))}, line and column 1-based. */
    static String position(String query, int offset) {
        int line = 1;
        int lineStart = 0;
        for (int i = 0; i < offset && i < query.length(); i++) {
            if (query.charAt(i) == '\n') {
                line++;
                lineStart = i + 1;
            }
        }
        return "(line " + line + ", column " + (offset - lineStart + 1) + " (offset: " + offset + "))";
    }

    /** Position suffix plus the offending line and a caret, as Neo4j prints it. */
    static String positionWithCaret(String query, int offset) {
        int lineStart = query.lastIndexOf('\n', Math.max(0, offset - 1));
        lineStart = offset == 0 ? 0 : lineStart + 1;
        if (offset > 0 && offset <= query.length() && query.charAt(offset - 1) == '\n') {
            lineStart = offset;
        }
        int lineEnd = query.indexOf('\n', offset);
        if (lineEnd < 0) {
            lineEnd = query.length();
        }
        String lineText = query.substring(Math.min(lineStart, lineEnd), lineEnd);
        return position(query, offset) + "\n\"" + lineText + "\"\n" + " ".repeat(Math.max(0, offset - lineStart + 1)) + "^";
    }
}
