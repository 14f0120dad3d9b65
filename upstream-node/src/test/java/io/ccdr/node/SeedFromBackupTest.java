package io.ccdr.node;

import io.ccdr.node.backup.BackupException;
import io.ccdr.node.backup.OnlineBackup;
import io.ccdr.node.config.HostPort;
import io.ccdr.node.dbms.Database;
import io.ccdr.node.embedded.EmbeddedCluster;
import io.ccdr.node.security.InitialPassword;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.neo4j.driver.AuthTokens;
import org.neo4j.driver.Driver;
import org.neo4j.driver.GraphDatabase;
import org.neo4j.driver.Record;
import org.neo4j.driver.Session;
import org.neo4j.driver.SessionConfig;
import org.neo4j.driver.exceptions.Neo4jException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * Restore into a live cluster, Neo4j 5's way: {@code CREATE DATABASE … OPTIONS {seedURI,
 * seedRestoreUntil}}. The story: an application writes, a FULL backup is taken, it writes more,
 * then a bad write deletes everything and a DIFF captures that too. The operator seeds a new
 * database from the chain, stopping just before the bad write: every member holds exactly the
 * content and chain hash the original had at that txId, and the restored database takes writes.
 * A seed that is missing or damaged fails the command and leaves no database behind.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SeedFromBackupTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String PASSWORD = "seed-pass";

    @TempDir
    static Path dir;

    private static EmbeddedCluster cluster;
    private static Driver driver;
    private static Path backups;
    /** The original's position just before the bad write. */
    private static long beforeBadWrite;
    private static String hashBeforeBadWrite;

    @BeforeAll
    static void startClusterAndTakeABackupChain() throws Exception {
        cluster = new EmbeddedCluster(dir.resolve("servers"), 3, Map.of());
        for (int i = 0; i < 3; i++) {
            InitialPassword.write(Path.of(cluster.settings(i).get("server.directories.data")), PASSWORD);
        }
        cluster.start();
        int leader = cluster.awaitLeader("neo4j", WAIT);
        driver = GraphDatabase.driver("neo4j://127.0.0.1:" + cluster.server(leader).boltPort(), AuthTokens.basic("neo4j", PASSWORD));
        backups = dir.resolve("backups");

        writeItems(0, 20);
        backup(OnlineBackup.Type.FULL);
        writeItems(20, 25);
        ClusterInvariants.assertConverged(cluster, "neo4j", WAIT);
        Database original = cluster.server(0).database("neo4j").orElseThrow();
        beforeBadWrite = original.lastCommittedTxId();
        hashBeforeBadWrite = original.chainHashHex();
        try (Session s = driver.session(SessionConfig.forDatabase("neo4j"))) {
            s.executeWrite(tx -> tx.run("MATCH (n:Item) DETACH DELETE n").consume());
        }
        ClusterInvariants.assertConverged(cluster, "neo4j", WAIT);
        backup(OnlineBackup.Type.DIFF);
    }

    @AfterAll
    static void stop() {
        if (driver != null) {
            driver.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    @Order(1)
    void aSeedRestoredUntilATxIdHoldsExactlyTheOriginalHistoryUpToItOnEveryMemberAndTakesWrites() {
        system("CREATE DATABASE restored OPTIONS {seedURI: $uri, seedRestoreUntil: $until} WAIT",
                Map.of("uri", backups.toUri().toString(), "until", beforeBadWrite));

        ClusterInvariants.assertConverged(cluster, "restored", WAIT);
        for (int i = 0; i < 3; i++) {
            Database m = cluster.server(i).database("restored").orElseThrow();
            assertThat(m.lastCommittedTxId()).as("member %d position", i).isEqualTo(beforeBadWrite);
            assertThat(m.chainHashHex()).as("member %d chain hash", i).isEqualTo(hashBeforeBadWrite);
        }
        assertThat(items("restored")).as("everything written before the bad write, nothing after").hasSize(25);

        Record row = system("SHOW DATABASE restored YIELD name, options, seededAtTxId", Map.of()).get(0);
        assertThat(row.get("seededAtTxId").asLong()).isEqualTo(beforeBadWrite);
        assertThat(row.get("options").get("seedURI").asString()).isEqualTo(backups.toUri().toString());

        try (Session s = driver.session(SessionConfig.forDatabase("restored"))) {
            s.executeWrite(tx -> tx.run("CREATE (:Item {i: 100})").consume());
        }
        ClusterInvariants.assertConverged(cluster, "restored", WAIT);
        assertThat(cluster.server(0).database("restored").orElseThrow().lastCommittedTxId())
                .as("the restored history continues gap-free").isEqualTo(beforeBadWrite + 1);
        assertThat(items("restored")).hasSize(26);
    }

    @Test
    @Order(2)
    void aWholeChainRestoresToItsEndIncludingTheBadWrite() {
        system("CREATE DATABASE whole OPTIONS {seedURI: $uri} WAIT", Map.of("uri", backups.toUri().toString()));
        ClusterInvariants.assertConverged(cluster, "whole", WAIT);
        Database original = cluster.server(0).database("neo4j").orElseThrow();
        assertThat(cluster.server(0).database("whole").orElseThrow().chainHashHex()).isEqualTo(original.chainHashHex());
        assertThat(items("whole")).isEmpty();
    }

    @Test
    @Order(3)
    void aSeedRestoredUntilADatetimeHoldsEverythingCommittedAtOrBeforeItAndNothingAfter() {
        var log = cluster.server(0).database("neo4j").orElseThrow().store().transactions(beforeBadWrite, 2);
        long untilMillis = log.get(0).commitTimeMillis();
        java.time.ZonedDateTime until = java.time.Instant.ofEpochMilli(untilMillis).atZone(java.time.ZoneOffset.UTC);
        // commit times have millisecond resolution: the bad write belongs in the restore only if it committed in the same millisecond
        long expected = log.get(1).commitTimeMillis() > untilMillis ? beforeBadWrite : beforeBadWrite + 1;

        system("CREATE DATABASE bytime OPTIONS {seedURI: $uri, seedRestoreUntil: $until} WAIT",
                Map.of("uri", backups.toUri().toString(), "until", until));
        ClusterInvariants.assertConverged(cluster, "bytime", WAIT);
        assertThat(cluster.server(0).database("bytime").orElseThrow().lastCommittedTxId()).isEqualTo(expected);
        assertThat(items("bytime")).hasSize(expected == beforeBadWrite ? 25 : 0);
    }

    @Test
    @Order(4)
    void aMissingSeedFailsTheCreationAndLeavesNoDatabase() {
        Neo4jException e = catchThrowableOfType(() -> system("CREATE DATABASE nothing OPTIONS {seedURI: $uri}",
                Map.of("uri", dir.resolve("no-such-backups").toUri().toString())), Neo4jException.class);
        assertThat(e).isNotNull();
        assertThat(e.code()).isEqualTo("Neo.DatabaseError.Database.UnableToStartDatabase");
        assertThat(e.getMessage()).contains("no-such-backups");
        assertThat(system("SHOW DATABASE nothing", Map.of())).isEmpty();
    }

    @Test
    @Order(5)
    void aDamagedSeedIsRefusedNamingTheArtefactAndLeavesNoDatabase() throws IOException {
        Path damaged = dir.resolve("damaged");
        Files.createDirectories(damaged);
        Path full;
        try (Stream<Path> files = Files.list(backups)) {
            full = files.filter(p -> p.getFileName().toString().endsWith(".backup")).sorted().findFirst().orElseThrow();
        }
        Path copy = damaged.resolve(full.getFileName());
        Files.copy(full, copy);
        try (var ch = Files.newByteChannel(copy, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long at = ch.size() / 2;
            var b = java.nio.ByteBuffer.allocate(1);
            ch.position(at).read(b);
            b.flip();
            b.put(0, (byte) (b.get(0) ^ 0x5a));
            ch.position(at).write(b);
        }
        Neo4jException e = catchThrowableOfType(() -> system("CREATE DATABASE broken OPTIONS {seedURI: $uri}",
                Map.of("uri", damaged.toUri().toString())), Neo4jException.class);
        assertThat(e).isNotNull();
        assertThat(e.code()).isEqualTo("Neo.DatabaseError.Database.UnableToStartDatabase");
        assertThat(e.getMessage()).contains(full.getFileName().toString());
        assertThat(system("SHOW DATABASE broken", Map.of())).isEmpty();
    }

    @Test
    @Order(6)
    void anUnknownOptionIsAnArgumentError() {
        Neo4jException e = catchThrowableOfType(() -> system("CREATE DATABASE odd OPTIONS {seedUri: 'file:///x/'}", Map.of()),
                Neo4jException.class);
        assertThat(e).isNotNull();
        assertThat(e.code()).isEqualTo("Neo.ClientError.Statement.ArgumentError");
        assertThat(system("SHOW DATABASE odd", Map.of())).isEmpty();
    }

    @Test
    @Order(7)
    void storesRestoredOfflineOnEveryServerAreUsedAsTheyAreWithExistingData() throws Exception {
        for (int i = 0; i < 3; i++) {
            restoreOffline(i, "offline");
        }
        system("CREATE DATABASE offline OPTIONS {existingData: 'use'} WAIT", Map.of());
        ClusterInvariants.assertConverged(cluster, "offline", WAIT);
        assertThat(cluster.server(0).database("offline").orElseThrow().chainHashHex())
                .isEqualTo(cluster.server(0).database("neo4j").orElseThrow().chainHashHex());
        try (Session s = driver.session(SessionConfig.forDatabase("offline"))) {
            s.executeWrite(tx -> tx.run("CREATE (:Item {i: 200})").consume());
        }
        ClusterInvariants.assertConverged(cluster, "offline", WAIT);
        assertThat(items("offline")).containsExactly(200L);
    }

    @Test
    @Order(8)
    void existingDataRestoredOnOnlySomeServersFailsTheCreationAndLeavesNoDatabase() throws Exception {
        restoreOffline(0, "partial");
        restoreOffline(1, "partial");
        Neo4jException e = catchThrowableOfType(() -> system("CREATE DATABASE partial OPTIONS {existingData: 'use'}", Map.of()),
                Neo4jException.class);
        assertThat(e).isNotNull();
        assertThat(e.code()).isEqualTo("Neo.DatabaseError.Database.UnableToStartDatabase");
        assertThat(e.getMessage()).contains("different stores").contains("The database was dropped again");
        assertThat(system("SHOW DATABASE partial", Map.of())).isEmpty();
    }

    /** What {@code ccdr admin database restore} does on server {@code i}: the whole chain into where it keeps {@code name}. */
    private static void restoreOffline(int i, String name) throws Exception {
        Path store = io.ccdr.node.dbms.DatabaseManager.storeDirectory(cluster.server(i).config().dataDirectory(), name);
        Files.createDirectories(store.getParent());
        io.ccdr.node.backup.BackupSeed.install(backups, io.ccdr.node.backup.RestoreUntil.END, store);
    }

    private static void writeItems(int from, int to) {
        try (Session s = driver.session(SessionConfig.forDatabase("neo4j"))) {
            for (int i = from; i < to; i++) {
                int id = i;
                s.executeWrite(tx -> tx.run("CREATE (:Item {i: $i})", Map.of("i", id)).consume());
            }
        }
    }

    private static List<Long> items(String database) {
        try (Session s = driver.session(SessionConfig.forDatabase(database))) {
            return s.executeWrite(tx -> tx.run("MATCH (n:Item) RETURN n.i AS i ORDER BY i").list(r -> r.get("i").asLong()));
        }
    }

    private static List<Record> system(String query, Map<String, Object> params) {
        try (Session s = driver.session(SessionConfig.builder().withDatabase("system")
                .withBookmarkManager(driver.executableQueryBookmarkManager()).build())) {
            return s.run(query, params).list();
        }
    }

    private static void backup(OnlineBackup.Type type) throws BackupException {
        List<HostPort> from = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            from.add(cluster.server(i).config().clusterAdvertisedAddress());
        }
        new OnlineBackup(new OnlineBackup.Options("neo4j", from, backups, type, false, null, Duration.ofSeconds(20)))
                .run((phase, done, total) -> { });
    }
}
