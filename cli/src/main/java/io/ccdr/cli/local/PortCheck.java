package io.ccdr.cli.local;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks that sandbox ports can be bound on loopback before any server starts, so a busy port is
 * reported by name instead of surfacing as one server that never becomes ready.
 */
public final class PortCheck {
    private PortCheck() {
    }

    /** True if {@code port} can be bound on {@value SandboxServer#HOST} right now. */
    public static boolean isFree(int port) {
        try (ServerSocket s = new ServerSocket()) {
            // Same SO_REUSEADDR behaviour as the servers' listeners, so TIME_WAIT leftovers of a
            // killed server do not count as busy.
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getByName(SandboxServer.HOST), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Throws naming the first port of {@code server} that is in use. */
    public static void requireFree(SandboxServer server) {
        int[] ports = {server.boltPort(), server.clusterPort(), server.raftPort(), server.metricsPort()};
        String[] roles = {"bolt", "cluster", "raft", "metrics"};
        for (int i = 0; i < ports.length; i++) {
            if (!isFree(ports[i])) {
                throw new SandboxException("port " + ports[i] + " (" + roles[i] + " port of " + server.name() + ") is already in use on "
                        + SandboxServer.HOST + "; stop whatever holds it or choose another --base-port");
            }
        }
    }

    /**
     * The lowest base port in {@code [from, to)}, stepping by 100, at which every port of
     * {@code layout}'s servers is free. Ports below the kernel's ephemeral range (32768 on Linux)
     * are the safe choice: nothing else is handed them implicitly between this check and the bind.
     */
    public static int findFreeBasePort(SandboxLayout layout, int from, int to) {
        for (int base = from; base < to; base += 100) {
            SandboxLayout candidate;
            try {
                candidate = layout.withBasePort(base);
            } catch (SandboxException e) {
                break; // past the top of the port range
            }
            if (allFree(candidate)) {
                return base;
            }
        }
        throw new SandboxException("no free block of sandbox ports between " + from + " and " + to);
    }

    private static boolean allFree(SandboxLayout layout) {
        List<Integer> ports = new ArrayList<>();
        for (SandboxServer s : layout.servers()) {
            ports.addAll(List.of(s.boltPort(), s.clusterPort(), s.raftPort(), s.metricsPort()));
        }
        return ports.stream().allMatch(PortCheck::isFree);
    }
}
