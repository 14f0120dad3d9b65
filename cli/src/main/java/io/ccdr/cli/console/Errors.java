package io.ccdr.cli.console;

import org.neo4j.driver.exceptions.Neo4jException;

/** One-line descriptions of driver failures in the form operators grep for. */
public final class Errors {
    private Errors() {
    }

    /**
     * {@code <status code>: <message>} for server errors (e.g.
     * {@code Neo.ClientError.Statement.SyntaxError: ...}); for failures without a status code
     * (connection refused, routing), the message alone: inventing a code would mislead.
     */
    public static String describe(Throwable t) {
        String message = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage().strip();
        if (hasCode(t)) {
            return ((Neo4jException) t).code() + ": " + message;
        }
        return message;
    }

    /**
     * The line a command prints on standard error: {@code ERROR <code>: <message>}, or
     * {@code ERROR: <message>} when the failure has no status code.
     */
    public static String errorLine(Throwable t) {
        return (hasCode(t) ? "ERROR " : "ERROR: ") + describe(t);
    }

    private static boolean hasCode(Throwable t) {
        return t instanceof Neo4jException e && e.code() != null && e.code().startsWith("Neo.");
    }

    /** The message flattened to one line, for places that promise one line per problem. */
    public static String oneLine(Throwable t) {
        return describe(t).replaceAll("\\s*\\R\\s*", " ");
    }
}
