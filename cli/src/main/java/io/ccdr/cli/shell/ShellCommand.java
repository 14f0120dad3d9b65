package io.ccdr.cli.shell;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ccdr.cli.console.ConnectionOptions;
import io.ccdr.cli.console.CypherValues;
import io.ccdr.cli.console.Drivers;
import io.ccdr.cli.console.Errors;
import io.ccdr.cli.console.TextTable;
import org.neo4j.driver.Driver;
import org.neo4j.driver.Record;
import org.neo4j.driver.Result;
import org.neo4j.driver.Session;
import org.neo4j.driver.SessionConfig;
import org.neo4j.driver.TransactionCallback;
import org.neo4j.driver.exceptions.Neo4jException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code ccdr shell}: runs Cypher through the official driver, for runbooks and scripts. Each
 * statement runs in a managed transaction ({@code executeRead}/{@code executeWrite}), so routing
 * and the driver's retries on transient errors (leader changes) apply exactly as they do for
 * applications; a statement's rows are printed only once its transaction has committed, so a
 * retried attempt never shows up twice.
 */
@Command(name = "shell", mixinStandardHelpOptions = true,
        description = {"Run Cypher statements against a cluster through the official Neo4j driver.",
                "With QUERY: run it and print the result. Without: read statements separated by ';' from standard input.",
                "Exit status: 0 success, 1 a statement failed (ERROR <code>: <message> on standard error) or the server "
                        + "is unreachable, 2 usage error."})
public final class ShellCommand implements Callable<Integer> {
    /** Transaction kind; lower-case constants so that the command line reads {@code --access-mode read}. */
    enum AccessMode { read, write }

    enum Format { table, plain, json }

    // Trailing tokens make a value text, not JSON: --param v='1 2' is the string "1 2".
    private static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = {"-a", "--address"}, paramLabel = "URI", defaultValue = "${env:NEO4J_URI:-neo4j://localhost:7687}",
            description = "server or cluster address: neo4j://, neo4j+s://, neo4j+ssc://, bolt://, bolt+s://, bolt+ssc:// "
                    + "(default: $NEO4J_URI, else ${DEFAULT-VALUE})")
    String address;

    @Mixin
    ConnectionOptions connection;

    @Option(names = {"-d", "--database"}, paramLabel = "DB", description = "database (default: the user's home database)")
    String database;

    @Option(names = "--access-mode", paramLabel = "MODE", defaultValue = "write",
            description = "read or write: where the driver routes the transactions (default ${DEFAULT-VALUE})")
    AccessMode accessMode;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "table",
            description = "table (boxed, with header), plain (tab-separated, header line) or json (one object per record and line) "
                    + "(default ${DEFAULT-VALUE})")
    Format format;

    @Option(names = {"-P", "--param"}, paramLabel = "NAME=VALUE",
            description = "query parameter, repeatable. VALUE is read as JSON when it is valid JSON (42, true, null, \"42\", "
                    + "[1,2], {\"k\":1}), else as a string: --param name=Oslo --param limit=10")
    Map<String, String> params = new LinkedHashMap<>();

    @Parameters(paramLabel = "QUERY", arity = "0..1", description = "the statement to run; without it, statements are read from standard input")
    String query;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Map<String, Object> parameters = parameters();
        List<String> statements;
        if (query != null) {
            statements = List.of(query);
        } else {
            try {
                statements = StatementSplitter.split(readAll(System.in));
            } catch (IOException e) {
                err.println("ERROR: cannot read standard input: " + e.getMessage());
                err.flush();
                return 1;
            }
        }
        Driver driver;
        try {
            driver = Drivers.open(address, connection, Duration.ofSeconds(10));
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        try (driver) {
            // Fail fast when nothing answers: the managed transactions below would retry for 30 s first.
            driver.verifyConnectivity();
            SessionConfig.Builder session = SessionConfig.builder();
            if (database != null) {
                session.withDatabase(database);
            }
            try (Session s = driver.session(session.build())) {
                for (String statement : statements) {
                    Outcome outcome = run(s, statement, parameters);
                    print(outcome, out);
                    out.flush();
                }
            }
            return 0;
        } catch (Neo4jException e) {
            out.flush();
            err.println(Errors.errorLine(e));
            err.flush();
            return 1;
        }
    }

    /** Rows of one statement, buffered inside the transaction function so that a retry starts from nothing. */
    private record Outcome(List<String> keys, List<Record> records) {
    }

    private Outcome run(Session session, String statement, Map<String, Object> parameters) {
        TransactionCallback<Outcome> work = tx -> {
            Result result = tx.run(statement, parameters);
            List<Record> records = result.list();
            return new Outcome(result.keys(), records);
        };
        return accessMode == AccessMode.read ? session.executeRead(work) : session.executeWrite(work);
    }

    private void print(Outcome o, PrintWriter out) {
        if (o.keys().isEmpty()) {
            return; // a write without RETURN: nothing to show, as in cypher-shell's non-interactive mode
        }
        switch (format) {
            case table -> out.print(TextTable.boxed(o.keys(), cells(o)));
            case plain -> {
                out.println(String.join("\t", o.keys()));
                for (List<String> row : cells(o)) {
                    out.println(String.join("\t", row));
                }
            }
            case json -> {
                for (Record r : o.records()) {
                    ObjectNode line = MAPPER.createObjectNode();
                    for (String k : o.keys()) {
                        line.set(k, CypherValues.json(r.get(k)));
                    }
                    out.println(line.toString());
                }
            }
        }
    }

    private static List<List<String>> cells(Outcome o) {
        List<List<String>> rows = new ArrayList<>();
        for (Record r : o.records()) {
            List<String> row = new ArrayList<>();
            for (String k : o.keys()) {
                row.add(CypherValues.literal(r.get(k)));
            }
            rows.add(row);
        }
        return rows;
    }

    private Map<String, Object> parameters() {
        Map<String, Object> out = new LinkedHashMap<>();
        params.forEach((name, raw) -> out.put(name, parameterValue(raw)));
        return out;
    }

    /** JSON when the text is JSON, else the text itself: {@code id=42} is a number, {@code name=Oslo} a string. */
    static Object parameterValue(String raw) {
        try {
            JsonNode node = MAPPER.readTree(raw);
            if (node == null || node.isMissingNode()) {
                return raw;
            }
            return toDriverValue(node);
        } catch (JsonProcessingException e) {
            return raw;
        }
    }

    private static Object toDriverValue(JsonNode node) {
        if (node.isNull()) {
            return null;
        }
        if (node.isIntegralNumber()) {
            return node.asLong();
        }
        if (node.isNumber()) {
            return node.asDouble();
        }
        if (node.isBoolean()) {
            return node.asBoolean();
        }
        if (node.isTextual()) {
            return node.asText();
        }
        if (node.isArray()) {
            List<Object> list = new ArrayList<>();
            node.forEach(n -> list.add(toDriverValue(n)));
            return list;
        }
        Map<String, Object> map = new LinkedHashMap<>();
        node.fields().forEachRemaining(e -> map.put(e.getKey(), toDriverValue(e.getValue())));
        return map;
    }

    private static String readAll(InputStream in) throws IOException {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
}
