package io.ccdr.node.bolt;

import io.ccdr.node.graph.GraphException;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One Bolt connection's state machine, run on the worker pool.
 *
 * <p>Requests arrive from the event loop through {@link #submit}; a connection has at most one
 * task in the pool at a time, which drains its queue in order, so backend calls may block
 * without stalling the event loop or reordering responses. Too many queued requests turn off
 * reading from the socket until the queue drains. A PULL whose client stops reading is parked
 * when the socket's write buffer is full and resumed when it drains, so a slow reader holds
 * neither a worker thread nor an unbounded amount of memory.
 *
 * <p>States follow the Bolt specification: CONNECTED → (5.1+: AUTHENTICATION) → READY →
 * STREAMING (auto-commit) / TX_READY / TX_STREAMING (explicit), FAILED after a failure (all
 * requests IGNORED until RESET), INTERRUPTED while a RESET is queued (everything before it is
 * IGNORED, as in Neo4j, so that a RESET cuts a pipeline short), DEFUNCT when closed.
 */
final class BoltConnection {
    private static final Logger LOG = LoggerFactory.getLogger(BoltConnection.class);
    private static final String UNKNOWN_ERROR = "Neo.DatabaseError.General.UnknownError";
    private static final int HIGH_WATER = 64;
    private static final int LOW_WATER = 16;
    private static final int BATCH = 64;
    private static final int RECORD_BATCH_BYTES = 32 * 1024;

    enum State { CONNECTED, AUTHENTICATION, READY, STREAMING, TX_READY, TX_STREAMING, FAILED, DEFUNCT }

    private final BoltServer.Shared shared;
    private final Channel channel;
    private final BoltVersion version;
    private final String id;
    private final BoltOutput out;

    // Shared between the event loop and the worker.
    private final Queue<Queued> inbox = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    private final AtomicLong queuedHeap = new AtomicLong();
    private final long maxQueuedHeap;
    private final AtomicInteger pendingResets = new AtomicInteger();
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private volatile boolean authenticated;

    // Confined to the (single) running drain task.
    private State state = State.CONNECTED;
    private String principal;
    /** Written by the worker; volatile because RESET/close read it on the event loop to call terminate(). */
    private volatile BoltTransaction tx;
    private final Map<Long, OpenResult> results = new LinkedHashMap<>();
    /** A PULL waiting for a slow reader; nothing behind it is processed until it completes. */
    private PullInProgress parked;
    private long nextQid;
    private long lastQid = -1;

    BoltConnection(BoltServer.Shared shared, Channel channel, BoltVersion version) {
        this.shared = shared;
        this.channel = channel;
        this.version = version;
        this.id = "bolt-" + shared.nextConnectionId();
        this.out = new BoltOutput(channel, version);
        this.maxQueuedHeap = (long) BoltMessageDecoder.HEAP_FACTOR * shared.config().maxMessageSize();
        // A connection that completed the handshake gets the same time again to authenticate, so
        // idle unauthenticated sockets cannot pile up.
        long millis = shared.config().handshakeTimeout().toMillis();
        channel.eventLoop().schedule(() -> {
            if (!authenticated && channel.isActive()) {
                LOG.info("Bolt connection {} from {} closed: not authenticated within {} ms", id,
                        channel.remoteAddress(), millis);
                channel.close();
            }
        }, millis, java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    String id() {
        return id;
    }

    // ---------------------------------------------------------------- event loop side

    /**
     * Queues a request. Reading from the socket pauses while many requests, or requests whose
     * decoded values take much heap, wait here, so a fast pipelining client cannot make the
     * server buffer without bound.
     */
    void submit(BoltRequest request, long heapCost) {
        if (request instanceof BoltRequest.Reset || request instanceof BoltRequest.Closed) {
            if (request instanceof BoltRequest.Reset) {
                pendingResets.incrementAndGet();
            }
            BoltTransaction busy = tx;
            if (busy != null) {
                try {
                    busy.terminate();
                } catch (RuntimeException e) {
                    LOG.warn("Terminating the transaction of Bolt connection {} failed", id, e);
                }
            }
        }
        inbox.add(new Queued(request, heapCost));
        long heap = queuedHeap.addAndGet(heapCost);
        if ((queued.incrementAndGet() > HIGH_WATER || heap > maxQueuedHeap) && channel.config().isAutoRead()) {
            channel.config().setAutoRead(false);
        }
        schedule();
    }

    private record Queued(BoltRequest request, long heapCost) {
    }

    /** Event loop: a parked PULL can continue once the client has read enough. */
    void writabilityChanged() {
        if (channel.isWritable()) {
            schedule();
        }
    }

    private void schedule() {
        if (scheduled.compareAndSet(false, true)) {
            try {
                shared.workers().execute(this::drain);
            } catch (RejectedExecutionException e) {
                scheduled.set(false);
                if (shared.workers().isShutdown()) {
                    channel.close(); // the server is closing
                    return;
                }
                LOG.warn("Bolt connection {} from {} closed: all {} worker threads busy and the queue is full", id,
                        channel.remoteAddress(), shared.config().workerThreads());
                out.failureAndClose("Neo.TransientError.Request.NoThreadsAvailable",
                        "There are no available threads to serve this request at the moment");
                // Nothing queued here will run: an open transaction of this connection is left to the
                // backend's transaction timeout, since rolling it back here would race with a worker.
                inbox.clear();
            }
        }
    }

    // ---------------------------------------------------------------- worker side

    private void drain() {
        try {
            for (int i = 0; i < BATCH; i++) {
                if (parked != null) {
                    if (!resumeParkedPull()) {
                        break; // still waiting for the client to read; writabilityChanged() reschedules
                    }
                    continue;
                }
                Queued next = inbox.poll();
                if (next == null) {
                    break;
                }
                long heap = queuedHeap.addAndGet(-next.heapCost());
                if (queued.decrementAndGet() <= LOW_WATER && heap <= maxQueuedHeap / 2 && !channel.config().isAutoRead()
                        && state != State.DEFUNCT) {
                    channel.config().setAutoRead(true);
                }
                runSafely(next.request().name(), () -> process(next.request()));
                if (inbox.isEmpty()) {
                    // Pipelined requests already waiting are answered in the same flush.
                    out.flush();
                }
            }
        } finally {
            out.flush();
            scheduled.set(false);
            // Re-checked after clearing the flag, so a concurrent submit() or writability change
            // that found the flag still set is not lost.
            if (parked != null ? channel.isWritable() || pendingResets.get() > 0 || !channel.isActive()
                    : !inbox.isEmpty()) {
                schedule();
            }
        }
    }

    /**
     * Continues a PULL parked because the client stopped reading. Returns false if it is still
     * parked (requests behind it wait, in order).
     */
    private boolean resumeParkedPull() {
        PullInProgress p = parked;
        if (pendingResets.get() > 0 || !channel.isActive()) {
            parked = null;
            abandon();
            out.ignored(); // cut short by RESET or disconnect, like a PULL interrupted while streaming
            return true;
        }
        if (!channel.isWritable()) {
            return false;
        }
        parked = null;
        runSafely(p.request.name(), () -> guarded(p.request, () -> continuePull(p)));
        return parked == null;
    }

    /** Last line of defence: an Error from deep inside a backend call ends the connection, not the worker. */
    private void runSafely(String what, Runnable action) {
        try {
            action.run();
        } catch (Throwable t) { // StackOverflowError, OutOfMemoryError from deep in a backend call
            LOG.error("Bolt connection {} closed after a fatal error serving {}", id, what, t);
            parked = null;
            state = State.DEFUNCT;
            channel.close();
            if (t instanceof Error error && !(t instanceof StackOverflowError)) {
                throw error;
            }
        }
    }

    private void process(BoltRequest request) {
        if (request instanceof BoltRequest.Closed) {
            abandon();
            state = State.DEFUNCT;
            return;
        }
        if (state == State.DEFUNCT) {
            return;
        }
        if (request instanceof BoltRequest.Malformed m && m.error().fatal()) {
            protocolViolation(m.error().code(), m.error().getMessage());
            return;
        }
        if (request instanceof BoltRequest.Reset) {
            if (pendingResets.decrementAndGet() > 0) {
                out.ignored();
            } else {
                reset();
            }
            return;
        }
        if (request instanceof BoltRequest.Goodbye) {
            abandon();
            state = State.DEFUNCT;
            channel.close();
            return;
        }
        if (pendingResets.get() > 0 || state == State.FAILED) {
            out.ignored();
            return;
        }
        guarded(request, () -> {
            if (request instanceof BoltRequest.Malformed m) {
                throw m.error();
            }
            dispatch(request);
        });
    }

    /** Runs one step of a request and turns its exceptions into the FAILURE (or IGNORED) the client gets. */
    private void guarded(BoltRequest request, Runnable step) {
        try {
            step.run();
        } catch (BoltProtocolException e) {
            if (e.fatal()) {
                protocolViolation(e.code(), e.getMessage());
            } else {
                fail(e.code(), e.getMessage());
            }
        } catch (Interrupted e) {
            abandon();
            out.ignored();
        } catch (GraphException e) {
            if (e.statusCode() == null || e.statusCode().isBlank()) {
                LOG.warn("GraphException without a status code serving {} on Bolt connection {}", request.name(), id, e);
                fail(UNKNOWN_ERROR, "An unexpected error occurred while serving " + request.name()
                        + "; see the server log for connection " + id);
            } else {
                fail(e.statusCode(), e.getMessage() == null ? e.statusCode() : e.getMessage());
            }
        } catch (RuntimeException e) {
            LOG.warn("Unexpected error serving {} on Bolt connection {} (user {})", request.name(), id, principal, e);
            fail(UNKNOWN_ERROR, "An unexpected error occurred while serving " + request.name()
                    + "; see the server log for connection " + id);
        }
    }

    private void dispatch(BoltRequest request) {
        switch (state) {
            case CONNECTED -> {
                if (request instanceof BoltRequest.Hello hello) {
                    hello(hello);
                } else {
                    throw violation(request);
                }
            }
            case AUTHENTICATION -> {
                if (request instanceof BoltRequest.Logon logon) {
                    logon(logon.auth());
                } else {
                    throw violation(request);
                }
            }
            default -> dispatchAuthenticated(request);
        }
    }

    private void dispatchAuthenticated(BoltRequest request) {
        if (request instanceof BoltRequest.Run run) {
            run(run);
        } else if (request instanceof BoltRequest.Pull pull) {
            pull(pull);
        } else if (request instanceof BoltRequest.Begin begin) {
            requireState(request, State.READY);
            tx = shared.backend().begin(RequestArgs.transactionRequest(begin.extra(), principal, false));
            nextQid = 0;
            lastQid = -1;
            state = State.TX_READY;
            out.success(Map.of());
        } else if (request instanceof BoltRequest.Commit) {
            requireState(request, State.TX_READY, State.TX_STREAMING);
            closeResults();
            BoltTransaction t = tx;
            tx = null;
            state = State.READY;
            String bookmark;
            try {
                bookmark = t.commit();
            } catch (RuntimeException e) {
                safeRollback(t);
                throw e;
            }
            out.success(bookmark == null ? Map.of() : Map.of("bookmark", bookmark));
        } else if (request instanceof BoltRequest.Rollback) {
            requireState(request, State.TX_READY, State.TX_STREAMING);
            closeResults();
            BoltTransaction t = tx;
            tx = null;
            state = State.READY;
            t.rollback();
            out.success(Map.of());
        } else if (request instanceof BoltRequest.Route route) {
            requireState(request, State.READY);
            route(route);
        } else if (request instanceof BoltRequest.Logoff) {
            requireState(request, State.READY);
            principal = null;
            state = State.AUTHENTICATION;
            out.success(Map.of());
        } else if (request instanceof BoltRequest.Telemetry) {
            out.success(Map.of());
        } else if (request instanceof BoltRequest.Hello || request instanceof BoltRequest.Logon) {
            throw violation(request);
        } else {
            throw BoltProtocolException.invalid("Unexpected " + request.name());
        }
    }

    // ---------------------------------------------------------------- authentication

    private void hello(BoltRequest.Hello hello) {
        Map<String, Object> extra = hello.extra();
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("server", shared.backend().serverAgent());
        meta.put("connection_id", id);
        if (version.major() == 4 && extra.get("patch_bolt") instanceof List<?> patches && patches.contains("utc")) {
            out.useUtcDateTimes();
            meta.put("patch_bolt", List.of("utc"));
        }
        meta.put("hints", Map.of());
        if (!version.separateLogon()) {
            authenticate(authToken(extra));
            state = State.READY;
        } else {
            state = State.AUTHENTICATION;
        }
        out.success(meta);
    }

    private void logon(Map<String, Object> auth) {
        authenticate(auth);
        state = State.READY;
        out.success(Map.of());
    }

    private void authenticate(Map<String, Object> token) {
        try {
            String p = shared.backend().authenticate(token);
            if (p == null) {
                throw new GraphException("Neo.ClientError.Security.Unauthorized", "Authentication failed");
            }
            principal = p;
            authenticated = true;
        } catch (GraphException e) {
            // A failed authentication ends the connection, as in Neo4j: drivers open a new one.
            LOG.info("Bolt connection {} from {}: authentication failed ({})", id, channel.remoteAddress(),
                    e.statusCode());
            throw new BoltProtocolException(e.statusCode(), e.getMessage(), true);
        }
    }

    /** In Bolt 5.0 and 4.4 the auth token is part of HELLO's map, next to driver information. */
    private static Map<String, Object> authToken(Map<String, Object> hello) {
        Map<String, Object> token = new LinkedHashMap<>(hello);
        for (String key : List.of("user_agent", "routing", "patch_bolt", "bolt_agent", "notifications_minimum_severity",
                "notifications_disabled_categories", "notifications_disabled_classifications")) {
            token.remove(key);
        }
        return token;
    }

    // ---------------------------------------------------------------- queries

    private void run(BoltRequest.Run run) {
        long start = System.nanoTime();
        Map<String, Object> meta = new LinkedHashMap<>();
        if (state == State.READY) {
            // Published before run() so that a RESET can terminate a long statement; if run()
            // throws, the failure path rolls it back through abandon().
            tx = shared.backend().begin(RequestArgs.transactionRequest(run.extra(), principal, true));
            BoltResult result = tx.run(run.query(), run.parameters());
            results.put(-1L, new OpenResult(result));
            lastQid = -1;
            state = State.STREAMING;
            meta.put("fields", result.fields());
            meta.put("t_first", millisSince(start));
        } else if (state == State.TX_READY || state == State.TX_STREAMING) {
            BoltResult result = tx.run(run.query(), run.parameters());
            long qid = nextQid++;
            results.put(qid, new OpenResult(result));
            lastQid = qid;
            state = State.TX_STREAMING;
            meta.put("fields", result.fields());
            meta.put("t_first", millisSince(start));
            meta.put("qid", qid);
        } else {
            throw BoltProtocolException.invalid("RUN is not allowed while a result is streaming outside a transaction;"
                    + " consume or discard it first");
        }
        out.success(meta);
    }

    private void pull(BoltRequest.Pull pull) {
        requireState(pull, State.STREAMING, State.TX_STREAMING);
        long n = RequestArgs.longArg(pull.extra(), "n", -1);
        if (n == 0 || n < -1) {
            throw BoltProtocolException.invalid(pull.name() + " needs n > 0 or n = -1, got " + n);
        }
        long qid = RequestArgs.longArg(pull.extra(), "qid", -1);
        if (state == State.STREAMING && qid != -1) {
            throw BoltProtocolException.invalid("qid is only valid inside an explicit transaction");
        }
        long key = qid == -1 ? lastQid : qid;
        OpenResult open = results.get(key);
        if (open == null) {
            throw BoltProtocolException.invalid("No open result with qid " + qid);
        }
        continuePull(new PullInProgress(pull, key, open, tx, n));
    }

    /** Streams rows of a PULL/DISCARD; parks it when the socket is full, completes it otherwise. */
    private void continuePull(PullInProgress p) {
        Boolean more;
        try {
            more = stream(p);
        } catch (RuntimeException e) {
            abandon();
            throw e;
        }
        if (more == null) {
            parked = p;
            return;
        }
        if (more) {
            out.success(Map.of("has_more", true));
            return;
        }
        results.remove(p.key);
        OpenResult open = p.open;
        BoltTransaction t = p.tx;
        Map<String, Object> summary;
        try {
            summary = open.result.summary();
        } finally {
            open.close();
        }
        Map<String, Object> meta = new LinkedHashMap<>();
        if (state == State.STREAMING) {
            tx = null;
            state = State.READY;
            String bookmark;
            try {
                bookmark = t.commit();
            } catch (RuntimeException e) {
                safeRollback(t);
                throw e;
            }
            if (bookmark != null) {
                meta.put("bookmark", bookmark);
            }
        } else if (results.isEmpty()) {
            state = State.TX_READY;
        }
        meta.put("db", t.database());
        Object type = summary == null ? null : summary.get("type");
        meta.put("type", type == null ? "r" : type);
        if (summary != null && summary.get("stats") instanceof Map<?, ?> stats && !stats.isEmpty()) {
            meta.put("stats", stats);
        }
        if (summary != null && summary.get("notifications") instanceof List<?> notes && !notes.isEmpty()) {
            meta.put("notifications", notes);
        }
        meta.put("t_last", millisSince(p.startNanos));
        out.success(meta);
    }

    /**
     * Sends (or skips) rows until the PULL's n is reached. Returns true if rows remain, false when
     * the result is exhausted, and null when the socket is full: a client that does not read then
     * parks its PULL instead of holding a worker thread or buffering the result in memory.
     */
    private Boolean stream(PullInProgress p) {
        OpenResult open = p.open;
        int width = open.result.fields().size();
        boolean discard = p.request.discard();
        if (discard && p.remaining < 0) {
            // DISCARD of the rest: the rows are not computed at all (a streamed result reads them from
            // the store only when asked), and summary() completes the statement's side effects
            return false;
        }
        // Records are packed into batches of ~32 KiB: one write (one event-loop task) per batch
        // instead of per row. A batch is written even when a later row fails, since the rows in
        // it are complete messages the client should see before the FAILURE.
        ByteBuf batch = null;
        try {
            while (p.remaining != 0) {
                if (!discard && batch == null && !channel.isWritable()) {
                    return null;
                }
                List<Object> row = open.next();
                if (row == null) {
                    return false;
                }
                if (p.remaining > 0) {
                    p.remaining--;
                }
                if (discard) {
                    continue;
                }
                if (row.size() != width) {
                    throw new IllegalStateException("backend returned a row of " + row.size() + " values for " + width
                            + " fields");
                }
                if (batch == null) {
                    batch = channel.alloc().buffer(RECORD_BATCH_BYTES + 4096);
                }
                out.encodeInto(batch, w -> {
                    w.structHeader(1, BoltOutput.RECORD);
                    w.writeListHeader(row.size());
                    for (Object v : row) {
                        w.write(v);
                    }
                }, p.tx.databaseId());
                if (batch.readableBytes() >= RECORD_BATCH_BYTES) {
                    out.write(); // responses before these records go first
                    channel.writeAndFlush(batch);
                    batch = null;
                }
                if (pendingResets.get() > 0 || !channel.isActive()) {
                    // A RESET is queued (or the client is gone): stop streaming, as Neo4j does; the
                    // rows sent so far stand and this PULL is answered IGNORED like everything else
                    // before the RESET.
                    throw new Interrupted();
                }
            }
            return open.hasMore();
        } finally {
            if (batch != null) {
                if (batch.isReadable()) {
                    out.write();
                    channel.write(batch);
                } else {
                    batch.release();
                }
            }
        }
    }

    /** A PULL or DISCARD being served, possibly over several drain rounds (see {@link #stream}). */
    private static final class PullInProgress {
        final BoltRequest.Pull request;
        final long key;
        final OpenResult open;
        final BoltTransaction tx;
        final long startNanos = System.nanoTime();
        /** Rows still to send; -1 = all. */
        long remaining;

        PullInProgress(BoltRequest.Pull request, long key, OpenResult open, BoltTransaction tx, long n) {
            this.request = request;
            this.key = key;
            this.open = open;
            this.tx = tx;
            this.remaining = n;
        }
    }

    private void route(BoltRequest.Route route) {
        List<String> bookmarks = RequestArgs.stringList(route.bookmarks(), "bookmarks");
        String db = RequestArgs.stringArg(route.extra(), "db");
        String impersonated = RequestArgs.stringArg(route.extra(), "imp_user");
        RoutingTable table = shared.backend().route(route.routing(), db, bookmarks,
                impersonated != null ? impersonated : principal);
        List<Map<String, Object>> servers = new ArrayList<>();
        for (RoutingTable.Server s : table.servers()) {
            servers.add(Map.of("addresses", s.addresses(), "role", s.role().name()));
        }
        Map<String, Object> rt = new LinkedHashMap<>();
        rt.put("ttl", table.ttlSeconds());
        rt.put("db", table.database());
        rt.put("servers", servers);
        out.success(Map.of("rt", rt));
    }

    // ---------------------------------------------------------------- state helpers

    private void requireState(BoltRequest request, State... allowed) {
        for (State s : allowed) {
            if (state == s) {
                return;
            }
        }
        throw BoltProtocolException.invalid(request.name() + " is not allowed in state " + state);
    }

    private BoltProtocolException violation(BoltRequest request) {
        return new BoltProtocolException(BoltProtocolException.INVALID,
                request.name() + " is not allowed in state " + state, true);
    }

    private void reset() {
        abandon();
        if (state != State.CONNECTED && state != State.AUTHENTICATION) {
            state = principal == null ? State.AUTHENTICATION : State.READY;
        }
        out.success(Map.of());
    }

    /** Rolls back the open transaction (if any) and forgets its results. */
    private void abandon() {
        parked = null;
        closeResults();
        BoltTransaction t = tx;
        tx = null;
        if (t != null) {
            safeRollback(t);
        }
        if (state == State.STREAMING || state == State.TX_READY || state == State.TX_STREAMING) {
            state = State.READY;
        }
    }

    private void closeResults() {
        for (OpenResult r : results.values()) {
            r.close();
        }
        results.clear();
    }

    private void safeRollback(BoltTransaction t) {
        try {
            t.rollback();
        } catch (RuntimeException e) {
            LOG.warn("Rollback failed on Bolt connection {}", id, e);
        }
    }

    private void fail(String code, String message) {
        if (state == State.CONNECTED || state == State.AUTHENTICATION) {
            // HELLO/LOGON failures leave nothing to recover: the spec says DEFUNCT.
            protocolViolation(code, message);
            return;
        }
        abandon();
        state = State.FAILED;
        out.failure(code, message);
    }

    private void protocolViolation(String code, String message) {
        if (!code.startsWith("Neo.ClientError.Security.")) {
            LOG.info("Bolt connection {} from {} closed: {} ({})", id, channel.remoteAddress(), message, code);
        }
        abandon();
        state = State.DEFUNCT;
        out.failureAndClose(code, message);
    }

    private static long millisSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }

    /** Unwinds a PULL that a queued RESET cut short. */
    private static final class Interrupted extends RuntimeException {
        Interrupted() {
            super(null, null, false, false);
        }
    }
}
