package io.ccdr.node.cypher;

import io.ccdr.node.cypher.AdminCommand.*;
import io.ccdr.node.cypher.Lexer.Kind;
import io.ccdr.node.cypher.Lexer.Token;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Parses the administration commands of {@link AdminCommand}; kept apart from query parsing. */
final class AdminParser {
    private final Parser p;

    private AdminParser(Parser p) {
        this.p = p;
    }

    /** Returns the command, or null (position unchanged) when the statement is not an admin command. */
    static AdminCommand tryParse(Parser parser) {
        return new AdminParser(parser).command();
    }

    private AdminCommand command() {
        if (p.keywords("SHOW", "DATABASES")) {
            return new ShowDatabases(DatabaseScope.ALL, null, p.showProjection());
        }
        if (p.keywords("SHOW", "DEFAULT", "DATABASE")) {
            return new ShowDatabases(DatabaseScope.DEFAULT, null, p.showProjection());
        }
        if (p.keywords("SHOW", "HOME", "DATABASE")) {
            return new ShowDatabases(DatabaseScope.HOME, null, p.showProjection());
        }
        if (p.keywords("SHOW", "DATABASE")) {
            if (atShowTail()) {
                return new ShowDatabases(DatabaseScope.ALL, null, p.showProjection());
            }
            String name = databaseName();
            return new ShowDatabases(DatabaseScope.NAMED, name, p.showProjection());
        }
        if (p.keywords("SHOW", "SERVERS") || p.keywords("SHOW", "SERVER")) {
            return new ShowServers(p.showProjection());
        }
        if (p.keywords("SHOW", "USERS")) {
            return new ShowUsers(p.showProjection());
        }
        if (p.keywords("SHOW", "CURRENT", "USER")) {
            return new ShowCurrentUser(p.showProjection());
        }
        if (p.keywords("CREATE", "DATABASE")) {
            return createDatabase();
        }
        if (p.keywords("DROP", "DATABASE")) {
            String name = databaseName();
            boolean ifExists = p.acceptIfExists();
            if (p.keyword("DUMP") || p.keyword("DESTROY")) {
                p.requireKeyword("DATA");
            }
            Object[] wait = waitClause();
            return new DropDatabase(name, ifExists, (WaitMode) wait[0], (Long) wait[1]);
        }
        if (p.keywords("START", "DATABASE")) {
            String name = databaseName();
            Object[] wait = waitClause();
            return new StartDatabase(name, (WaitMode) wait[0], (Long) wait[1]);
        }
        if (p.keywords("STOP", "DATABASE")) {
            String name = databaseName();
            Object[] wait = waitClause();
            return new StopDatabase(name, (WaitMode) wait[0], (Long) wait[1]);
        }
        if (p.keywords("ALTER", "DATABASE")) {
            String name = databaseName();
            boolean ifExists = p.acceptIfExists();
            p.requireKeyword("SET");
            p.requireKeyword("ACCESS");
            p.requireKeyword("READ");
            boolean readOnly;
            if (p.keyword("ONLY")) {
                readOnly = true;
            } else if (p.keyword("WRITE")) {
                readOnly = false;
            } else {
                throw p.failHere("ONLY or WRITE");
            }
            return new AlterDatabaseAccess(name, ifExists, readOnly);
        }
        if (p.keywords("CREATE", "USER")) {
            return createUser();
        }
        if (p.keywords("DROP", "USER")) {
            String name = symbolicName("a user name");
            return new DropUser(name, p.acceptIfExists());
        }
        if (p.keywords("ALTER", "CURRENT", "USER")) {
            p.requireKeyword("SET");
            p.requireKeyword("PASSWORD");
            p.requireKeyword("FROM");
            Secret old = secret();
            p.requireKeyword("TO");
            return new AlterCurrentUserPassword(old, secret());
        }
        if (p.keyword("GRANT")) {
            if (!(p.keyword("ROLE") || p.keyword("ROLES"))) {
                throw p.failHere("ROLE (only role grants are supported by ccdr)");
            }
            List<String> roles = nameList("a role name");
            p.requireKeyword("TO");
            return new GrantRoles(roles, nameList("a user name"));
        }
        if (p.keyword("REVOKE")) {
            if (!(p.keyword("ROLE") || p.keyword("ROLES"))) {
                throw p.failHere("ROLE (only role revocation is supported by ccdr)");
            }
            List<String> roles = nameList("a role name");
            p.requireKeyword("FROM");
            return new RevokeRoles(roles, nameList("a user name"));
        }
        return null;
    }

    private boolean atShowTail() {
        Token t = p.peekToken(0);
        return t.kind() == Kind.EOF || t.is(";") || t.isKeyword("YIELD") || t.isKeyword("WHERE");
    }

    private AdminCommand createDatabase() {
        String name = databaseName();
        boolean ifNotExists = p.acceptIfNotExists();
        Integer primaries = null;
        Integer secondaries = null;
        if (p.keyword("TOPOLOGY")) {
            for (int i = 0; i < 2; i++) {
                if (p.peekToken(0).kind() != Kind.INTEGER) {
                    break;
                }
                int n = smallInt();
                if (p.keyword("PRIMARY") || p.keyword("PRIMARIES")) {
                    if (primaries != null) {
                        throw p.failHere("SECONDARIES (PRIMARIES given twice)");
                    }
                    primaries = n;
                } else if (p.keyword("SECONDARY") || p.keyword("SECONDARIES")) {
                    if (secondaries != null) {
                        throw p.failHere("PRIMARIES (SECONDARIES given twice)");
                    }
                    secondaries = n;
                } else {
                    throw p.failHere("PRIMARIES or SECONDARIES");
                }
            }
            if (primaries == null && secondaries == null) {
                throw p.failHere("a number of PRIMARIES");
            }
            if (primaries != null && primaries < 1) {
                throw Errors.argument("Failed to create the specified database '" + name
                        + "': the number of primaries must be at least 1");
            }
        }
        Map<String, OptionValue> options = p.keyword("OPTIONS") ? options() : Map.of();
        Object[] wait = waitClause();
        return new CreateDatabase(name, ifNotExists, primaries, secondaries, (WaitMode) wait[0], (Long) wait[1], options);
    }

    /** {@code {key: value, …}} with string, integer, parameter or {@code datetime('…')} values; which keys mean what is the executor's business. */
    private Map<String, OptionValue> options() {
        if (!p.peekToken(0).is("{")) {
            throw p.failHere("'{'");
        }
        p.nextToken();
        Map<String, OptionValue> options = new LinkedHashMap<>();
        while (!p.peekToken(0).is("}")) {
            if (!options.isEmpty()) {
                if (!p.peekToken(0).is(",")) {
                    throw p.failHere("',' or '}'");
                }
                p.nextToken();
            }
            Token key = p.peekToken(0);
            if (key.kind() != Kind.IDENT && key.kind() != Kind.QUOTED_IDENT) {
                throw p.failHere("an option name");
            }
            p.nextToken();
            if (!p.peekToken(0).is(":")) {
                throw p.failHere("':'");
            }
            p.nextToken();
            if (options.put(key.text(), optionValue()) != null) {
                throw Errors.argument("Duplicate option '" + key.text() + "' in OPTIONS");
            }
        }
        p.nextToken();
        return options;
    }

    private OptionValue optionValue() {
        Token t = p.peekToken(0);
        switch (t.kind()) {
            case STRING -> {
                p.nextToken();
                return new OptionValue(t.value(), null);
            }
            case INTEGER -> {
                p.nextToken();
                BigInteger v = (BigInteger) t.value();
                if (v.bitLength() > 63) {
                    throw Errors.syntax("Invalid input '" + t.text() + "': number is too large " + Errors.positionWithCaret(p.src(), t.start()));
                }
                return new OptionValue(v.longValue(), null);
            }
            case PARAM -> {
                p.nextToken();
                return new OptionValue(null, (String) t.value());
            }
            default -> {
                if (t.kind() == Kind.IDENT && t.text().equalsIgnoreCase("datetime") && p.peekToken(1).is("(")
                        && p.peekToken(2).kind() == Kind.STRING && p.peekToken(3).is(")")) {
                    String text = (String) p.peekToken(2).value();
                    for (int i = 0; i < 4; i++) {
                        p.nextToken();
                    }
                    try {
                        return new OptionValue(Functions.parseDateTime(text), null);
                    } catch (java.time.format.DateTimeParseException e) {
                        throw Errors.argument("Invalid datetime '" + text + "' in OPTIONS: " + e.getMessage());
                    }
                }
                throw p.failHere("a string, an integer, a parameter or datetime('...')");
            }
        }
    }

    private Object[] waitClause() {
        if (p.keyword("NOWAIT")) {
            return new Object[] {WaitMode.NOWAIT, null};
        }
        if (p.keyword("WAIT")) {
            Long seconds = null;
            if (p.peekToken(0).kind() == Kind.INTEGER) {
                seconds = (long) smallInt();
                // the unit is optional, as in Neo4j
                if (!p.keyword("SEC") && !p.keyword("SECOND")) {
                    p.keyword("SECONDS");
                }
            }
            return new Object[] {WaitMode.WAIT, seconds};
        }
        return new Object[] {WaitMode.NOWAIT, null};
    }

    private int smallInt() {
        Token t = p.nextToken();
        BigInteger v = (BigInteger) t.value();
        if (v.bitLength() > 31) {
            throw Errors.syntax("Invalid input '" + t.text() + "': number is too large "
                    + Errors.positionWithCaret(p.src(), t.start()));
        }
        return v.intValue();
    }

    private AdminCommand createUser() {
        String name = symbolicName("a user name");
        boolean ifNotExists = p.acceptIfNotExists();
        p.requireKeyword("SET");
        boolean plaintext = p.keyword("PLAINTEXT");
        if (!plaintext && p.keyword("ENCRYPTED")) {
            // ccdr hashes passwords itself; accepting foreign hashes would tie it to Neo4j's hash format
            throw Errors.syntax("Encrypted passwords are not supported by ccdr; use SET PASSWORD 'plaintext' "
                    + Errors.positionWithCaret(p.src(), p.peekToken(0).start()));
        }
        p.requireKeyword("PASSWORD");
        Secret password = secret();
        boolean changeRequired = true;
        if (p.keyword("CHANGE")) {
            if (p.keyword("NOT")) {
                changeRequired = false;
            }
            p.requireKeyword("REQUIRED");
        }
        if (p.keyword("SET")) {
            if (p.keywords("PASSWORD", "CHANGE")) {
                changeRequired = !p.keyword("NOT");
                p.requireKeyword("REQUIRED");
            } else {
                throw p.failHere("PASSWORD CHANGE [NOT] REQUIRED");
            }
        }
        return new CreateUser(name, ifNotExists, password, changeRequired);
    }

    private Secret secret() {
        Token t = p.peekToken(0);
        if (t.kind() == Kind.STRING) {
            p.nextToken();
            return new Secret((String) t.value(), null);
        }
        if (t.kind() == Kind.PARAM) {
            p.nextToken();
            return new Secret(null, (String) t.value());
        }
        throw p.failHere("a password string or a parameter");
    }

    private List<String> nameList(String what) {
        List<String> names = new ArrayList<>();
        names.add(symbolicName(what));
        while (p.peekToken(0).is(",")) {
            p.nextToken();
            names.add(symbolicName(what));
        }
        return names;
    }

    private String symbolicName(String what) {
        Token t = p.peekToken(0);
        if (t.kind() == Kind.IDENT || t.kind() == Kind.QUOTED_IDENT) {
            p.nextToken();
            return t.text();
        }
        throw p.failHere(what);
    }

    /**
     * A database name: back-quoted, or unquoted words joined by '.' or '-' with no spaces in between
     * ({@code my.db}, {@code db-2}).
     */
    private String databaseName() {
        Token t = p.peekToken(0);
        if (t.kind() == Kind.QUOTED_IDENT) {
            p.nextToken();
            return t.text();
        }
        if (t.kind() != Kind.IDENT) {
            throw p.failHere("a database name");
        }
        p.nextToken();
        StringBuilder sb = new StringBuilder(t.text());
        int end = t.end();
        while (true) {
            Token sep = p.peekToken(0);
            Token next = p.peekToken(1);
            if ((sep.is(".") || sep.is("-")) && sep.start() == end && next.start() == sep.end()
                    && (next.kind() == Kind.IDENT || next.kind() == Kind.INTEGER)) {
                p.nextToken();
                p.nextToken();
                sb.append(sep.text()).append(next.text());
                end = next.end();
            } else {
                break;
            }
        }
        return sb.toString();
    }
}
