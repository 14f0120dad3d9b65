package io.ccdr.node.stream;

import io.ccdr.node.config.HostPort;
import io.ccdr.node.embedded.EmbeddedCluster;
import io.ccdr.node.store.ApplyOutcome;
import io.ccdr.node.store.GraphStore;
import io.ccdr.node.store.RetentionPolicy;
import io.ccdr.node.tx.ChainHash;
import io.ccdr.node.tx.ChangeSet;
import io.ccdr.node.tx.ChangeSetCodec;
import io.ccdr.node.tx.TransactionRecord;
import io.ccdr.tls.CertificateAuthority;
import io.ccdr.tls.SslPolicy;
import io.ccdr.tls.SslPolicyConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.LongStream;

import static io.ccdr.node.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The transaction stream against a real cluster-port server serving a real store (no Raft: the
 * test applies change sets itself, so it controls exactly what is committed and when).
 */
class TransactionStreamTest {
    private static final Duration WAIT = Duration.ofSeconds(15);

    @TempDir
    Path dir;

    private GraphStore store;
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private long raftIndex;

    @BeforeEach
    void openStore() {
        store = GraphStore.open(dir.resolve("store"));
    }

    @AfterEach
    void closeAll() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
        store.close();
    }

    private <T extends AutoCloseable> T closeLater(T c) {
        closeables.add(c);
        return c;
    }

    /** Commits one transaction creating a node with a {@code payloadBytes} string property. */
    private TransactionRecord commit(int payloadBytes) {
        long id = store.state().nextNodeId();
        ChangeSet cs = new ChangeSet(store.state().lastTxId(), System.currentTimeMillis(),
                List.of(new ChangeSet.CreateNode(id, Set.of("T"), Map.of("p", "x".repeat(payloadBytes)))));
        ApplyOutcome o = store.apply(1, ++raftIndex, ChangeSetCodec.encode(cs));
        assertThat(o).isInstanceOf(ApplyOutcome.Committed.class);
        store.publishCommits(); // as the state machine does after each entry
        return store.transactions(store.state().lastTxId(), 1).get(0);
    }

    private void commitMany(int n, int payloadBytes) {
        for (int i = 0; i < n; i++) {
            commit(payloadBytes);
        }
    }

    private HostPort startServer(TransactionStreamService.Settings settings, SslPolicy tls) throws InterruptedException {
        TransactionStreamServer server = closeLater(new TransactionStreamServer());
        TransactionStreamService service = closeLater(new TransactionStreamService(
                name -> "db".equals(name) ? Optional.of(store) : Optional.empty(), settings));
        service.register(server);
        server.start(new HostPort("127.0.0.1", 0), tls);
        services.add(service);
        return new HostPort("127.0.0.1", server.boundPort());
    }

    private final List<TransactionStreamService> services = new ArrayList<>();

    private HostPort startServer() throws InterruptedException {
        return startServer(TransactionStreamService.Settings.defaults(), null);
    }

    private TransactionStreamClient client(List<HostPort> upstreams, SslPolicy tls) {
        return closeLater(new TransactionStreamClient(upstreams, tls, TransactionStreamClient.Settings.defaults()));
    }

    private static byte[] hashAt(List<TransactionRecord> records, long txId) {
        return txId == 0 ? ChainHash.genesis() : records.get((int) txId - 1).chainHash();
    }

    @Test
    void streamsFromOneInOrderThenPushesNewCommitsAndHeartbeatsWhileIdle() throws Exception {
        commitMany(1200, 20); // more than one batch of 512
        List<TransactionRecord> expected = store.transactions(1, 2000);
        HostPort port = startServer();
        RecordingListener l = new RecordingListener();
        TransactionStreamClient c = client(List.of(port), null);
        c.subscribe("db", 1, ChainHash.genesis(), l);

        eventually(WAIT, "1200 transactions streamed", () -> l.records.size() >= 1200);
        assertThat(l.txIds()).containsExactlyElementsOf(LongStream.rangeClosed(1, 1200).boxed().toList());
        for (int i = 0; i < 1200; i++) {
            assertThat(l.records.get(i).chainHash()).isEqualTo(expected.get(i).chainHash());
            assertThat(l.records.get(i).changeSetBytes()).isEqualTo(expected.get(i).changeSetBytes());
        }
        assertThat(l.batchSizes).allMatch(n -> n <= 512);
        eventually(WAIT, "heartbeat carries the server's last txId", () -> l.lastHeartbeatTxId() == 1200);
        assertThat(l.heartbeats.get(l.heartbeats.size() - 1)[1]).isEqualTo(store.state().lastCommitTimeMillis());

        // pushed: a commit made now reaches the subscriber promptly, not on some long poll
        long before = System.nanoTime();
        TransactionRecord pushed = commit(10);
        eventually(WAIT, "new commit pushed", () -> l.records.size() == 1201);
        long pushMillis = (l.lastBatchNanos.get() - before) / 1_000_000;
        assertThat(l.records.get(1200).txId()).isEqualTo(pushed.txId());
        assertThat(l.records.get(1200).chainHash()).isEqualTo(pushed.chainHash());
        assertThat(pushMillis).as("commit-to-delivery latency in ms (includes the commit)").isLessThan(500);

        // idle: heartbeats keep coming (about one a second)
        int seen = l.heartbeats.size();
        eventually(Duration.ofSeconds(5), "more heartbeats while idle", () -> l.heartbeats.size() >= seen + 2);
        assertThat(l.lastHeartbeatTxId()).isEqualTo(1201);
        assertThat(c.lastTxId()).isEqualTo(1201);
        assertThat(c.lastChainHash()).isEqualTo(store.state().chainHash());
        assertThat(l.errors).isEmpty();
        assertThat(l.disconnects).isEmpty();
        assertThat(services.get(0).subscriptions()).singleElement().satisfies(s -> assertThat(s.nextTxId()).isEqualTo(1202));
    }

    @Test
    void aCommitIsPushedToTheSubscriberWithoutWaitingForThePoll() throws Exception {
        commitMany(3, 20);
        // a ticker that never runs during the test: only the commit's own signal can deliver it
        HostPort port = startServer(new TransactionStreamService.Settings(512, 4 << 20, Duration.ofSeconds(1), Duration.ofHours(1),
                Duration.ofSeconds(3), 1 << 20), null);
        RecordingListener l = new RecordingListener();
        client(List.of(port), null).subscribe("db", 1, ChainHash.genesis(), l);
        eventually(WAIT, "the backlog streamed", () -> l.records.size() == 3);
        for (int i = 0; i < 20; i++) {
            int expected = l.records.size() + 1;
            long before = System.nanoTime();
            commit(10);
            eventually(WAIT, "commit " + expected + " pushed", () -> l.records.size() == expected);
            assertThat((l.lastBatchNanos.get() - before) / 1_000_000).as("commit-to-delivery in ms with no poll").isLessThan(1_000);
        }
        assertThat(l.errors).isEmpty();
    }

    @Test
    void resumesFromTheMiddleWithTheRightChainHash() throws Exception {
        commitMany(30, 10);
        List<TransactionRecord> all = store.transactions(1, 100);
        HostPort port = startServer();
        RecordingListener l = new RecordingListener();
        client(List.of(port), null).subscribe("db", 21, hashAt(all, 20), l);
        eventually(WAIT, "21..30 streamed", () -> l.records.size() == 10);
        assertThat(l.txIds()).containsExactlyElementsOf(LongStream.rangeClosed(21, 30).boxed().toList());
        // a reader that is exactly caught up gets nothing but heartbeats
        RecordingListener idle = new RecordingListener();
        client(List.of(port), null).subscribe("db", 31, hashAt(all, 30), idle);
        eventually(WAIT, "heartbeat", () -> idle.lastHeartbeatTxId() == 30);
        assertThat(idle.records).isEmpty();
        assertThat(idle.errors).isEmpty();
    }

    @Test
    void aWrongChainHashIsALineageMismatchAndNothingIsDelivered() throws Exception {
        commitMany(10, 10);
        HostPort port = startServer();
        RecordingListener l = new RecordingListener();
        byte[] wrong = new byte[32];
        Arrays.fill(wrong, (byte) 7);
        TransactionStreamClient c = client(List.of(port), null);
        c.subscribe("db", 6, wrong, l);
        eventually(WAIT, "error reported", () -> !l.errors.isEmpty());
        assertThat(l.errors).singleElement().asString().startsWith(StreamMessages.LINEAGE_MISMATCH)
                .contains(ChainHash.hex(wrong)).contains(ChainHash.hex(store.transactions(5, 1).get(0).chainHash()));
        assertThat(l.records).isEmpty();
        assertThat(c.state()).isEqualTo(TransactionStreamClient.State.STOPPED);

        // a reader from 1 with a non-genesis hash is refused too
        RecordingListener fromOne = new RecordingListener();
        client(List.of(port), null).subscribe("db", 1, wrong, fromOne);
        eventually(WAIT, "error reported", () -> !fromOne.errors.isEmpty());
        assertThat(fromOne.errors.get(0)).startsWith(StreamMessages.LINEAGE_MISMATCH);
        assertThat(fromOne.records).isEmpty();
    }

    @Test
    void aMemberBehindTheReaderSendsItElsewhereAndOnlyADivergentHistoryIsALineageMismatch() throws Exception {
        // Regression (ccdr faults run --seed 12): a replica whose subscription reached an upstream member just restarted,
        // and still behind, was told "lineage mismatch" and stopped replicating for good.
        commitMany(5, 10);
        HostPort port = startServer(new TransactionStreamService.Settings(512, 4 << 20, Duration.ofSeconds(1), Duration.ofMillis(5),
                Duration.ofMillis(300), 1 << 20), null);
        RecordingListener l = new RecordingListener();
        TransactionStreamClient c = client(List.of(port), null);
        byte[] notThisHistory = new byte[32];
        Arrays.fill(notThisHistory, (byte) 7);
        c.subscribe("db", 9, notThisHistory, l);
        eventually(WAIT, "told twice, after the grace, to try another member", () -> l.disconnects.size() >= 2);
        assertThat(l.errors).isEmpty();
        assertThat(c.state()).isNotEqualTo(TransactionStreamClient.State.STOPPED);
        assertThat(l.records).isEmpty();

        // once the member holds the reader's last transaction, the chain decides: this reader's hash is not its history
        commitMany(5, 10);
        eventually(WAIT, "lineage checked", () -> !l.errors.isEmpty());
        assertThat(l.errors.get(0)).startsWith(StreamMessages.LINEAGE_MISMATCH).contains(ChainHash.hex(notThisHistory));
        assertThat(l.records).isEmpty();
        assertThat(c.state()).isEqualTo(TransactionStreamClient.State.STOPPED);
    }

    @Test
    void aMemberBehindTheReaderInAnotherHistoryIsALineageMismatchAtOnce() throws Exception {
        // the member's transaction 5 is not the reader's transaction 5: not "behind", another history (another
        // database of the same name, an upstream restored from an older backup)
        commitMany(5, 10);
        HostPort port = startServer(new TransactionStreamService.Settings(512, 4 << 20, Duration.ofSeconds(1), Duration.ofMillis(5),
                Duration.ofMillis(300), 1 << 20), null);
        RecordingListener l = new RecordingListener();
        byte[] otherFifth = new byte[32];
        Arrays.fill(otherFifth, (byte) 5);
        l.ownHistory.put(5L, otherFifth);
        TransactionStreamClient c = client(List.of(port), null);
        c.subscribe("db", 9, new byte[32], l);
        eventually(WAIT, "lineage mismatch", () -> !l.errors.isEmpty());
        assertThat(l.errors.get(0)).startsWith(StreamMessages.LINEAGE_MISMATCH).contains("another history").contains("ends at 5")
                .contains(ChainHash.hex(store.state().chainHash()));
        assertThat(c.state()).isEqualTo(TransactionStreamClient.State.STOPPED);
        assertThat(l.records).isEmpty();

        // the same member with the reader's own transaction 5 is merely behind: the reader keeps trying
        RecordingListener same = new RecordingListener();
        same.ownHistory.put(5L, store.state().chainHash());
        TransactionStreamClient c2 = client(List.of(port), null);
        c2.subscribe("db", 9, new byte[32], same);
        eventually(WAIT, "sent elsewhere twice", () -> same.disconnects.size() >= 2);
        assertThat(same.errors).isEmpty();
        assertThat(same.disconnectCauses.get(0)).hasMessageContaining(StreamMessages.UPSTREAM_BEHIND);
    }

    @Test
    void anUnknownDatabaseIsDatabaseNotFound() throws Exception {
        HostPort port = startServer();
        RecordingListener l = new RecordingListener();
        TransactionStreamClient c = client(List.of(port), null);
        c.subscribe("nope", 1, ChainHash.genesis(), l);
        eventually(WAIT, "error reported", () -> !l.errors.isEmpty());
        assertThat(l.errors).singleElement().asString().startsWith(StreamMessages.DATABASE_NOT_FOUND).contains("nope");
        assertThat(c.state()).isEqualTo(TransactionStreamClient.State.STOPPED);
    }

    @Test
    void historyOlderThanRetentionNeedsAStoreCopy() throws Exception {
        commitMany(40, 10);
        List<TransactionRecord> all = store.transactions(1, 100);
        assertThat(store.pruneTransactionLog(RetentionPolicy.parse("10 txs"), System.currentTimeMillis())).isPositive();
        long first = store.firstRetainedTxId();
        assertThat(first).isGreaterThan(1);
        HostPort port = startServer();

        RecordingListener empty = new RecordingListener();
        TransactionStreamClient c = client(List.of(port), null);
        c.subscribe("db", 1, ChainHash.genesis(), empty);
        eventually(WAIT, "store copy needed for an empty reader", () -> !empty.storeCopies.isEmpty());
        assertThat(empty.storeCopies.get(0)).startsWith(first + ":40:");
        assertThat(empty.records).isEmpty();
        assertThat(c.state()).isEqualTo(TransactionStreamClient.State.STOPPED);

        RecordingListener behind = new RecordingListener();
        client(List.of(port), null).subscribe("db", 5, hashAt(all, 4), behind);
        eventually(WAIT, "store copy needed for a reader behind retention", () -> !behind.storeCopies.isEmpty());

        // the oldest retained transaction can still be subscribed from: its predecessor's hash is checked through it
        RecordingListener edge = new RecordingListener();
        client(List.of(port), null).subscribe("db", first, hashAt(all, first - 1), edge);
        eventually(WAIT, "streamed from the first retained txId", () -> edge.records.size() == 40 - first + 1);
        assertThat(edge.errors).isEmpty();
        RecordingListener edgeWrong = new RecordingListener();
        client(List.of(port), null).subscribe("db", first, hashAt(all, first - 2), edgeWrong);
        eventually(WAIT, "lineage checked through the next record", () -> !edgeWrong.errors.isEmpty());
        assertThat(edgeWrong.errors.get(0)).startsWith(StreamMessages.LINEAGE_MISMATCH);
    }

    @Test
    void garbageAndCorruptFramesCloseThatConnectionOnly() throws Exception {
        commitMany(3, 10);
        HostPort port = startServer();
        // plain garbage: an absurd length prefix
        try (Socket s = new Socket(port.host(), port.port())) {
            s.setSoTimeout(5000);
            s.getOutputStream().write(new byte[]{0x7f, 0x7f, 0x7f, 0x7f, 1, 2, 3, 4, 5, 6, 7, 8});
            s.getOutputStream().flush();
            assertThat(readUntilClosed(s.getInputStream())).isEqualTo(-1);
        }
        // a well-formed SUBSCRIBE whose checksum is wrong
        try (Socket s = new Socket(port.host(), port.port())) {
            s.setSoTimeout(5000);
            byte[] p = new StreamMessages.Subscribe("db", 1, ChainHash.genesis()).toFrame().payload();
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            out.writeInt(p.length + 6);
            out.writeByte(Frame.VERSION);
            out.writeByte(Frame.Type.SUBSCRIBE);
            out.write(p);
            out.writeInt(Frame.checksum(Frame.VERSION, Frame.Type.SUBSCRIBE, p) ^ 1);
            out.flush();
            assertThat(readUntilClosed(s.getInputStream())).isEqualTo(-1);
        }
        // a SUBSCRIBE with a valid frame but a malformed payload gets an error and the connection is closed
        try (Socket s = new Socket(port.host(), port.port())) {
            s.setSoTimeout(5000);
            FrameIO.write(new DataOutputStream(s.getOutputStream()), new Frame(Frame.Type.SUBSCRIBE, new byte[]{1, 2}));
            Frame reply = FrameIO.read(new DataInputStream(s.getInputStream()));
            assertThat(reply.type()).isEqualTo(Frame.Type.ERROR);
            assertThat(StreamMessages.Error.decode(reply.payload()).code()).isEqualTo(StreamMessages.INVALID_REQUEST);
        }
        // the server still serves a good client
        RecordingListener l = new RecordingListener();
        client(List.of(port), null).subscribe("db", 1, ChainHash.genesis(), l);
        eventually(WAIT, "good client served", () -> l.records.size() == 3);
    }

    private static int readUntilClosed(InputStream in) throws IOException {
        int b;
        do {
            b = in.read();
        } while (b != -1);
        return b;
    }

    @Test
    void aRecordThatBreaksTheChainStopsTheClientBeforeTheBreak() throws Exception {
        commitMany(3, 10);
        List<TransactionRecord> real = store.transactions(1, 10);
        TransactionRecord tampered = new TransactionRecord(2, real.get(1).commitTimeMillis(), real.get(1).chainHash(),
                real.get(0).changeSetBytes());
        // a rogue server that answers any subscription with a batch whose second record was altered
        TransactionStreamServer rogue = closeLater(new TransactionStreamServer());
        rogue.handleStream(Frame.Type.SUBSCRIBE, (ch, payload) -> {
            ch.writeAndFlush(StreamMessages.wire(new Frame(Frame.Type.TX_BATCH, StreamMessages.encodeBatch(List.of(real.get(0))))));
            ch.writeAndFlush(StreamMessages.wire(new Frame(Frame.Type.TX_BATCH, StreamMessages.encodeBatch(List.of(tampered, real.get(2))))));
            return null;
        });
        rogue.start(new HostPort("127.0.0.1", 0), null);
        RecordingListener l = new RecordingListener();
        TransactionStreamClient c = client(List.of(new HostPort("127.0.0.1", rogue.boundPort())), null);
        c.subscribe("db", 1, ChainHash.genesis(), l);
        eventually(WAIT, "break reported", () -> !l.errors.isEmpty());
        assertThat(l.errors.get(0)).startsWith(StreamMessages.LINEAGE_MISMATCH).contains("transaction 2");
        assertThat(l.txIds()).containsExactly(1L);
        assertThat(c.lastTxId()).isEqualTo(1);
        assertThat(c.state()).isEqualTo(TransactionStreamClient.State.STOPPED);
    }

    @Test
    void aDeadFirstUpstreamIsSkipped() throws Exception {
        commitMany(5, 10);
        HostPort port = startServer();
        HostPort dead = new HostPort("127.0.0.1", EmbeddedCluster.freePorts(1).get(0));
        RecordingListener l = new RecordingListener();
        TransactionStreamClient c = client(List.of(dead, port), null);
        c.subscribe("db", 1, ChainHash.genesis(), l);
        eventually(WAIT, "streamed through the second upstream", () -> l.records.size() == 5);
        assertThat(l.disconnects).first().isEqualTo(dead);
        assertThat(c.currentUpstream()).contains(port);
    }

    /** Netty's default write-buffer high-water mark, which the cluster port keeps. */
    private static final int HIGH_WATER_MARK = 64 << 10;

    @Test
    void aBlockedReaderBoundsWhatTheServerBuffers() throws Exception {
        // small batches so that many frames are involved; a small receive window so the kernel absorbs little
        int maxBatchBytes = 64 << 10;
        HostPort port = startServer(new TransactionStreamService.Settings(64, maxBatchBytes, Duration.ofSeconds(1), Duration.ofMillis(5),
                Duration.ofSeconds(3), 1 << 20), null);
        int payload = 4 << 10;
        // Between the server's own buffer and the blocked listener sit the server's kernel send buffer (autotuned up
        // to tcp_wmem's maximum, 4 MiB by default), the reader's receive buffer and whatever the reader's last read
        // pulled in. The server legitimately keeps filling those after its channel first turns unwritable (its event
        // loop moves bytes into the kernel while there is room, later under load), so how many records it has sent
        // by a given moment is scheduling, not contract. The backlog is several times what that path can hold, so a
        // server that ignored writability would be seen draining its log.
        int total = (int) Math.max(3000, 3 * maxKernelSendBuffer() / payload);
        commitMany(total, payload);
        RecordingListener l = new RecordingListener().blocking();
        TransactionStreamClient c = closeLater(new TransactionStreamClient(List.of(port), null,
                TransactionStreamClient.Settings.defaults().withReceiveBufferBytes(32 << 10)));
        c.subscribe("db", 1, ChainHash.genesis(), l);
        SubscriptionSamples samples = new SubscriptionSamples(services.get(0));
        eventually(WAIT, "the listener is blocked in its first batch", () -> l.batchesEntered.get() == 1);
        eventually(WAIT, "the subscription's channel stops being writable", () -> !samples.take().writable());
        // new commits while the reader stays blocked must stay in the log as well
        commitMany(50, payload);
        samples.mark();
        eventually(WAIT, "the subscription settles: unwritable, nothing more sent", () -> samples.take() != null && samples.settledSinceMark(5));

        // what the contract promises, in every sample: Netty holds at most one batch beyond the high-water mark
        assertThat(samples.maxPendingOutboundBytes()).isLessThanOrEqualTo(HIGH_WATER_MARK + maxBatchBytes + 4096L);
        // and the rest stays in the log: nothing like the whole backlog has left the server
        assertThat(samples.maxRecordsSent()).isLessThan(total);
        assertThat(l.records).isEmpty();

        l.releaseAll();
        eventually(Duration.ofSeconds(30), "everything delivered once released", () -> l.records.size() == total + 50);
        assertThat(l.txIds()).containsExactlyElementsOf(LongStream.rangeClosed(1, total + 50).boxed().toList());
        assertThat(l.disconnects).isEmpty();
    }

    /** The largest TCP send buffer the kernel may autotune a socket to (Linux), 4 MiB where that cannot be read. */
    private static long maxKernelSendBuffer() {
        try {
            String[] f = java.nio.file.Files.readString(Path.of("/proc/sys/net/ipv4/tcp_wmem")).trim().split("\\s+");
            return Long.parseLong(f[f.length - 1]);
        } catch (IOException | RuntimeException e) {
            return 4L << 20;
        }
    }

    /** Every look a test takes at a service's only subscription, so that an assertion covers all of them. */
    private static final class SubscriptionSamples {
        private final TransactionStreamService service;
        private final List<TransactionStreamService.SubscriptionInfo> taken = new ArrayList<>();
        private int mark;

        SubscriptionSamples(TransactionStreamService service) {
            this.service = service;
        }

        /** Takes a sample; fails (so that {@code eventually} retries) while there is no subscription yet. */
        TransactionStreamService.SubscriptionInfo take() {
            TransactionStreamService.SubscriptionInfo info = service.subscriptions().get(0);
            taken.add(info);
            return info;
        }

        void mark() {
            mark = taken.size();
        }

        /** The last {@code n} samples, all taken since {@link #mark}, saw an unwritable channel and the same number of records sent. */
        boolean settledSinceMark(int n) {
            if (taken.size() - mark < n) {
                return false;
            }
            List<TransactionStreamService.SubscriptionInfo> last = taken.subList(taken.size() - n, taken.size());
            return last.stream().noneMatch(TransactionStreamService.SubscriptionInfo::writable)
                    && last.stream().mapToLong(TransactionStreamService.SubscriptionInfo::recordsSent).distinct().count() == 1;
        }

        long maxPendingOutboundBytes() {
            return taken.stream().mapToLong(TransactionStreamService.SubscriptionInfo::pendingOutboundBytes).max().orElse(0);
        }

        long maxRecordsSent() {
            return taken.stream().mapToLong(TransactionStreamService.SubscriptionInfo::recordsSent).max().orElse(0);
        }
    }

    @Test
    void mutualTlsStreamsAndRefusesAnUntrustedClient() throws Exception {
        commitMany(5, 10);
        CertificateAuthority ca = CertificateAuthority.initCa("cluster-a", dir.resolve("ca"));
        ca.issue("server", List.of("127.0.0.1", "localhost"), dir.resolve("server-policy"), 30);
        ca.issue("reader", List.of("127.0.0.1", "localhost"), dir.resolve("reader-policy"), 30);
        CertificateAuthority rogue = CertificateAuthority.initCa("rogue", dir.resolve("rogue-ca"));
        rogue.issue("intruder", List.of("127.0.0.1"), dir.resolve("rogue-policy"), 30);
        SslPolicy serverTls = closeLater(SslPolicy.load(SslPolicyConfig.forDirectory("cluster", dir.resolve("server-policy"))));
        SslPolicy readerTls = closeLater(SslPolicy.load(SslPolicyConfig.forDirectory("cluster", dir.resolve("reader-policy"))));
        SslPolicy intruderTls = closeLater(SslPolicy.load(SslPolicyConfig.forDirectory("cluster", dir.resolve("rogue-policy"))));
        HostPort port = startServer(TransactionStreamService.Settings.defaults(), serverTls);

        RecordingListener good = new RecordingListener();
        client(List.of(port), readerTls).subscribe("db", 1, ChainHash.genesis(), good);
        eventually(WAIT, "streamed over mutual TLS", () -> good.records.size() == 5 && good.lastHeartbeatTxId() == 5);

        RecordingListener bad = new RecordingListener();
        client(List.of(port), intruderTls).subscribe("db", 1, ChainHash.genesis(), bad);
        eventually(WAIT, "untrusted client refused (twice, it keeps trying)", () -> bad.disconnects.size() >= 2);
        assertThat(bad.records).isEmpty();
        assertThat(bad.heartbeats).isEmpty();

        RecordingListener plain = new RecordingListener();
        client(List.of(port), null).subscribe("db", 1, ChainHash.genesis(), plain);
        eventually(WAIT, "plaintext client refused", () -> plain.disconnects.size() >= 2);
        assertThat(plain.records).isEmpty();
        // the server is unharmed
        commit(10);
        eventually(WAIT, "good reader still streaming", () -> good.records.size() == 6);
    }

    /** Commits {@code count} transactions of one node each with a 2,000-character random string, so a store copy has bytes to move. */
    private void commitIncompressibleNodes(long seed, int count) {
        java.util.Random random = new java.util.Random(seed);
        for (int i = 0; i < count; i++) {
            long id = store.state().nextNodeId();
            StringBuilder sb = new StringBuilder();
            for (int k = 0; k < 2000; k++) {
                sb.append((char) ('a' + random.nextInt(26)));
            }
            ChangeSet cs = new ChangeSet(store.state().lastTxId(), System.currentTimeMillis(),
                    List.of(new ChangeSet.CreateNode(id, Set.of("T"), Map.of("p", sb.toString()))));
            assertThat(store.apply(1, ++raftIndex, ChangeSetCodec.encode(cs))).isInstanceOf(ApplyOutcome.Committed.class);
        }
    }

    @Test
    void aStoreCopyResumesAfterABrokenConnectionOpensAtItsTxIdAndTheStreamContinuesFromThere() throws Exception {
        commitIncompressibleNodes(42, 300);
        store.pruneTransactionLog(RetentionPolicy.parse("10 txs"), System.currentTimeMillis());
        HostPort port = startServer(new TransactionStreamService.Settings(512, 4 << 20, Duration.ofSeconds(1), Duration.ofMillis(5),
                Duration.ofSeconds(3), 16 << 10), null);
        // the first connection through the proxy is cut after 200 KB
        CuttingProxy proxy = closeLater(new CuttingProxy(port, 200_000));

        List<long[]> progress = new java.util.concurrent.CopyOnWriteArrayList<>();
        StoreCopyClient copier = new StoreCopyClient(List.of(proxy.address()), null, Duration.ofSeconds(10), 5);
        Path target = dir.resolve("copy");
        StoreCopyClient.Result r = copier.copy("db", target, (done, total) -> progress.add(new long[]{done, total}));

        assertThat(proxy.connections()).isEqualTo(2);
        assertThat(r.attempts()).isEqualTo(2);
        assertThat(r.txId()).isEqualTo(300);
        assertThat(r.chainHash()).isEqualTo(store.state().chainHash());
        assertThat(r.bytes()).isGreaterThan(200_000);
        // resumed, not restarted: progress never went backwards and ended at the total
        for (int i = 1; i < progress.size(); i++) {
            assertThat(progress.get(i)[0]).isGreaterThanOrEqualTo(progress.get(i - 1)[0]);
        }
        assertThat(progress.get(progress.size() - 1)[0]).isEqualTo(r.bytes());
        try (GraphStore copy = GraphStore.open(target)) {
            assertThat(copy.state().lastTxId()).isEqualTo(300);
            assertThat(copy.state().chainHash()).isEqualTo(store.state().chainHash());
            assertThat(copy.contentFingerprint()).isEqualTo(store.contentFingerprint());
        }

        // the reader continues with the stream from T + 1
        commitMany(5, 10);
        RecordingListener l = new RecordingListener();
        client(List.of(port), null).subscribe("db", r.txId() + 1, r.chainHash(), l);
        eventually(WAIT, "streamed after the copy", () -> l.records.size() == 5);
        assertThat(l.txIds()).containsExactly(301L, 302L, 303L, 304L, 305L);

        // an unknown database is refused outright
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> copier.copy("nope", dir.resolve("copy2"), (d, t) -> { }))
                .isInstanceOf(StoreCopyClient.StoreCopyRefusedException.class).hasMessageContaining(StreamMessages.DATABASE_NOT_FOUND);
    }

    @Test
    void aSinkThatCannotResumeGetsTheWholeCheckpointAgainFromItsFirstByteAfterACut() throws Exception {
        commitIncompressibleNodes(43, 300);
        HostPort port = startServer(new TransactionStreamService.Settings(512, 4 << 20, Duration.ofSeconds(1), Duration.ofMillis(5),
                Duration.ofSeconds(3), 16 << 10), null);
        CuttingProxy proxy = closeLater(new CuttingProxy(port, 200_000)); // the first connection is cut after 200 KB

        List<String> calls = new java.util.concurrent.CopyOnWriteArrayList<>();
        Map<String, java.io.ByteArrayOutputStream> files = new java.util.LinkedHashMap<>();
        StoreCopyClient.Sink sink = new StoreCopyClient.Sink() {
            @Override
            public boolean resumable() {
                return false;
            }

            @Override
            public void start(StreamMessages.StoreCopyBegin begin) {
                calls.add("start");
                files.clear();
            }

            @Override
            public void fileBegins(String name, long size) {
                assertThat(files).doesNotContainKey(name);
                files.put(name, new java.io.ByteArrayOutputStream());
            }

            @Override
            public void chunk(String name, long offset, java.nio.ByteBuffer data) {
                java.io.ByteArrayOutputStream f = files.get(name);
                assertThat(offset).isEqualTo(f.size());
                byte[] b = new byte[data.remaining()];
                data.get(b);
                f.writeBytes(b);
                calls.add("chunk");
            }

            @Override
            public void fileEnds(String name, long size) {
                assertThat((long) files.get(name).size()).isEqualTo(size);
            }

            @Override
            public void complete(StreamMessages.StoreCopyBegin begin) {
                assertThat(files.keySet()).containsExactlyElementsOf(begin.files().stream().map(StreamMessages.CopyFile::name).toList());
                calls.add("complete");
            }

            @Override
            public String describe() {
                return "memory";
            }
        };
        List<Long> progress = new java.util.concurrent.CopyOnWriteArrayList<>();
        StoreCopyClient.Result r = new StoreCopyClient(List.of(proxy.address()), null, Duration.ofSeconds(10), 5)
                .copy("db", sink, (done, total) -> progress.add(done));

        assertThat(r.attempts()).isEqualTo(2);
        assertThat(r.txId()).isEqualTo(300);
        assertThat(r.chainHash()).isEqualTo(store.state().chainHash());
        assertThat(calls.stream().filter("start"::equals).count()).as("started again after the cut").isEqualTo(2);
        assertThat(calls.get(calls.size() - 1)).isEqualTo("complete");
        int restart = calls.lastIndexOf("start");
        assertThat(calls.subList(0, restart)).as("data before the cut").contains("chunk");
        // restarted, not resumed: progress went back to the first chunk
        int back = -1;
        for (int i = 1; i < progress.size(); i++) {
            if (progress.get(i) < progress.get(i - 1)) {
                back = i;
            }
        }
        assertThat(back).as("progress restarted").isPositive();
        assertThat(progress.get(back)).isLessThanOrEqualTo(16 << 10);
        assertThat(progress.get(progress.size() - 1)).isEqualTo(r.bytes());

        Path copy = dir.resolve("from-sink");
        java.nio.file.Files.createDirectories(copy);
        for (Map.Entry<String, java.io.ByteArrayOutputStream> e : files.entrySet()) {
            java.nio.file.Files.write(copy.resolve(e.getKey()), e.getValue().toByteArray());
        }
        try (GraphStore c = GraphStore.open(copy)) {
            assertThat(c.state().lastTxId()).isEqualTo(300);
            assertThat(c.state().chainHash()).isEqualTo(store.state().chainHash());
            assertThat(c.contentFingerprint()).isEqualTo(store.contentFingerprint());
        }
    }
}
