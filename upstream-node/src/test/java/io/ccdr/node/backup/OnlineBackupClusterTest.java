package io.ccdr.node.backup;

import io.ccdr.node.config.HostPort;
import io.ccdr.node.dbms.Database;
import io.ccdr.node.embedded.EmbeddedCluster;
import io.ccdr.node.store.GraphStore;
import io.ccdr.node.store.RetentionPolicy;
import io.ccdr.node.stream.CuttingProxy;
import io.ccdr.node.tx.TransactionRecord;
import io.ccdr.tls.CertificateAuthority;
import io.ccdr.tls.SslPolicy;
import io.ccdr.tls.SslPolicyConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import static io.ccdr.node.Eventually.eventually;
import static io.ccdr.node.RootCommands.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Online backup from a real three-server cluster over mutual TLS (each server and the backup client
 * with a certificate from the cluster's CA), then validation and restore of what it wrote.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OnlineBackupClusterTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    static Path dir;

    private static CertificateAuthority ca;
    private static EmbeddedCluster cluster;
    private static SslPolicy client;

    @BeforeAll
    static void startCluster() throws Exception {
        ca = CertificateAuthority.initCa("cluster-a", dir.resolve("ca"));
        cluster = new EmbeddedCluster(dir.resolve("servers"), 3, Map.of());
        for (int i = 0; i < 3; i++) {
            Path policy = dir.resolve("policy" + i);
            ca.issue("server" + i, List.of("127.0.0.1", "localhost"), policy, 30);
            cluster.settings(i).put("dbms.ssl.policy.cluster.enabled", "true");
            cluster.settings(i).put("dbms.ssl.policy.cluster.base_directory", policy.toString());
        }
        cluster.start();
        cluster.awaitLeader("neo4j", WAIT);
        Path backupPolicy = dir.resolve("backup-client");
        ca.issue("backup-client", List.of("127.0.0.1"), backupPolicy, 30);
        client = SslPolicy.load(SslPolicyConfig.forDirectory(SslPolicyConfig.CLUSTER, backupPolicy));
    }

    @AfterAll
    static void stopCluster() {
        if (client != null) {
            client.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    private static List<HostPort> addresses() {
        List<HostPort> a = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            a.add(cluster.server(i).config().clusterAdvertisedAddress());
        }
        return a;
    }

    private static void write(int n, int payloadChars) {
        Random random = new Random(n);
        for (int i = 0; i < n; i++) {
            byte[] bytes = new byte[payloadChars * 3 / 4];
            random.nextBytes(bytes);
            String payload = Base64.getEncoder().encodeToString(bytes);
            cluster.writeToLeader("neo4j", tx -> tx.createNode(Set.of("B"), Map.of("p", payload)), WAIT, new AtomicLong());
        }
    }

    private static Database leaderDb() {
        return cluster.server(cluster.awaitLeader("neo4j", WAIT)).database("neo4j").orElseThrow();
    }

    /** Waits until every member applied what the leader has, and returns the leader's store. */
    private static GraphStore settled() {
        Database leader = leaderDb();
        long txId = leader.lastCommittedTxId();
        for (int i = 0; i < 3; i++) {
            Database m = cluster.server(i).database("neo4j").orElseThrow();
            eventually(WAIT, "member " + i + " at txId " + txId, () -> m.lastCommittedTxId() == txId);
        }
        return leader.store();
    }

    private static OnlineBackup.Outcome backup(Path to, OnlineBackup.Type type, List<HostPort> from, SslPolicy tls) throws BackupException {
        return new OnlineBackup(new OnlineBackup.Options("neo4j", from, to, type, false, tls, Duration.ofSeconds(20)))
                .run((phase, done, total) -> { });
    }

    @Test
    @Order(1)
    void aFullUnderConcurrentWritesThenDiffsValidateAndRestoreExactlyWithTheOriginalChainHash() throws Exception {
        write(50, 100);
        Path to = dir.resolve("backups-1");
        AtomicBoolean stop = new AtomicBoolean();
        CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
            while (!stop.get()) {
                write(1, 50);
            }
        });
        OnlineBackup.Outcome full;
        OnlineBackup.Outcome diff1;
        try {
            full = backup(to, OnlineBackup.Type.AUTO, addresses(), client);
            eventually(WAIT, "writes after the FULL", () -> leaderDb().lastCommittedTxId() > full.header().endTxId() + 20);
            diff1 = backup(to, OnlineBackup.Type.AUTO, addresses(), client);
        } finally {
            stop.set(true);
            writer.get();
        }
        assertThat(full.header().kind()).isEqualTo(BackupHeader.Kind.FULL);
        assertThat(full.header().lineageId()).isEqualTo(leaderDb().lineageId());
        assertThat(full.header().endTxId()).isGreaterThanOrEqualTo(50);
        assertThat(diff1.header().kind()).isEqualTo(BackupHeader.Kind.DIFF);
        assertThat(diff1.header().startTxId()).isEqualTo(full.header().endTxId());
        assertThat(diff1.header().startChainHash()).isEqualTo(full.header().endChainHash());
        write(15, 50);
        GraphStore source = settled();
        OnlineBackup.Outcome diff2 = backup(to, OnlineBackup.Type.DIFF, addresses(), client);
        assertThat(diff2.header().endTxId()).isEqualTo(source.state().lastTxId());
        assertThat(diff2.header().endChainHash()).isEqualTo(source.state().chainHash());

        BackupChains chains = BackupChains.scan(to);
        assertThat(chains.chains()).singleElement().extracting(c -> c.artefacts().size()).isEqualTo(3);
        for (BackupArtefact a : chains.artefacts()) {
            a.read(new BackupArtefact.Visitor() { }); // validate
        }
        try (Stream<Path> files = Files.list(to)) {
            assertThat(files.map(p -> p.getFileName().toString())).allMatch(n -> n.matches("neo4j-.*\\.backup"));
        }

        BackupRestore.Restored all = BackupRestore.restore(chains.restoreChain(), RestoreUntil.END, dir.resolve("restore-all"));
        assertThat(all.txId()).isEqualTo(source.state().lastTxId());
        assertThat(all.chainHash()).isEqualTo(source.state().chainHash());
        assertThat(all.lineageId()).isEqualTo(leaderDb().lineageId());
        try (GraphStore r = GraphStore.open(dir.resolve("restore-all"))) {
            assertThat(r.contentFingerprint()).isEqualTo(source.contentFingerprint());
        }

        // point in time: a txId inside the first DIFF, then the commit time of another one
        long k = full.header().endTxId() + 7;
        TransactionRecord atK = source.transactions(k, 1).get(0);
        BackupRestore.Restored pit = BackupRestore.restore(chains.restoreChain(), RestoreUntil.txId(k), dir.resolve("restore-k"));
        assertThat(pit.txId()).isEqualTo(k);
        assertThat(pit.chainHash()).isEqualTo(atK.chainHash());
        TransactionRecord later = source.transactions(k + 10, 1).get(0);
        BackupRestore.Restored byTime = BackupRestore.restore(chains.restoreChain(),
                RestoreUntil.time(java.time.Instant.ofEpochMilli(later.commitTimeMillis())), dir.resolve("restore-time"));
        assertThat(byTime.txId()).isGreaterThanOrEqualTo(k + 10);
        assertThat(byTime.chainHash()).isEqualTo(source.transactions(byTime.txId(), 1).get(0).chainHash());
        assertThat(source.transactions(byTime.txId() + 1, 1)).allMatch(t -> t.commitTimeMillis() > later.commitTimeMillis());
    }

    @Test
    @Order(2)
    void aFullMovesToAnotherAddressWhenTheMemberServingItGoesAwayMidCopyAndLeavesNoPartialArtefact() throws Exception {
        write(16, 1 << 20); // about 16 MiB of incompressible data: many 1 MiB chunks, more than the client buffers
        GraphStore source = settled();
        int leader = cluster.awaitLeader("neo4j", WAIT);
        int follower = (leader + 1) % 3;
        List<HostPort> others = new ArrayList<>(addresses());
        HostPort followerAddress = others.remove(follower);
        Path to = dir.resolve("backups-2");
        try (CuttingProxy proxy = new CuttingProxy(followerAddress)) {
            List<HostPort> from = new ArrayList<>(List.of(proxy.address()));
            from.addAll(others);
            AtomicBoolean cutDone = new AtomicBoolean();
            AtomicLong cutAt = new AtomicLong();
            AtomicLong partialAtCut = new AtomicLong(-1);
            AtomicBoolean restarted = new AtomicBoolean();
            OnlineBackup.Outcome o = new OnlineBackup(new OnlineBackup.Options("neo4j", from, to, OnlineBackup.Type.FULL, true, client,
                    Duration.ofSeconds(20))).run((phase, done, total) -> {
                        if (!phase.equals("store copy")) {
                            return;
                        }
                        // a few MiB in (the first chunk of the next attempt reports less): several blocks written
                        if (done >= 4 << 20 && done < total && cutDone.compareAndSet(false, true)) {
                            cutAt.set(done);
                            partialAtCut.set(partialBytes(to)); // the chunks so far went straight into the artefact
                            proxy.cut(); // the member being copied from is gone mid-copy
                        } else if (cutDone.get() && done < cutAt.get()) {
                            restarted.set(true);
                        }
                    });
            assertThat(cutDone).as("the link was cut during the copy").isTrue();
            assertThat(partialAtCut.get()).as("bytes in the .partial artefact when the link was cut").isGreaterThan(1L << 20);
            assertThat(restarted).as("the copy started again from its first byte on the next address").isTrue();
            assertThat(o.header().endTxId()).isEqualTo(source.state().lastTxId());
            BackupArtefact.open(o.file()).read(new BackupArtefact.Visitor() { });
            BackupRestore.Restored r = BackupRestore.restore(BackupChains.scan(o.file()).restoreChain(), RestoreUntil.END, dir.resolve("restore-2"));
            assertThat(r.txId()).isEqualTo(source.state().lastTxId());
            assertThat(r.chainHash()).isEqualTo(source.state().chainHash());
            try (GraphStore restored = GraphStore.open(dir.resolve("restore-2"))) {
                assertThat(restored.contentFingerprint()).isEqualTo(source.contentFingerprint());
            }
        }
        try (Stream<Path> files = Files.list(to)) {
            assertThat(files.map(p -> p.getFileName().toString())).singleElement().matches(n -> n.matches("neo4j-.*\\.backup"));
        }
    }

    /** Bytes in the run's temporary artefact, or -1 when there is none. */
    private static long partialBytes(Path to) {
        try (Stream<Path> files = Files.list(to)) {
            return files.filter(p -> p.getFileName().toString().matches("\\.neo4j-.*\\.backup\\.partial")).mapToLong(p -> p.toFile().length())
                    .findFirst().orElse(-1);
        } catch (java.io.IOException e) {
            return -1;
        }
    }

    @Test
    @Order(3)
    void untrustedUnreachableAndUnknownDatabaseFailWithTheirReason() throws Exception {
        Path to = dir.resolve("backups-3");
        CertificateAuthority rogue = CertificateAuthority.initCa("rogue", dir.resolve("rogue-ca"));
        Path roguePolicy = dir.resolve("rogue-policy");
        rogue.issue("intruder", List.of("127.0.0.1"), roguePolicy, 30);
        try (SslPolicy intruder = SslPolicy.load(SslPolicyConfig.forDirectory(SslPolicyConfig.CLUSTER, roguePolicy))) {
            assertThatThrownBy(() -> backup(to, OnlineBackup.Type.AUTO, addresses(), intruder)).isInstanceOf(BackupException.class)
                    .extracting(e -> ((BackupException) e).reason()).isEqualTo(BackupException.Reason.UNTRUSTED);
        }
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        HostPort nobody = new HostPort("127.0.0.1", closedPort);
        assertThatThrownBy(() -> backup(to, OnlineBackup.Type.AUTO, List.of(nobody), client)).isInstanceOf(BackupException.class)
                .hasMessageContaining("cannot reach").extracting(e -> ((BackupException) e).reason()).isEqualTo(BackupException.Reason.UNREACHABLE);
        assertThatThrownBy(() -> new OnlineBackup(new OnlineBackup.Options("nope", addresses(), to, OnlineBackup.Type.AUTO, false, client,
                Duration.ofSeconds(20))).run((p, d, t) -> { })).isInstanceOf(BackupException.class)
                .hasMessageContaining("nope").extracting(e -> ((BackupException) e).reason()).isEqualTo(BackupException.Reason.NO_SUCH_DATABASE);
        assertThatThrownBy(() -> backup(to, OnlineBackup.Type.DIFF, addresses(), client)).isInstanceOf(BackupException.class)
                .hasMessageContaining("take a FULL").extracting(e -> ((BackupException) e).reason()).isEqualTo(BackupException.Reason.NOT_FOUND);
        // what a killed run left (its process is gone) goes; an unreachable address first in the list: the backup uses the others
        Files.createDirectories(to);
        Path leftover = to.resolve(".neo4j-1700000000000-999999999.backup.partial");
        Files.write(leftover, new byte[100]);
        List<HostPort> from = new ArrayList<>(List.of(nobody));
        from.addAll(addresses());
        OnlineBackup.Outcome o = backup(to, OnlineBackup.Type.AUTO, from, client);
        assertThat(o.header().kind()).isEqualTo(BackupHeader.Kind.FULL);
        assertThat(Files.exists(o.file())).isTrue();
        assertThat(leftover).doesNotExist();
        assertThat(OnlineBackup.ownerPid(".staging-42-abc")).isEqualTo(42);
        assertThat(OnlineBackup.ownerPid("neo4j-2026-12-03T10-00-00.backup")).isEqualTo(-1);
    }

    @Test
    @Order(4)
    void aDiffBehindRetentionSaysSoAndAutoFallsBackToFull() throws Exception {
        Path to = dir.resolve("backups-4");
        backup(to, OnlineBackup.Type.FULL, addresses(), client);
        write(30, 50);
        settled();
        for (int i = 0; i < 3; i++) {
            cluster.server(i).database("neo4j").orElseThrow().store().pruneTransactionLog(RetentionPolicy.parse("5 txs"), System.currentTimeMillis());
        }
        assertThatThrownBy(() -> backup(to, OnlineBackup.Type.DIFF, addresses(), client)).isInstanceOf(BackupException.class)
                .hasMessageContaining("behind retention").extracting(e -> ((BackupException) e).reason())
                .isEqualTo(BackupException.Reason.BEHIND_RETENTION);
        OnlineBackup.Outcome auto = backup(to, OnlineBackup.Type.AUTO, addresses(), client);
        assertThat(auto.header().kind()).isEqualTo(BackupHeader.Kind.FULL);
        assertThat(auto.notes()).anyMatch(n -> n.contains("behind retention") && n.contains("FULL"));
        assertThat(BackupChains.scan(to).chains()).hasSize(2);
    }

    @Test
    @Order(5)
    void aFullDiskOnTheTargetFailsWithItsReasonRemovesTheRunsFilesAndLeavesTheChainUsable() throws Exception {
        Path to = dir.resolve("backups-5");
        Files.createDirectories(to);
        Assumptions.assumeTrue(run("mount", "-t", "tmpfs", "-o", "size=256m", "tmpfs", to.toString()),
                "needs root to mount a size-limited tmpfs as the backup target");
        try {
            OnlineBackup.Outcome first = backup(to, OnlineBackup.Type.FULL, addresses(), client);
            long artefact = Files.size(first.file());
            // room for half a store more: the next FULL's store copy cannot fit
            long used = Files.getFileStore(to).getTotalSpace() - Files.getFileStore(to).getUsableSpace();
            assertThat(run("mount", "-o", "remount,size=" + (used + artefact / 2), to.toString())).isTrue();

            assertThatThrownBy(() -> backup(to, OnlineBackup.Type.FULL, addresses(), client)).isInstanceOf(BackupException.class)
                    .hasMessageContaining("cannot write the backup into " + to).hasMessageContaining("previous artefacts are untouched")
                    .extracting(e -> ((BackupException) e).reason()).isEqualTo(BackupException.Reason.IO);
            try (Stream<Path> files = Files.list(to)) {
                assertThat(files).as("nothing of the failed run is left").containsExactly(first.file());
            }

            write(5, 50);
            GraphStore source = settled();
            OnlineBackup.Outcome next = backup(to, OnlineBackup.Type.AUTO, addresses(), client);
            assertThat(next.header().kind()).as("the chain continues").isEqualTo(BackupHeader.Kind.DIFF);
            assertThat(next.header().startTxId()).isEqualTo(first.header().endTxId());
            BackupRestore.Restored r = BackupRestore.restore(BackupChains.scan(to).restoreChain(), RestoreUntil.END, dir.resolve("restore-5"));
            assertThat(r.txId()).isEqualTo(source.state().lastTxId());
            assertThat(r.chainHash()).isEqualTo(source.state().chainHash());
        } finally {
            run("umount", "-l", to.toString());
        }
    }

}
