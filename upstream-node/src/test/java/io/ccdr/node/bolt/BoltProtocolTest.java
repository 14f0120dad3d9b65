package io.ccdr.node.bolt;

import io.ccdr.node.bolt.RawBoltClient.Response;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.neo4j.driver.Driver;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static io.ccdr.node.bolt.RawBoltClient.FAILURE;
import static io.ccdr.node.bolt.RawBoltClient.IGNORED;
import static io.ccdr.node.bolt.RawBoltClient.RECORD;
import static io.ccdr.node.bolt.RawBoltClient.SUCCESS;
import static org.assertj.core.api.Assertions.assertThat;

/** Byte-level protocol behaviour: handshake, framing, state machine and hostile input. */
class BoltProtocolTest {
    private static final int MAX_MESSAGE = 200 * 1024;
    private static TestBackend backend;
    private static BoltServer server;
    private static int port;

    @BeforeAll
    static void start() {
        backend = new TestBackend();
        server = new BoltServer(backend).start(BoltConfig.defaults("127.0.0.1", 0)
                .withMaxMessageSize(MAX_MESSAGE)
                // short, so the timeout tests are quick; long enough that a cold JVM authenticates a HELLO in time
                .withHandshakeTimeout(Duration.ofMillis(1500))
                .withThreads(1, 2));
        port = server.boundPort();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /** Whatever a test threw at the server, a well-behaved driver must still be served. */
    @AfterEach
    void serverStillServesDrivers() {
        try (Driver d = BoltDriverCompatibilityTest.driver("bolt://127.0.0.1:" + port, "secret")) {
            assertThat(d.executableQuery("RETURN 1 AS x").execute().records().get(0).get("x").asLong()).isEqualTo(1);
        }
        // Every connection of the test, bad ones included, is gone: nothing is left hanging.
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (server.connectionCount() > 0 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertThat(server.connectionCount()).isZero();
    }

    @Test
    void httpRequestOnTheBoltPortIsClosedWithoutAnAnswer() throws IOException {
        try (RawBoltClient c = new RawBoltClient(port)) {
            c.raw("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(c.closedByServer()).isTrue();
        }
    }

    @ParameterizedTest(name = "{0} {1} {2} {3} -> {4}")
    @CsvSource({
            // The Java driver 5.28: manifest v1, 5.8..5.0, 4.4..4.2, 3.0 -> 5.4
            "0x000001FF, 0x00080805, 0x00020404, 0x00000003, 0x00000405",
            "0x00000205, 0, 0, 0, 0x00000205",
            "0x00000104, 0x00000005, 0, 0, 0x00000005",
            "0x00000003, 0x00000404, 0, 0, 0x00000404",
            "0x00010305, 0, 0, 0, 0x00000305",
            // a range that starts above what we speak still reaches down into it
            "0x00040805, 0, 0, 0, 0x00000405",
            "0x00000905, 0x00000006, 0, 0, 0",
            "0x00000003, 0x00000104, 0x00000204, 0, 0",
            "0, 0, 0, 0, 0",
    })
    void versionNegotiationPicksTheHighestCommonVersionOrNone(String a, String b, String c, String d, String expected)
            throws IOException {
        try (RawBoltClient client = new RawBoltClient(port)) {
            int answer = client.handshake(Integer.decode(a), Integer.decode(b), Integer.decode(c), Integer.decode(d));
            assertThat(answer).isEqualTo(Integer.decode(expected));
            if (answer == 0) {
                assertThat(client.closedByServer()).isTrue();
            }
        }
    }

    @Test
    void requestsPipelinedBehindTheHandshakeAreServed() throws IOException {
        ByteBuf all = Unpooled.buffer();
        all.writeInt(BoltHandshakeHandler.MAGIC).writeInt(0x00000405).writeInt(0).writeInt(0).writeInt(0);
        for (Object[] m : new Object[][]{{0x01, Map.of("user_agent", "raw/1.0")},
                {0x6A, Map.of("scheme", "basic", "principal", "neo4j", "credentials", "secret")},
                {0x10, "RETURN 1 AS x", Map.of(), Map.of()}, {0x3F, Map.of("n", -1L)}}) {
            ByteBuf body = Unpooled.buffer();
            PackStreamWriter w = new PackStreamWriter(body, BoltVersion.V5_4, true, "t");
            w.structHeader(m.length - 1, (Integer) m[0]);
            for (int i = 1; i < m.length; i++) {
                w.write(m[i]);
            }
            all.writeShort(body.readableBytes()).writeBytes(body).writeShort(0);
        }
        try (RawBoltClient c = new RawBoltClient(port)) {
            c.raw(RawBoltClient.bytes(all));
            assertThat(c.readVersion()).isEqualTo(0x0405);
            assertThat(c.read().tag()).isEqualTo(SUCCESS);
            assertThat(c.read().tag()).isEqualTo(SUCCESS);
            assertThat(c.read().tag()).isEqualTo(SUCCESS);
            assertThat(c.read().fields()).containsExactly(List.of(1L));
            assertThat(c.read().tag()).isEqualTo(SUCCESS);
        }
    }

    @Test
    void silentConnectionIsClosedAfterTheHandshakeTimeout() throws IOException {
        try (RawBoltClient c = new RawBoltClient(port)) {
            c.raw(new byte[]{0x60, 0x60});
            assertThat(c.closedByServer()).isTrue();
        }
    }

    @Test
    void connectionThatNeverAuthenticatesIsClosed() throws IOException {
        try (RawBoltClient c = new RawBoltClient(port)) {
            assertThat(c.handshake(0x00000405)).isEqualTo(0x0405);
            c.send(0x01, Map.of("user_agent", "raw/1.0")); // HELLO but no LOGON
            assertThat(c.read().tag()).isEqualTo(SUCCESS);
            assertThat(c.closedByServer()).isTrue();
        }
    }

    @Test
    void failureIgnoresUntilResetAndNoopChunksAreAccepted() throws IOException {
        try (RawBoltClient c = RawBoltClient.connected(port)) {
            c.raw(new byte[]{0, 0, 0, 0}); // two NOOP chunks
            c.send(0x10, "FAIL", Map.of(), Map.of());
            c.send(0x3F, Map.of("n", -1L));
            c.send(0x11, Map.of());
            Response failure = c.read();
            assertThat(failure.tag()).isEqualTo(FAILURE);
            assertThat(failure.meta()).containsEntry("code", "Neo.ClientError.Statement.SyntaxError");
            assertThat(c.read().tag()).isEqualTo(IGNORED);
            assertThat(c.read().tag()).isEqualTo(IGNORED);
            // RESET is sent only now: a RESET already queued would (as in Neo4j) make the server
            // ignore everything before it, so the order of FAILURE and IGNORED would be a race.
            c.send(0x0F);
            c.send(0x10, "RETURN 1 AS x", Map.of(), Map.of());
            c.send(0x3F, Map.of("n", -1L));
            assertThat(c.read().tag()).isEqualTo(SUCCESS);
            Response run = c.read();
            assertThat(run.tag()).isEqualTo(SUCCESS);
            assertThat(run.meta()).containsEntry("fields", List.of("x")).containsKey("t_first").doesNotContainKey("qid");
            Response record = c.read();
            assertThat(record.tag()).isEqualTo(RECORD);
            assertThat(record.fields()).containsExactly(List.of(1L));
            Response end = c.read();
            assertThat(end.tag()).isEqualTo(SUCCESS);
            assertThat(end.meta()).containsEntry("db", "neo4j").containsEntry("type", "r").containsKey("bookmark")
                    .containsKey("t_last").doesNotContainKey("has_more").doesNotContainKey("stats");
        }
    }

    @Test
    void resetTerminatesABlockedCallAndIgnoresQueuedRequests() throws Exception {
        backend.slowGate = new java.util.concurrent.CountDownLatch(1);
        backend.slowEntered = new java.util.concurrent.CountDownLatch(1);
        try (RawBoltClient c = RawBoltClient.connected(port)) {
            c.send(0x10, "SLOW", Map.of(), Map.of());
            c.send(0x3F, Map.of("n", -1L));
            assertThat(backend.slowEntered.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            c.send(0x0F);
            Response run = c.read();
            assertThat(run.tag()).isEqualTo(FAILURE);
            assertThat(run.meta()).containsEntry("code", "Neo.ClientError.Transaction.Terminated");
            assertThat(c.read().tag()).isEqualTo(IGNORED); // the PULL queued before the RESET
            assertThat(c.read().tag()).isEqualTo(SUCCESS); // the RESET
            assertThat(backend.events).containsSubsequence("run SLOW", "terminate", "rollback");
            c.send(0x10, "RETURN 1 AS x", Map.of(), Map.of());
            c.send(0x3F, Map.of("n", -1L));
            assertThat(c.read().tag()).isEqualTo(SUCCESS);
            assertThat(c.read().tag()).isEqualTo(RECORD);
        } finally {
            backend.slowGate.countDown();
        }
    }

    @Test
    void disconnectRollsBackTheOpenTransaction() throws Exception {
        backend.events.clear();
        try (RawBoltClient c = RawBoltClient.connected(port)) {
            c.send(0x11, Map.of());
            c.send(0x10, "CREATE (n)", Map.of(), Map.of());
            assertThat(c.read().tag()).isEqualTo(SUCCESS);
            assertThat(c.read().tag()).isEqualTo(SUCCESS);
        }
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!backend.events.contains("rollback") && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertThat(backend.events).containsSubsequence("begin explicit", "run CREATE (n)", "terminate", "rollback");
    }

    @Test
    @org.junit.jupiter.api.Timeout(60) // a worker blocked by a slow reader would hang the driver query
    void slowReadersParkTheirResultsWithoutHoldingWorkers() throws Exception {
        long total = 20_000_000L;
        long before = backend.rowsProduced.get();
        List<RawBoltClient> readers = new java.util.ArrayList<>();
        try {
            // More non-reading clients than the server has worker threads (2).
            for (int i = 0; i < 3; i++) {
                readers.add(RawBoltClient.connected(port));
            }
            for (RawBoltClient c : readers) {
                c.send(0x10, "UNWIND range(1, $n) AS i RETURN i", Map.of("n", total), Map.of());
                c.send(0x3F, Map.of("n", -1L));
            }
            // Production stalls at socket buffers + the write high-water mark, far below the
            // 3 × 20 M rows (~500 MB) the results hold.
            long produced = awaitStable(backend.rowsProduced, 20_000_000_000L) - before;
            assertThat(produced).as("rows produced while nobody reads").isPositive().isLessThan(3_000_000L);
            // The parked PULLs hold no worker: another client is served meanwhile.
            try (Driver d = BoltDriverCompatibilityTest.driver("bolt://127.0.0.1:" + port, "secret")) {
                assertThat(d.executableQuery("RETURN 1 AS x").execute().records()).hasSize(1);
            }
            // A reader that starts reading gets its whole result.
            RawBoltClient first = readers.get(0);
            assertThat(first.read().tag()).isEqualTo(SUCCESS);
            long rows = 0;
            Response r;
            while ((r = first.read()).tag() == RECORD) {
                rows++;
                if (rows == 300_000) {
                    first.send(0x0F); // enough: RESET cuts the rest short
                    break;
                }
            }
            while (r.tag() == RECORD) {
                r = first.read();
            }
            assertThat(r.tag()).isEqualTo(IGNORED);
            assertThat(first.read().tag()).isEqualTo(SUCCESS);
            assertThat(rows).isEqualTo(300_000);
        } finally {
            for (RawBoltClient c : readers) {
                c.close();
            }
        }
        // Closed connections release their results: production stops well before the end.
        assertThat(awaitStable(backend.rowsProduced, 10_000_000_000L) - before).isLessThan(3 * total);
    }

    /** Waits (polling, bounded) until the counter has not moved for half a second; returns its value. */
    private static long awaitStable(java.util.concurrent.atomic.AtomicLong counter, long timeoutNanos) {
        long deadline = System.nanoTime() + timeoutNanos;
        long last = -1;
        long stableSince = System.nanoTime();
        while (System.nanoTime() < deadline) {
            long value = counter.get();
            if (value != last) {
                last = value;
                stableSince = System.nanoTime();
            } else if (System.nanoTime() - stableSince > 500_000_000L) {
                break;
            }
            Thread.onSpinWait();
        }
        return last;
    }

    @Test
    void explicitTransactionReportsQidsAndCommitBookmark() throws IOException {
        try (RawBoltClient c = RawBoltClient.connected(port)) {
            c.send(0x11, Map.of("db", "movies", "mode", "w"));
            c.send(0x10, "CREATE (n)", Map.of(), Map.of());
            c.send(0x10, "UNWIND range(1, $n) AS i RETURN i", Map.of("n", 3L), Map.of());
            c.send(0x3F, Map.of("n", 2L, "qid", 1L));
            c.send(0x3F, Map.of("n", -1L, "qid", 0L));
            c.send(0x2F, Map.of("n", -1L));
            c.send(0x12);
            assertThat(c.read().tag()).isEqualTo(SUCCESS);
            assertThat(c.read().meta()).containsEntry("qid", 0L);
            assertThat(c.read().meta()).containsEntry("qid", 1L);
            assertThat(c.read().fields()).containsExactly(List.of(1L));
            assertThat(c.read().fields()).containsExactly(List.of(2L));
            assertThat(c.read().meta()).containsEntry("has_more", true);
            Response create = c.read();
            assertThat(create.meta()).containsEntry("type", "w").containsEntry("db", "movies")
                    .doesNotContainKey("bookmark");
            assertThat(create.meta().get("stats")).isEqualTo(Map.of("nodes-created", 1L, "contains-updates", true));
            assertThat(c.read().meta()).doesNotContainKey("has_more"); // DISCARD of the rest of qid 1
            assertThat(c.read().meta()).containsEntry("bookmark", "FB:test:" + backend.bookmarkCounter.get());
        }
    }

    @Test
    void bolt50TakesCredentialsInHelloAndBolt44NegotiatesTheUtcPatch() throws IOException {
        ZonedDateTime when = ZonedDateTime.of(2021, 6, 1, 8, 0, 0, 7, ZoneId.of("America/New_York"));
        try (RawBoltClient c = new RawBoltClient(port)) {
            assertThat(c.handshake(0x00000005)).isEqualTo(0x0005);
            c.send(0x01, Map.of("user_agent", "raw/1.0", "scheme", "basic", "principal", "neo4j",
                    "credentials", "secret"));
            Response hello = c.read();
            assertThat(hello.meta()).containsEntry("server", "Neo4j/5.26.0").containsKey("connection_id");
            assertThat((String) hello.meta().get("connection_id")).startsWith("bolt-");
            c.send(0x10, "RETURN $x AS x", Map.of("x", when), Map.of());
            c.send(0x3F, Map.of("n", -1L));
            c.read();
            assertThat(c.read().fields()).containsExactly(List.of(when));
        }
        for (boolean patch : new boolean[]{true, false}) {
            try (RawBoltClient c = new RawBoltClient(port)) {
                assertThat(c.handshake(0x00000404)).isEqualTo(0x0404);
                c.utc = patch;
                c.send(0x01, Map.of("user_agent", "raw/1.0", "scheme", "basic", "principal", "neo4j",
                        "credentials", "secret", "patch_bolt", patch ? List.of("utc") : List.of()));
                // Pipelined behind HELLO: must already be decoded with the encoding HELLO chose.
                c.send(0x10, "RETURN $x AS x", Map.of("x", when), Map.of());
                c.send(0x3F, Map.of("n", -1L));
                Response hello = c.read();
                assertThat(hello.tag()).isEqualTo(SUCCESS);
                if (patch) {
                    assertThat(hello.meta()).containsEntry("patch_bolt", List.of("utc"));
                } else {
                    assertThat(hello.meta()).doesNotContainKey("patch_bolt");
                }
                c.read();
                assertThat(c.read().fields()).containsExactly(List.of(when));
            }
        }
    }

    @Test
    void telemetryAndLogoffLogonFollowTheNegotiatedVersion() throws IOException {
        try (RawBoltClient c = RawBoltClient.connected(port)) {
            c.send(0x54, 2L); // TELEMETRY (5.4): acknowledged, nothing else
            assertThat(c.read().tag()).isEqualTo(SUCCESS);
            c.send(0x6B); // LOGOFF
            assertThat(c.read().tag()).isEqualTo(SUCCESS);
            c.send(0x6A, Map.of("scheme", "basic", "principal", "neo4j", "credentials", "secret"));
            assertThat(c.read().tag()).isEqualTo(SUCCESS);
            c.send(0x10, "RETURN 1 AS x", Map.of(), Map.of());
            c.send(0x3F, Map.of("n", -1L));
            assertThat(c.read().tag()).isEqualTo(SUCCESS);
            assertThat(c.read().tag()).isEqualTo(RECORD);
            assertThat(c.read().tag()).isEqualTo(SUCCESS);
            c.send(0x6B);
            assertThat(c.read().tag()).isEqualTo(SUCCESS);
            c.send(0x10, "RETURN 1 AS x", Map.of(), Map.of()); // logged off: a protocol violation
            assertFailsAndCloses(c, BoltProtocolException.INVALID);
        }
        try (RawBoltClient c = new RawBoltClient(port)) {
            assertThat(c.handshake(0x00000305)).isEqualTo(0x0305);
            c.send(0x01, Map.of("user_agent", "raw/1.0"));
            c.send(0x6A, Map.of("scheme", "basic", "principal", "neo4j", "credentials", "secret"));
            assertThat(c.read().tag()).isEqualTo(SUCCESS);
            assertThat(c.read().tag()).isEqualTo(SUCCESS);
            c.send(0x54, 2L); // TELEMETRY does not exist in 5.3
            assertFailsAndCloses(c, BoltProtocolException.INVALID_FORMAT);
        }
    }

    @Test
    void wrongCredentialsFailAndClose() throws IOException {
        try (RawBoltClient c = new RawBoltClient(port)) {
            c.handshake(0x00000405);
            c.send(0x01, Map.of("user_agent", "raw/1.0"));
            c.send(0x6A, Map.of("scheme", "basic", "principal", "neo4j", "credentials", "nope"));
            List<Response> responses = c.readUntilClosed();
            assertThat(responses).hasSize(2);
            assertThat(responses.get(1).meta()).containsEntry("code", "Neo.ClientError.Security.Unauthorized");
        }
    }

    @Test
    void requestBeforeHelloIsAProtocolViolation() throws IOException {
        try (RawBoltClient c = new RawBoltClient(port)) {
            c.handshake(0x00000405);
            c.send(0x10, "RETURN 1 AS x", Map.of(), Map.of());
            assertFailsAndCloses(c, BoltProtocolException.INVALID);
        }
    }

    @Test
    void largeMessagesSpanChunksUpToTheLimit() throws IOException {
        String big = "y".repeat(150 * 1024);
        try (RawBoltClient c = RawBoltClient.connected(port)) {
            c.send(0x10, "RETURN $x AS x", Map.of("x", big), Map.of());
            c.send(0x3F, Map.of("n", -1L));
            assertThat(c.read().tag()).isEqualTo(SUCCESS);
            assertThat(c.read().fields()).containsExactly(List.of(big));
        }
    }

    @Test
    void oversizedMessageFailsAndCloses() throws IOException {
        try (RawBoltClient c = RawBoltClient.connected(port)) {
            c.send(0x10, "RETURN $x AS x", Map.of("x", "z".repeat(MAX_MESSAGE + 1)), Map.of());
            Response failure = assertFailsAndCloses(c, BoltProtocolException.INVALID);
            assertThat((String) failure.meta().get("message")).contains("exceeds the limit");
        }
    }

    @Test
    void stringLongerThanTheMessageIsRejectedBeforeAllocation() throws IOException {
        ByteBuf m = Unpooled.buffer();
        m.writeByte(0xB3).writeByte(0x10);
        m.writeByte(0xD2).writeInt(0x7FFFFFF0); // a "2 GB" query string
        m.writeBytes("RETURN".getBytes(StandardCharsets.US_ASCII));
        assertMalformed(RawBoltClient.bytes(m));
        ByteBuf list = Unpooled.buffer();
        list.writeByte(0xB3).writeByte(0x10).writeByte(0x80).writeByte(0xD8).writeByte(1).writeByte(0x81)
                .writeByte('x').writeByte(0xD6).writeInt(-1); // a list of 4 billion elements
        assertMalformed(RawBoltClient.bytes(list));
    }

    @Test
    void messagesThatWouldDecodeToHugeHeapAreRejected() throws IOException {
        // 150,000 empty maps: 150 KB on the wire (under the limit), ~10 MB of objects once decoded.
        ByteBuf m = Unpooled.buffer();
        m.writeByte(0xB3).writeByte(0x10).writeByte(0x80).writeByte(0xA1).writeByte(0x81).writeByte('x');
        m.writeByte(0xD6).writeInt(150_000);
        for (int i = 0; i < 150_000; i++) {
            m.writeByte(0xA0);
        }
        m.writeByte(0xA0);
        try (RawBoltClient c = RawBoltClient.connected(port)) {
            c.sendMessage(RawBoltClient.bytes(m));
            Response failure = assertFailsAndCloses(c, BoltProtocolException.INVALID);
            assertThat((String) failure.meta().get("message")).contains("would decode to more than");
        }
    }

    @Test
    void deepNestingIsRejected() throws IOException {
        ByteBuf m = Unpooled.buffer();
        m.writeByte(0xB3).writeByte(0x10).writeByte(0x80).writeByte(0xA1).writeByte(0x81).writeByte('x');
        for (int i = 0; i < 10_000; i++) {
            m.writeByte(0x91);
        }
        m.writeByte(0x01);
        m.writeByte(0xA0);
        assertMalformed(RawBoltClient.bytes(m));
    }

    @Test
    void truncatedUnknownAndTrailingMessagesAreRejected() throws IOException {
        assertMalformed(new byte[]{(byte) 0xB3, 0x10, (byte) 0x85, 'R', 'E'}); // truncated
        assertMalformed(new byte[]{(byte) 0xB0, 0x55}); // unknown message
        assertMalformed(new byte[]{(byte) 0xB0, 0x0F, 0x01}); // RESET with a trailing byte
        assertMalformed(new byte[]{(byte) 0xB1, 0x0F, 0x01}); // RESET with a field
        assertMalformed(new byte[]{(byte) 0xB3, 0x10, (byte) 0x81, 'x', (byte) 0xA1, 0x01, 0x01, (byte) 0xA0});
        assertMalformed(new byte[]{(byte) 0xB3, 0x10, (byte) 0x82, (byte) 0xC3, 0x28, (byte) 0xA0, (byte) 0xA0});
        assertMalformed(new byte[]{(byte) 0xB3, 0x10, (byte) 0xE5, (byte) 0xA0, (byte) 0xA0}); // unknown marker
    }

    @Test
    void invalidParameterValuesFailWithoutClosing() throws IOException {
        try (RawBoltClient c = RawBoltClient.connected(port)) {
            // A Date with a string field, then a Point: well-formed PackStream, invalid values.
            ByteBuf m = Unpooled.buffer();
            m.writeByte(0xB3).writeByte(0x10).writeByte(0x8D).writeBytes("RETURN $x AS x".getBytes(StandardCharsets.US_ASCII), 0, 13);
            m.clear();
            m.writeByte(0xB3).writeByte(0x10);
            new PackStreamWriter(m, BoltVersion.V5_4, true, "t").writeString("RETURN $x AS x");
            m.writeByte(0xA1).writeByte(0x81).writeByte('x').writeByte(0xB1).writeByte('D').writeByte(0x81).writeByte('z');
            m.writeByte(0xA0);
            c.sendMessage(RawBoltClient.bytes(m));
            Response failure = c.read();
            assertThat(failure.tag()).isEqualTo(FAILURE);
            assertThat(failure.meta()).containsEntry("code", BoltProtocolException.INVALID);
            c.send(0x0F);
            assertThat(c.read().tag()).isEqualTo(SUCCESS);
            c.send(0x10, "RETURN 1 AS x", Map.of(), Map.of());
            c.send(0x3F, Map.of("n", -1L));
            assertThat(c.read().tag()).isEqualTo(SUCCESS);
            assertThat(c.read().tag()).isEqualTo(RECORD);
        }
    }

    @Test
    void randomFramedPayloadsNeverCrashTheServer() throws IOException {
        Random random = new Random(20240229L);
        for (int i = 0; i < 40; i++) {
            byte[] payload = new byte[1 + random.nextInt(300)];
            random.nextBytes(payload);
            if (i % 2 == 0) {
                payload[0] = (byte) (0xB0 | random.nextInt(4)); // look like a message more often
                if (payload.length > 1) {
                    payload[1] = (byte) new int[]{0x01, 0x10, 0x11, 0x3F, 0x66, 0x6A}[random.nextInt(6)];
                }
            }
            try (RawBoltClient c = RawBoltClient.connected(port)) {
                c.sendMessage(payload);
                c.shutdownOutput();
                List<Response> responses = c.readUntilClosed();
                assertThat(responses).allSatisfy(r -> assertThat(r.tag()).isIn(SUCCESS, FAILURE, IGNORED, RECORD));
            }
        }
    }

    @Test
    void randomUnframedBytesNeverCrashTheServer() throws IOException {
        Random random = new Random(42L);
        for (int i = 0; i < 20; i++) {
            byte[] junk = new byte[1 + random.nextInt(2000)];
            random.nextBytes(junk);
            try (RawBoltClient c = i % 2 == 0 ? RawBoltClient.connected(port) : new RawBoltClient(port)) {
                c.raw(junk);
                c.shutdownOutput();
                assertThat(c.closedByServer()).isTrue();
            }
        }
    }

    private static void assertMalformed(byte[] message) throws IOException {
        try (RawBoltClient c = RawBoltClient.connected(port)) {
            c.sendMessage(message);
            assertFailsAndCloses(c, BoltProtocolException.INVALID_FORMAT);
        }
    }

    private static Response assertFailsAndCloses(RawBoltClient c, String code) throws IOException {
        List<Response> responses = c.readUntilClosed();
        assertThat(responses).hasSize(1);
        Response failure = responses.get(0);
        assertThat(failure.tag()).isEqualTo(FAILURE);
        assertThat(failure.meta()).containsEntry("code", code);
        return failure;
    }
}
