package io.ccdr.node.bolt;

import java.util.List;

/**
 * A routing table as returned by ROUTE: {@code {ttl, db, servers: [{addresses, role}]}}.
 *
 * @param ttlSeconds how long drivers may cache it
 * @param database   the database it is for (the resolved home database when the request had none)
 * @param servers    one entry per role, addresses as {@code host:port}
 */
public record RoutingTable(long ttlSeconds, String database, List<Server> servers) {
    public RoutingTable {
        servers = List.copyOf(servers);
        if (ttlSeconds < 0) {
            throw new IllegalArgumentException("ttl must not be negative");
        }
    }

    public enum Role { WRITE, READ, ROUTE }

    /** A group of servers with the same role. */
    public record Server(List<String> addresses, Role role) {
        public Server {
            addresses = List.copyOf(addresses);
            if (role == null) {
                throw new IllegalArgumentException("role is required");
            }
        }
    }
}
