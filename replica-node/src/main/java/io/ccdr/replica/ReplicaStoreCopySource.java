package io.ccdr.replica;

import io.ccdr.node.CcdrServer;
import io.ccdr.node.config.HostPort;
import io.ccdr.node.raft.DatabaseStateMachine;
import io.ccdr.node.store.GraphStore;
import io.ccdr.node.stream.StoreCopyClient;
import io.ccdr.node.system.DatabaseInfo;
import io.ccdr.node.system.ServerInfo;
import io.ccdr.node.tx.ChainHash;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

/**
 * Where a replica member that is behind a baseline gets its store copy: first from the other
 * members of its own group (same cluster, usually closer), then from the upstream. A copy is
 * accepted only at or past the baseline, and at the baseline only with its chain hash.
 */
final class ReplicaStoreCopySource implements DatabaseStateMachine.BaselineSource {
    private final CcdrServer server;

    ReplicaStoreCopySource(CcdrServer server) {
        this.server = server;
    }

    @Override
    public Path fetch(String database, long txId, byte[] chainHash) throws IOException {
        DatabaseInfo info = server.systemState().databases().get(database);
        if (info == null) {
            throw new IOException("database " + database + " is not in the system database any more");
        }
        record Source(HostPort address, String database) {
        }
        List<Source> sources = new ArrayList<>();
        for (String id : info.primaryServers()) {
            ServerInfo s = server.systemState().servers().get(id);
            if (s != null && !id.equals(server.serverId())) {
                sources.add(new Source(HostPort.parse(s.clusterAddress()), database));
            }
        }
        if (info.upstream() != null) {
            info.upstream().addresses().forEach(a -> sources.add(new Source(HostPort.parse(a), info.upstream().database())));
        }
        List<String> failures = new ArrayList<>();
        for (Source source : sources) {
            Path staging = server.dataDirectory().resolve("databases").resolve(database).resolve("staging").resolve(UUID.randomUUID().toString());
            try {
                StoreCopyClient.Result r = new StoreCopyClient(List.of(source.address()), server.clusterTls(), Duration.ofSeconds(30), 2)
                        .copy(source.database(), staging, (done, total) -> { });
                if (r.txId() > txId || (r.txId() == txId && Arrays.equals(r.chainHash(), chainHash))) {
                    return staging;
                }
                failures.add(source.address() + " is at txId " + r.txId() + " (" + ChainHash.hex(r.chainHash()) + ")");
            } catch (IOException e) {
                failures.add(source.address() + ": " + e.getMessage());
            }
            GraphStore.deleteRecursively(staging);
        }
        throw new IOException("no store copy of '" + database + "' at or past txId " + txId + " available: " + String.join("; ", failures));
    }
}
