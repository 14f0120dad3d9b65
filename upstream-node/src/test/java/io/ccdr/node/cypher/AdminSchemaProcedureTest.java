package io.ccdr.node.cypher;

import io.ccdr.node.cypher.AdminCommand.*;
import io.ccdr.node.graph.GraphException;
import io.ccdr.node.graph.IndexDescriptor;
import io.ccdr.node.graph.NodeRecord;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AdminSchemaProcedureTest {
    private final CypherEngine engine = new CypherEngine(new FakeProcedures());

    private AdminCommand admin(String query) {
        Statement s = engine.parse(query);
        assertThat(s.kind()).isEqualTo(Statement.Kind.ADMIN);
        return s.adminCommand().orElseThrow();
    }

    private static String code(Runnable r) {
        try {
            r.run();
        } catch (GraphException e) {
            return e.statusCode();
        }
        throw new AssertionError("expected a GraphException");
    }

    @Test
    void databaseCommands() {
        assertThat(admin("SHOW DATABASES")).isEqualTo(new ShowDatabases(DatabaseScope.ALL, null, ShowProjection.NONE));
        ShowDatabases named = (ShowDatabases) admin("SHOW DATABASE `my-db.v2`");
        assertThat(named.scope()).isEqualTo(DatabaseScope.NAMED);
        assertThat(named.name()).isEqualTo("my-db.v2");
        assertThat(((ShowDatabases) admin("show default database")).scope()).isEqualTo(DatabaseScope.DEFAULT);
        assertThat(((ShowDatabases) admin("SHOW DATABASE sales.eu")).name()).isEqualTo("sales.eu");
        assertThat(admin("CREATE DATABASE orders-2 IF NOT EXISTS TOPOLOGY 3 PRIMARIES 2 SECONDARIES WAIT"))
                .isEqualTo(new CreateDatabase("orders-2", true, 3, 2, WaitMode.WAIT, null));
        assertThat(admin("CREATE DATABASE x TOPOLOGY 1 PRIMARY"))
                .isEqualTo(new CreateDatabase("x", false, 1, null, WaitMode.NOWAIT, null));
        assertThat(admin("CREATE DATABASE `a.b`")).isEqualTo(new CreateDatabase("a.b", false, null, null, WaitMode.NOWAIT, null));
        assertThat(admin("DROP DATABASE x IF EXISTS")).isEqualTo(new DropDatabase("x", true, WaitMode.NOWAIT, null));
        assertThat(admin("START DATABASE x WAIT 10 SECONDS")).isEqualTo(new StartDatabase("x", WaitMode.WAIT, 10L));
        assertThat(admin("STOP DATABASE x")).isEqualTo(new StopDatabase("x", WaitMode.NOWAIT, null));
        assertThat(admin("ALTER DATABASE x SET ACCESS READ ONLY")).isEqualTo(new AlterDatabaseAccess("x", false, true));
        assertThat(admin("ALTER DATABASE x SET ACCESS READ WRITE")).isEqualTo(new AlterDatabaseAccess("x", false, false));
        assertThat(admin("SHOW SERVERS")).isInstanceOf(ShowServers.class);
        assertThat(admin("SHOW DATABASES").isWrite()).isFalse();
        assertThat(admin("DROP DATABASE x").isWrite()).isTrue();
        assertThat(engine.parse("SHOW DATABASES").queryType()).isEqualTo("r");
        assertThat(code(() -> engine.parse("CREATE DATABASE x TOPOLOGY 2 SHARDS"))).isEqualTo("Neo.ClientError.Statement.SyntaxError");
        assertThat(code(() -> engine.parse("ALTER DATABASE x SET ACCESS READ"))).isEqualTo("Neo.ClientError.Statement.SyntaxError");
        assertThat(code(() -> engine.execute(new TestGraph(), "SHOW DATABASES", Map.of())))
                .isEqualTo("Neo.ClientError.Statement.NotSystemDatabaseError");
    }

    @Test
    void userCommandsKeepPasswordsOutOfToString() {
        CreateUser u = (CreateUser) admin("CREATE USER alice IF NOT EXISTS SET PLAINTEXT PASSWORD 's3cret' CHANGE NOT REQUIRED");
        assertThat(u.name()).isEqualTo("alice");
        assertThat(u.ifNotExists()).isTrue();
        assertThat(u.changeRequired()).isFalse();
        assertThat(u.password().resolve(Map.of())).isEqualTo("s3cret");
        assertThat(u.toString()).doesNotContain("s3cret");
        CreateUser p = (CreateUser) admin("CREATE USER bob SET PASSWORD $pw");
        assertThat(p.changeRequired()).isTrue();
        assertThat(p.password().resolve(Map.of("pw", "x"))).isEqualTo("x");
        assertThat(code(() -> p.password().resolve(Map.of()))).isEqualTo("Neo.ClientError.Statement.ParameterMissing");
        assertThat(admin("DROP USER bob")).isEqualTo(new DropUser("bob", false));
        assertThat(admin("SHOW USERS")).isInstanceOf(ShowUsers.class);
        assertThat(admin("SHOW CURRENT USER")).isInstanceOf(ShowCurrentUser.class);
        assertThat(admin("GRANT ROLE admin, reader TO alice")).isEqualTo(new GrantRoles(List.of("admin", "reader"), List.of("alice")));
        assertThat(admin("REVOKE ROLE admin FROM alice, bob")).isEqualTo(new RevokeRoles(List.of("admin"), List.of("alice", "bob")));
        AlterCurrentUserPassword a = (AlterCurrentUserPassword) admin("ALTER CURRENT USER SET PASSWORD FROM 'old' TO 'new'");
        assertThat(a.oldPassword().resolve(Map.of())).isEqualTo("old");
        assertThat(a.newPassword().resolve(Map.of())).isEqualTo("new");
    }

    @Test
    void showProjectionAppliesYieldWhereOrderSkipLimit() {
        List<String> all = List.of("name", "currentStatus", "role", "default");
        List<String> defaults = List.of("name", "currentStatus");
        List<Map<String, Object>> rows = new ArrayList<>();
        rows.add(row("neo4j", "online", "primary", true));
        rows.add(row("system", "online", "primary", false));
        rows.add(row("sales", "offline", "secondary", false));

        ShowDatabases plain = (ShowDatabases) admin("SHOW DATABASES");
        QueryResult r = plain.projection().apply(defaults, all, rows, Map.of());
        assertThat(r.columns()).containsExactly("name", "currentStatus");
        assertThat(r.rows()).hasSize(3);

        ShowDatabases where = (ShowDatabases) admin("SHOW DATABASES WHERE role = 'primary' AND NOT default");
        assertThat(where.projection().apply(defaults, all, rows, Map.of()).rows()).containsExactly(List.of("system", "online"));

        ShowDatabases yield = (ShowDatabases) admin(
                "SHOW DATABASES YIELD name AS db, currentStatus ORDER BY db DESC SKIP 1 LIMIT 2 WHERE currentStatus = $s");
        QueryResult y = yield.projection().apply(defaults, all, rows, Map.of("s", "online"));
        assertThat(y.columns()).containsExactly("db", "currentStatus");
        // ordered system, sales, neo4j; SKIP 1 LIMIT 2 keeps sales, neo4j; WHERE then filters
        assertThat(y.rows()).containsExactly(List.of("neo4j", "online"));

        ShowDatabases star = (ShowDatabases) admin("SHOW DATABASES YIELD * ORDER BY name LIMIT 1");
        QueryResult s = star.projection().apply(defaults, all, rows, Map.of());
        assertThat(s.columns()).containsExactlyElementsOf(all);
        assertThat(s.rows()).containsExactly(List.of("neo4j", "online", "primary", true));

        ShowDatabases ret = (ShowDatabases) admin("SHOW DATABASES YIELD name, role RETURN role, count(name) AS n ORDER BY role");
        assertThat(ret.projection().apply(defaults, all, rows, Map.of()).rows())
                .containsExactly(List.of("primary", 2L), List.of("secondary", 1L));
        assertThat(code(() -> ((ShowDatabases) admin("SHOW DATABASES YIELD nope")).projection()
                .apply(defaults, all, rows, Map.of()))).isEqualTo("Neo.ClientError.Statement.SyntaxError");
    }

    private static Map<String, Object> row(String name, String status, String role, boolean dflt) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        m.put("currentStatus", status);
        m.put("role", role);
        m.put("default", dflt);
        return m;
    }

    @Test
    void indexesAndConstraints() {
        TestGraph g = new TestGraph();
        QueryResult created = engine.execute(g, "CREATE INDEX FOR (p:Person) ON (p.name)", Map.of());
        assertThat(created.queryType()).isEqualTo("s");
        assertThat(created.statistics().indexesAdded()).isEqualTo(1);
        assertThat(engine.isWrite(engine.parse("CREATE INDEX FOR (p:Person) ON (p.name)"))).isTrue();
        String generated = g.schema().get(0).name();
        assertThat(generated).matches("index_[0-9a-f]{8}");
        // generated names are deterministic, and IF NOT EXISTS makes a repeat a no-op
        assertThat(engine.execute(g, "CREATE INDEX IF NOT EXISTS FOR (p:Person) ON (p.name)", Map.of())
                .statistics().indexesAdded()).isZero();
        assertThat(code(() -> engine.execute(g, "CREATE INDEX FOR (p:Person) ON (p.name)", Map.of())))
                .isEqualTo("Neo.ClientError.Schema.EquivalentSchemaRuleAlreadyExists");
        engine.execute(g, "CREATE CONSTRAINT person_id IF NOT EXISTS FOR (p:Person) REQUIRE p.id IS UNIQUE", Map.of());
        engine.execute(g, "CREATE CONSTRAINT FOR (c:City) REQUIRE c.code IS UNIQUE", Map.of());
        assertThat(g.schema()).extracting(IndexDescriptor::kind)
                .containsExactlyInAnyOrder(IndexDescriptor.Kind.RANGE, IndexDescriptor.Kind.UNIQUENESS, IndexDescriptor.Kind.UNIQUENESS);

        QueryResult indexes = engine.execute(g.readOnly(), "SHOW INDEXES", Map.of());
        assertThat(indexes.columns()).contains("id", "name", "state", "populationPercent", "type", "entityType",
                "labelsOrTypes", "properties");
        assertThat(indexes.rows()).hasSize(3);
        QueryResult constraints = engine.execute(g.readOnly(), "SHOW CONSTRAINTS YIELD name, labelsOrTypes WHERE name = 'person_id'", Map.of());
        assertThat(constraints.rows()).containsExactly(List.of("person_id", List.of("Person")));
        QueryResult statements = engine.execute(g.readOnly(), "SHOW INDEXES YIELD name, createStatement WHERE name = $n",
                Map.of("n", generated));
        assertThat(statements.rows()).containsExactly(List.of(generated,
                "CREATE RANGE INDEX `" + generated + "` FOR (n:`Person`) ON (n.`name`)"));
        // the statement Neo4j prints re-creates the same rule
        TestGraph copy = new TestGraph();
        engine.execute(copy, (String) statements.rows().get(0).get(1), Map.of());
        assertThat(copy.schema()).containsExactly(new IndexDescriptor(generated, IndexDescriptor.Kind.RANGE, "Person", "name"));

        assertThat(code(() -> engine.execute(g, "DROP INDEX person_id", Map.of()))).isEqualTo("Neo.ClientError.Schema.IndexDropFailed");
        assertThat(code(() -> engine.execute(g, "DROP CONSTRAINT " + generated, Map.of())))
                .isEqualTo("Neo.ClientError.Schema.ConstraintDropFailed");
        assertThat(engine.execute(g, "DROP CONSTRAINT person_id", Map.of()).statistics().constraintsRemoved()).isEqualTo(1);
        assertThat(engine.execute(g, "DROP INDEX " + generated, Map.of()).statistics().indexesRemoved()).isEqualTo(1);
        assertThat(engine.execute(g, "DROP INDEX nope IF EXISTS", Map.of()).statistics().containsUpdates()).isFalse();
        assertThat(code(() -> engine.execute(g.readOnly(), "DROP INDEX nope IF EXISTS", Map.of())))
                .isEqualTo("Neo.ClientError.Statement.AccessMode");

        // the uniqueness constraint is enforced by the store; the engine surfaces its error unchanged
        engine.execute(g, "CREATE (:City {code: 'X'})", Map.of());
        assertThat(code(() -> engine.execute(g, "CREATE (:City {code: 'X'})", Map.of())))
                .isEqualTo("Neo.ClientError.Schema.ConstraintValidationFailed");
    }

    @Test
    void procedures() {
        TestGraph g = new TestGraph();
        engine.execute(g, "CREATE (:A {n: 1}), (:A {n: 2})", Map.of());
        QueryResult standalone = engine.execute(g, "CALL test.echo('hi', 2)", Map.of());
        assertThat(standalone.columns()).containsExactly("value", "index");
        assertThat(standalone.rows()).containsExactly(List.of("hi", 0L), List.of("hi", 1L));
        QueryResult yielded = engine.execute(g, "CALL test.echo('x', 3) YIELD index AS i WHERE i > 0 RETURN collect(i) AS is", Map.of());
        assertThat(yielded.rows()).containsExactly(List.of(List.of(1L, 2L)));
        QueryResult withNodes = engine.execute(g,
                "MATCH (a:A) CALL test.echo(a.n, a.n) YIELD value RETURN a.n, count(value) ORDER BY a.n", Map.of());
        assertThat(withNodes.rows()).containsExactly(List.of(1L, 1L), List.of(2L, 2L));
        QueryResult nodeArg = engine.execute(g, "MATCH (a:A {n: 1}) CALL test.nodeId(a) YIELD id RETURN id", Map.of());
        assertThat(nodeArg.rows()).hasSize(1);

        assertThat(code(() -> engine.execute(g, "CALL nope.proc()", Map.of()))).isEqualTo("Neo.ClientError.Procedure.ProcedureNotFound");
        assertThat(code(() -> engine.execute(g, "CALL test.echo('x', 1) YIELD nope RETURN nope", Map.of())))
                .isEqualTo("Neo.ClientError.Statement.SyntaxError");
        // signatures are checked at compile time
        assertThat(code(() -> engine.parse("CALL test.echo('x')"))).isEqualTo("Neo.ClientError.Statement.SyntaxError");
        assertThat(code(() -> engine.parse("CALL test.echo('x', 'y')"))).isEqualTo("Neo.ClientError.Statement.SyntaxError");
        assertThat(code(() -> engine.parse("CALL nope.proc"))).isEqualTo("Neo.ClientError.Procedure.ProcedureNotFound");
        assertThat(code(() -> engine.parse("CALL test.echo('x', 1) YIELD value, index AS value RETURN value")))
                .isEqualTo("Neo.ClientError.Statement.SyntaxError");
        // implicit arguments come from the parameters
        Statement implicit = engine.parse("CALL test.echo");
        assertThat(implicit.parameterNames()).containsExactlyInAnyOrder("value", "count");
        assertThat(engine.execute(g, implicit, Map.of("value", "p", "count", 1)).rows()).containsExactly(List.of("p", 0L));
        assertThat(code(() -> engine.execute(g, implicit, Map.of("value", "p"))))
                .isEqualTo("Neo.ClientError.Statement.ParameterMissing");
        assertThat(code(() -> engine.execute(g, "WITH 'x' AS c CALL test.echo('a', c) YIELD value RETURN value", Map.of())))
                .isEqualTo("Neo.ClientError.Statement.TypeError");
        assertThat(engine.parse("CALL test.write()").procedureNames()).containsExactly("test.write");
        assertThat(engine.isWrite(engine.parse("CALL test.write()"))).isTrue();
        assertThat(engine.isWrite(engine.parse("CALL test.echo('a', 1)"))).isFalse();
        assertThat(code(() -> engine.execute(g.readOnly(), "CALL test.write()", Map.of())))
                .isEqualTo("Neo.ClientError.Statement.AccessMode");
    }

    /** Fake procedures registered by a "server". */
    private static final class FakeProcedures implements ProcedureRegistry {
        @Override
        public Optional<Procedure> lookup(String name) {
            return switch (name) {
                case "test.echo" -> Optional.of(new Procedure() {
                    public List<Input> inputs() {
                        return List.of(Input.of("value", Type.ANY), Input.of("count", Type.INTEGER));
                    }

                    public List<String> outputColumns() {
                        return List.of("value", "index");
                    }

                    public List<Map<String, Object>> call(List<Object> args, CallContext ctx) {
                        List<Map<String, Object>> out = new ArrayList<>();
                        for (long i = 0; i < (Long) args.get(1); i++) {
                            Map<String, Object> m = new LinkedHashMap<>();
                            m.put("value", args.get(0));
                            m.put("index", (int) i);
                            out.add(m);
                        }
                        return out;
                    }
                });
                case "test.nodeId" -> Optional.of(new Procedure() {
                    public List<Input> inputs() {
                        return List.of(Input.of("node", Type.NODE));
                    }

                    public List<String> outputColumns() {
                        return List.of("id");
                    }

                    public List<Map<String, Object>> call(List<Object> args, CallContext ctx) {
                        return List.of(Map.of("id", ((NodeRecord) args.get(0)).id()));
                    }
                });
                case "test.write" -> Optional.of(new Procedure() {
                    public List<String> outputColumns() {
                        return List.of();
                    }

                    public Mode mode() {
                        return Mode.WRITE;
                    }

                    public List<Map<String, Object>> call(List<Object> args, CallContext ctx) {
                        return List.of();
                    }
                });
                default -> Optional.empty();
            };
        }
    }
}
