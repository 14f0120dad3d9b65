package io.ccdr.node.query;

import io.ccdr.node.CcdrServer;
import io.ccdr.node.bolt.RoutingTable;
import io.ccdr.node.cypher.CallContext;
import io.ccdr.node.cypher.Procedure;
import io.ccdr.node.cypher.ProcedureRegistry;
import io.ccdr.node.dbms.ClusterErrors;
import io.ccdr.node.dbms.Database;
import io.ccdr.node.system.SystemState;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiFunction;

/** The procedures a Neo4j client expects: routing, cluster role, components, ping. */
final class Procedures implements ProcedureRegistry {
    private final Map<String, Procedure> procedures = new LinkedHashMap<>();

    Procedures(CcdrServer server, Topology topology) {
        register("db.ping", List.of(), List.of("success"), (args, ctx) -> List.of(Map.of("success", true)));
        register("dbms.components", List.of(), List.of("name", "versions", "edition"), (args, ctx) -> List.of(Map.of(
                "name", "Neo4j Kernel", "versions", List.of("5.26.0"), "edition", "enterprise")));
        register("dbms.routing.getRoutingTable",
                List.of(Procedure.Input.of("context", Procedure.Type.MAP), new Procedure.Input("database", Procedure.Type.STRING, true)),
                List.of("ttl", "servers"), (args, ctx) -> {
                    String db = args.size() > 1 && args.get(1) != null ? ((String) args.get(1)).toLowerCase(Locale.ROOT) : defaultDatabase(server);
                    RoutingTable t = topology.routingTable(db);
                    List<Map<String, Object>> servers = new ArrayList<>();
                    for (RoutingTable.Server s : t.servers()) {
                        servers.add(Map.of("addresses", s.addresses(), "role", s.role().name()));
                    }
                    return List.of(Map.of("ttl", t.ttlSeconds(), "servers", servers));
                });
        register("dbms.cluster.role", List.of(new Procedure.Input("database", Procedure.Type.STRING, true)), List.of("role"),
                (args, ctx) -> {
                    String db = args.isEmpty() || args.get(0) == null ? defaultDatabase(server) : ((String) args.get(0)).toLowerCase(Locale.ROOT);
                    String role;
                    if (SystemState.SYSTEM.equals(db)) {
                        role = server.isSystemLeader() ? "LEADER" : "FOLLOWER";
                    } else {
                        Database d = server.database(db).orElseThrow(() -> server.systemState().databases().containsKey(db)
                                ? ClusterErrors.unavailable(db, "not hosted on this server") : ClusterErrors.notFound(db));
                        role = d.isLeader() ? "LEADER" : "FOLLOWER";
                    }
                    return List.of(Map.of("role", role));
                });
    }

    private static String defaultDatabase(CcdrServer server) {
        String d = server.systemState().defaultDatabase();
        return d != null ? d : server.config().defaultDatabase();
    }

    private void register(String name, List<Procedure.Input> inputs, List<String> outputs,
                          BiFunction<List<Object>, CallContext, List<Map<String, Object>>> body) {
        procedures.put(name, new Procedure() {
            @Override
            public List<Input> inputs() {
                return inputs;
            }

            @Override
            public List<String> outputColumns() {
                return outputs;
            }

            @Override
            public Mode mode() {
                return Mode.DBMS;
            }

            @Override
            public List<Map<String, Object>> call(List<Object> args, CallContext context) {
                return body.apply(args, context);
            }
        });
    }

    @Override
    public Optional<Procedure> lookup(String qualifiedName) {
        return Optional.ofNullable(procedures.get(qualifiedName));
    }
}
