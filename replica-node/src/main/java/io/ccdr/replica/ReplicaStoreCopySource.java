package io.ccdr.replica;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ccdr.node.CcdrServer;
import io.ccdr.node.config.HostPort;
import io.ccdr.node.raft.DatabaseStateMachine;
import io.ccdr.node.store.GraphStore;
import io.ccdr.node.stream.Frame;
import io.ccdr.node.stream.StoreCopyClient;
import io.ccdr.node.system.DatabaseInfo;
import io.ccdr.node.system.ServerInfo;
import io.ccdr.node.tx.ChainHash;
import io.ccdr.node.tx.TransactionRecord;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Where a replica member that is behind a baseline gets its store copy: first from the other
 * members of its own group that have reached the baseline (same cluster, usually closer), then from
 * the upstream. A copy is accepted at the baseline only with its chain hash, and past it only when
 * its transaction log does not record another chain hash at the baseline's txId.
 */
final class ReplicaStoreCopySource implements DatabaseStateMachine.BaselineSource {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration STATUS_TIMEOUT = Duration.ofSeconds(3);
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
            if (source.database().equals(database)) {
                // a member of our own group that has not reached the baseline yet would make a checkpoint
                // for nothing: ask for its position first (cheap), and skip it when it is behind
                long at = statusTxId(source.address(), database);
                if (at < txId) {
                    failures.add(source.address() + (at < 0 ? " does not answer" : " is at txId " + at));
                    continue;
                }
            }
            Path staging = server.dataDirectory().resolve("databases").resolve(database).resolve("staging").resolve(UUID.randomUUID().toString());
            try {
                StoreCopyClient.Result r = new StoreCopyClient(List.of(source.address()), server.clusterTls(), Duration.ofSeconds(30), 2)
                        .copy(source.database(), staging, (done, total) -> { });
                if (r.txId() == txId && Arrays.equals(r.chainHash(), chainHash)) {
                    return staging;
                }
                if (r.txId() > txId) {
                    // past the baseline: it must hold the baseline's history, not merely a higher txId
                    // (an upstream database replaced by another of the same name has higher txIds too)
                    Optional<byte[]> recorded = chainHashAt(staging, txId);
                    if (recorded.isEmpty() || Arrays.equals(recorded.get(), chainHash)) {
                        return staging; // empty: the copy's log no longer reaches back that far; nothing contradicts it
                    }
                    failures.add(source.address() + " has another history: its chain hash at txId " + txId + " is "
                            + ChainHash.hex(recorded.get()) + ", the baseline's " + ChainHash.hex(chainHash));
                } else {
                    failures.add(source.address() + " is at txId " + r.txId() + " (" + ChainHash.hex(r.chainHash()) + ")");
                }
            } catch (IOException | RuntimeException e) {
                failures.add(source.address() + ": " + e.getMessage());
            }
            GraphStore.deleteRecursively(staging);
        }
        throw new IOException("no store copy of '" + database + "' at or past txId " + txId + " available: " + String.join("; ", failures));
    }

    /** The chain hash the copied store's transaction log records at {@code txId}, if it still holds it. */
    private static Optional<byte[]> chainHashAt(Path checkpoint, long txId) {
        try (GraphStore copy = GraphStore.open(checkpoint)) {
            List<TransactionRecord> r = copy.transactions(txId, 1);
            return r.isEmpty() ? Optional.empty() : Optional.of(r.get(0).chainHash());
        }
    }

    /** {@code database}'s last txId on the member at {@code address} (its STATUS answer), or -1 when it does not say. */
    private long statusTxId(HostPort address, String database) {
        try {
            Frame reply = server.clusterClient().request(address, new Frame(Frame.Type.STATUS, new byte[0]), STATUS_TIMEOUT);
            for (JsonNode d : JSON.readTree(reply.payload()).path("databases")) {
                if (database.equals(d.path("name").asText())) {
                    return d.path("lastCommittedTxId").asLong(-1);
                }
            }
        } catch (IOException | RuntimeException e) {
            // unreachable or not answering: not a source now
        }
        return -1;
    }
}
