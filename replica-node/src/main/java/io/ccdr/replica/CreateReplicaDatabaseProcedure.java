package io.ccdr.replica;

import io.ccdr.node.CcdrServer;
import io.ccdr.node.config.HostPort;
import io.ccdr.node.cypher.CallContext;
import io.ccdr.node.extension.ServerExtension;
import io.ccdr.node.graph.GraphException;
import io.ccdr.node.system.DatabaseInfo;
import io.ccdr.node.system.SystemCommand;
import io.ccdr.node.system.SystemResult;
import io.ccdr.node.system.SystemState;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * {@code CALL internal.dbms.createReplicaDatabase(name, primaries, secondaries, {remote: upstreamName,
 * addresses: ['host:6000', ...]})} on the {@code system} database: creates a read-only database in
 * this cluster that follows {@code upstreamName} in another. The upstream is probed first; when it
 * is unreachable, not trusted or has no such database, nothing is created.
 */
final class CreateReplicaDatabaseProcedure extends DbmsProcedure {
    static final String NAME = "internal.dbms.createReplicaDatabase";
    private static final Pattern DATABASE_NAME = Pattern.compile("[a-z][a-z0-9.\\-]{2,62}");


    CreateReplicaDatabaseProcedure(CcdrServer server, ServerExtension.Caller caller) {
        super(server, caller);
    }

    @Override
    public List<Input> inputs() {
        return List.of(Input.of("replicaDatabaseName", Type.STRING), Input.of("numPrimaries", Type.INTEGER),
                Input.of("numSecondaries", Type.INTEGER), Input.of("upstream", Type.MAP));
    }

    @Override
    public List<String> outputColumns() {
        return List.of();
    }

    @Override
    public List<Map<String, Object>> call(List<Object> args, CallContext context) {
        caller.requireAdmin("CALL " + NAME);
        String name = databaseName(args.get(0), "replicaDatabaseName");
        int primaries = count(args.get(1), "numPrimaries", 1);
        int secondaries = count(args.get(2), "numSecondaries", 0);
        if (!(args.get(3) instanceof Map<?, ?> options)) {
            throw invalid("the fourth argument must be a map {remote: 'upstreamDatabase', addresses: ['host:6000', ...]}");
        }
        for (Object key : options.keySet()) {
            if (!"remote".equals(key) && !"addresses".equals(key)) {
                throw invalid("unknown option '" + key + "'; expected remote and addresses");
            }
        }
        String remote = databaseName(options.get("remote"), "remote");
        if (SystemState.SYSTEM.equals(remote)) {
            throw invalid("the system database (users, roles, the cluster's own metadata) is never replicated; replicate user databases");
        }
        List<String> addresses = addresses(options.get("addresses"));
        if (server.systemState().databases().containsKey(name) || SystemState.SYSTEM.equals(name)) {
            throw new GraphException("Neo.ClientError.Database.ExistingDatabaseFound", "Failed to create the specified database '" + name
                    + "': Database already exists.");
        }
        UpstreamProbe.Found upstream = UpstreamProbe.check(server.clusterClient(), remote, addresses.stream().map(HostPort::parse).toList());
        // the replica continues the upstream's history, so its elements keep the upstream's element ids
        SystemResult r = server.proposeSystem(new SystemCommand.CreateReplicaDatabase(name, UUID.randomUUID().toString(), primaries,
                secondaries, new DatabaseInfo.Upstream(remote, addresses, false), System.currentTimeMillis(), upstream.lineageId()));
        if (!r.ok()) {
            throw new GraphException(r.statusCode(), r.message());
        }
        return List.of();
    }

    static GraphException invalid(String why) {
        return new GraphException("Neo.ClientError.General.InvalidArguments", NAME + ": " + why);
    }

    static String databaseName(Object value, String argument) {
        if (!(value instanceof String s) || !DATABASE_NAME.matcher(s.toLowerCase(Locale.ROOT)).matches()) {
            throw invalid(argument + " must be a database name (3 to 63 characters: letters, digits, dots and dashes, starting with a "
                    + "letter), got " + value);
        }
        return s.toLowerCase(Locale.ROOT);
    }

    static int count(Object value, String argument, int min) {
        if (!(value instanceof Long n) || n < min || n > 64) {
            throw invalid(argument + " must be an integer between " + min + " and 64, got " + value);
        }
        return n.intValue();
    }

    private static List<String> addresses(Object value) {
        if (!(value instanceof List<?> list) || list.isEmpty()) {
            throw invalid("addresses must be a non-empty list of 'host:port' strings (the upstream servers' "
                    + "server.cluster.advertised_address values)");
        }
        List<String> out = new ArrayList<>();
        for (Object o : list) {
            if (!(o instanceof String s)) {
                throw invalid("addresses must hold 'host:port' strings, got " + o);
            }
            try {
                out.add(HostPort.parse(s, "", 6000).toString());
            } catch (RuntimeException e) {
                throw invalid("bad address '" + s + "': " + e.getMessage());
            }
        }
        return out;
    }
}
