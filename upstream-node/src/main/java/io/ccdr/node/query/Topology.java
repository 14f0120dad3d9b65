package io.ccdr.node.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ccdr.node.CcdrServer;
import io.ccdr.node.bolt.RoutingTable;
import io.ccdr.node.config.HostPort;
import io.ccdr.node.dbms.ClusterErrors;
import io.ccdr.node.dbms.Database;
import io.ccdr.node.stream.Frame;
import io.ccdr.node.system.DatabaseInfo;
import io.ccdr.node.system.ServerInfo;
import io.ccdr.node.system.SystemState;
import org.apache.ratis.protocol.RaftPeerId;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Who leads what, and the routing tables drivers get from it. WRITE is the Raft leader of the
 * database (empty while there is none, or when the database is read-only); READ are the other
 * members (primaries only if {@code dbms.routing.reads_on_primaries_enabled}, the leader only when
 * nobody else can read); ROUTE are the cluster's servers. Always advertised addresses.
 */
final class Topology {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final CcdrServer server;

    Topology(CcdrServer server) {
        this.server = server;
    }

    SystemState.Snapshot state() {
        return server.systemState();
    }

    /** The leader's server id: from the local Raft group when hosted here, else asked of a member. */
    Optional<String> leaderId(String database) {
        if (SystemState.SYSTEM.equals(database)) {
            return server.systemLeaderId();
        }
        Optional<Database> local = server.database(database).filter(d -> !d.isSecondary());
        if (local.isPresent()) {
            return local.get().leader().map(RaftPeerId::toString);
        }
        DatabaseInfo info = state().databases().get(database);
        if (info == null) {
            return Optional.empty();
        }
        for (String id : info.primaryServers()) {
            ServerInfo s = state().servers().get(id);
            if (s == null) {
                continue;
            }
            try {
                Frame reply = server.clusterClient().request(HostPort.parse(s.clusterAddress()), new Frame(Frame.Type.STATUS, new byte[0]),
                        Duration.ofSeconds(1));
                for (JsonNode db : JSON.readTree(reply.payload()).get("databases")) {
                    if (db.get("name").asText().equals(database) && !db.get("leader").isNull()) {
                        return Optional.of(db.get("leader").asText());
                    }
                }
            } catch (IOException | RuntimeException e) {
                // try the next member
            }
        }
        return Optional.empty();
    }

    private String bolt(String serverId) {
        ServerInfo s = state().servers().get(serverId);
        return s == null ? null : s.boltAddress();
    }

    RoutingTable routingTable(String database) {
        SystemState.Snapshot st = state();
        List<String> primaries;
        List<String> secondaries;
        boolean writable;

        if (SystemState.SYSTEM.equals(database)) {
            primaries = server.systemMembers().stream().map(ServerInfo::id).toList();
            secondaries = List.of();
            writable = true;
        } else {
            DatabaseInfo info = st.databases().get(database);
            if (info == null) {
                throw ClusterErrors.notFound(database);
            }
            // members that stopped applying (e.g. a full disk) fall further behind: they neither read nor route
            primaries = info.primaryServers().stream().filter(id -> !info.failedMembers().containsKey(id)).toList();
            secondaries = info.secondaryServers().stream().filter(id -> !info.failedMembers().containsKey(id)).toList();
            writable = "read-write".equals(info.access()) && "standard".equals(info.type());
        }
        Optional<String> leader = leaderId(database).filter(primaries::contains);
        List<RoutingTable.Server> servers = new ArrayList<>();
        if (writable && leader.isPresent() && bolt(leader.get()) != null) {
            servers.add(new RoutingTable.Server(List.of(bolt(leader.get())), RoutingTable.Role.WRITE));
        }
        Set<String> readers = new LinkedHashSet<>();
        if (server.config().readsOnPrimaries()) {
            // a database without a writer (a replica, read-only access) reads on every primary, its leader too
            primaries.stream().filter(id -> !writable || leader.map(l -> !l.equals(id)).orElse(true)).map(this::bolt).forEach(readers::add);
        }
        secondaries.stream().map(this::bolt).forEach(readers::add);
        readers.remove(null);
        if (readers.isEmpty()) {
            leader.map(this::bolt).ifPresent(readers::add);
        }
        servers.add(new RoutingTable.Server(List.copyOf(readers), RoutingTable.Role.READ));
        Set<String> routers = new LinkedHashSet<>();
        primaries.stream().map(this::bolt).forEach(routers::add);
        secondaries.stream().map(this::bolt).forEach(routers::add);
        routers.remove(null);
        servers.add(new RoutingTable.Server(List.copyOf(routers), RoutingTable.Role.ROUTE));
        return new RoutingTable(server.config().routingTtl().toSeconds(), database, servers);
    }
}
