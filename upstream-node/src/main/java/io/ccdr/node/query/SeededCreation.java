package io.ccdr.node.query;

import io.ccdr.node.CcdrServer;
import io.ccdr.node.backup.BackupException;
import io.ccdr.node.backup.BackupRestore;
import io.ccdr.node.backup.BackupSeed;
import io.ccdr.node.backup.RestoreUntil;
import io.ccdr.node.cypher.AdminCommand;
import io.ccdr.node.graph.GraphException;
import io.ccdr.node.system.DatabaseInfo;
import io.ccdr.node.system.ServerInfo;
import io.ccdr.node.system.SystemCommand;
import io.ccdr.node.tx.ChainHash;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.TemporalAccessor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * {@code CREATE DATABASE … OPTIONS {seedURI: …, seedRestoreUntil: …}}: the seed is checked here
 * before anything is recorded (a missing, damaged or mixed seed fails the command and creates
 * nothing), then every hosting server restores it itself before its member starts
 * ({@code DatabaseManager}), and the command returns once all of them serve it. If one of them
 * cannot, the database is dropped again and the command fails: nothing half-made stays.
 */
final class SeededCreation {
    /** Neo4j reports a seed that cannot be used as a database that cannot start. */
    static final String UNABLE_TO_START = "Neo.DatabaseError.Database.UnableToStartDatabase";
    private static final String ARGUMENT_ERROR = "Neo.ClientError.Statement.ArgumentError";
    private static final Set<String> KNOWN = Set.of("existingData", "seedURI", "seedRestoreUntil");
    static final Duration DEFAULT_WAIT = Duration.ofSeconds(120);

    /** A checked seed: what to record, and the history the database continues. */
    record Checked(DatabaseInfo.Seed seed, String lineageId) {
    }

    private SeededCreation() {
    }

    /** The seed the options ask for, checked; empty when they name none. */
    static Optional<Checked> check(String name, Map<String, AdminCommand.OptionValue> options, Map<String, Object> params) {
        for (String key : options.keySet()) {
            if (!KNOWN.contains(key)) {
                throw argument(name, "unrecognised option '" + key + "'; ccdr takes 'seedURI', 'seedRestoreUntil' and 'existingData'");
            }
        }
        Object existingData = value(options, "existingData", params);
        if (existingData != null && !"use".equals(existingData)) {
            throw argument(name, "option 'existingData' takes only 'use', got " + existingData);
        }
        Object uri = value(options, "seedURI", params);
        Object until = value(options, "seedRestoreUntil", params);
        if (uri == null) {
            if (until != null) {
                throw argument(name, "'seedRestoreUntil' needs a 'seedURI' to restore from");
            }
            return Optional.empty();
        }
        if (!(uri instanceof String text)) {
            throw argument(name, "'seedURI' must be a string, got " + uri);
        }
        RestoreUntil stop;
        Path location;
        try {
            stop = restoreUntil(until);
            location = BackupSeed.location(text);
        } catch (IllegalArgumentException e) {
            throw argument(name, e.getMessage());
        }
        try {
            BackupRestore.Restored r = BackupSeed.check(location, stop);
            return Optional.of(new Checked(new DatabaseInfo.Seed(text, stop.txId(), stop.commitMillis(), r.txId(), ChainHash.hex(r.chainHash())),
                    r.lineageId()));
        } catch (BackupException e) {
            throw new GraphException(UNABLE_TO_START, "Failed to create the specified database '" + name + "': cannot seed it from "
                    + text + ": " + e.getMessage());
        }
    }

    private static Object value(Map<String, AdminCommand.OptionValue> options, String key, Map<String, Object> params) {
        AdminCommand.OptionValue v = options.get(key);
        return v == null ? null : v.resolve(params);
    }

    private static RestoreUntil restoreUntil(Object until) {
        if (until == null) {
            return RestoreUntil.END;
        }
        if (until instanceof Long || until instanceof Integer) {
            return RestoreUntil.txId(((Number) until).longValue());
        }
        if (until instanceof String s) {
            return RestoreUntil.parse(s);
        }
        if (until instanceof TemporalAccessor t && t.isSupported(java.time.temporal.ChronoField.OFFSET_SECONDS)) {
            return RestoreUntil.time(Instant.from(t));
        }
        throw new IllegalArgumentException("'seedRestoreUntil' takes a txId (an integer) or a datetime('…') with a time zone, got " + until);
    }

    /**
     * Waits until every server hosting {@code name} serves it at the seed's txId or later; drops the
     * database and fails when one of them reports that it could not seed it, or when {@code timeout}
     * passes first.
     */
    static void awaitSeeded(CcdrServer server, String name, DatabaseInfo.Seed seed, Duration timeout) {
        awaitMembers(server, name, timeout, "restoring the seed", "; for a larger seed give more time with WAIT <seconds>",
                (d, hosting, status) -> {
                    for (String id : hosting) {
                        String why = d.failedMembers().get(id);
                        if (why != null) {
                            throw dropAndFail(server, name, "server " + id + " could not restore the seed: " + why);
                        }
                    }
                    return hosting.stream().filter(id -> status.of(id, name)
                            .map(n -> n.path("lastCommittedTxId").asLong(-1) < seed.txId()).orElse(true)).toList();
                });
    }

    /** {@code existingData: 'use'}: the servers open stores restored offline ({@code ccdr admin database restore}). */
    static boolean usesExistingData(Map<String, AdminCommand.OptionValue> options, Map<String, Object> params) {
        return "use".equals(value(options, "existingData", params));
    }

    /**
     * For {@code existingData: 'use'}: waits until every hosting server reports the position of the
     * store it opened, and drops the database and fails unless all hold the same txId and chain
     * hash. Members that start from different stores would apply the same entries to different
     * histories; this is where a server restored from another backup, or not restored at all, shows.
     */
    static void awaitSameExistingData(CcdrServer server, String name, Duration timeout) {
        awaitMembers(server, name, timeout, "opening their stores", "", (d, hosting, status) -> {
            Map<String, String> positions = new LinkedHashMap<>();
            for (String id : hosting) {
                status.of(id, name).filter(n -> n.hasNonNull("chainHash"))
                        .ifPresent(n -> positions.put(id, "txId " + n.path("lastCommittedTxId").asLong() + " (" + n.path("chainHash").asText() + ")"));
            }
            List<String> waitingFor = hosting.stream().filter(id -> !positions.containsKey(id)).toList();
            if (waitingFor.isEmpty() && new java.util.HashSet<>(positions.values()).size() > 1) {
                StringBuilder each = new StringBuilder();
                positions.forEach((id, at) -> each.append(each.length() == 0 ? "" : ", ").append(id).append(" at ").append(at));
                throw dropAndFail(server, name, "its servers opened different stores (" + each + "); restore the same backup on "
                        + "every server with ccdr admin database restore, or seed it online with OPTIONS {seedURI: …}");
            }
            return waitingFor;
        });
    }

    /** One look at the servers hosting a database being created: the ids still waited for (none: done); throws to fail. */
    @FunctionalInterface
    private interface MembersCheck {
        List<String> waitingFor(DatabaseInfo d, List<String> hosting, ClusterStatus status);
    }

    /** Polls {@code check} until it waits for no server; drops the database and fails when {@code timeout} passes first. */
    private static void awaitMembers(CcdrServer server, String name, Duration timeout, String doing, String timeoutHint, MembersCheck check) {
        long end = System.nanoTime() + timeout.toNanos();
        List<String> waitingFor = List.of();
        while (System.nanoTime() < end) {
            var state = server.systemState();
            DatabaseInfo d = state.databases().get(name);
            if (d == null) {
                throw new GraphException(UNABLE_TO_START, "Failed to create the specified database '" + name + "': it was dropped while "
                        + "its servers were " + doing);
            }
            List<String> hosting = new ArrayList<>(d.primaryServers());
            hosting.addAll(d.secondaryServers());
            List<ServerInfo> servers = hosting.stream().map(id -> state.servers().get(id)).filter(Objects::nonNull).toList();
            waitingFor = check.waitingFor(d, hosting, ClusterStatus.gather(server, servers));
            if (waitingFor.isEmpty()) {
                return;
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw dropAndFail(server, name, "interrupted while its servers were " + doing);
            }
        }
        throw dropAndFail(server, name, "server(s) " + String.join(", ", waitingFor) + " were still " + doing + " after "
                + timeout.toSeconds() + " s" + timeoutHint);
    }

    private static GraphException dropAndFail(CcdrServer server, String name, String why) {
        var dropped = server.proposeSystem(new SystemCommand.DropDatabase(name, true));
        return new GraphException(UNABLE_TO_START, "Failed to create the specified database '" + name + "': " + why + ". "
                + (dropped.ok() ? "The database was dropped again." : "Dropping it again failed too (" + dropped.message()
                + "); drop it with DROP DATABASE " + name + "."));
    }

    /** The {@code options} column of SHOW DATABASES: the creation options that are still true of the database. */
    static Map<String, Object> optionsColumn(DatabaseInfo d) {
        Map<String, Object> options = new LinkedHashMap<>();
        DatabaseInfo.Seed seed = d.seed();
        if (seed != null) {
            options.put("seedURI", seed.uri());
            if (seed.untilTxId() != Long.MAX_VALUE) {
                options.put("seedRestoreUntil", seed.untilTxId());
            } else if (seed.untilCommitMillis() != Long.MAX_VALUE) {
                options.put("seedRestoreUntil", Instant.ofEpochMilli(seed.untilCommitMillis()).atZone(ZoneOffset.UTC));
            }
        }
        return options;
    }

    private static GraphException argument(String name, String why) {
        return new GraphException(ARGUMENT_ERROR, "Failed to create the specified database '" + name + "': " + why);
    }
}
