package io.ccdr.node.system;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ccdr.node.raft.Lifecycles;
import io.ccdr.node.raft.SnapshotDirectories;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.SnapshotInfo;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The state machine of the {@code system} database: cluster metadata as JSON commands applied to
 * an in-memory {@link SystemState}, snapshotted as one JSON file (it is small).
 */
public final class SystemStateMachine extends BaseStateMachine {
    private static final Logger LOG = LoggerFactory.getLogger(SystemStateMachine.class);
    static final ObjectMapper JSON = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    private static final String FILE = "system.json";

    private final SystemState state = new SystemState();
    private final SnapshotDirectories storage = new SnapshotDirectories();
    private final List<Consumer<SystemState.Snapshot>> listeners = new CopyOnWriteArrayList<>();
    private volatile String applyFailure;

    /**
     * Why this member's system group stopped (its Raft log cannot be written, e.g. a full disk), or
     * null. It then receives no more system changes; reopening the group ({@link #reopened()})
     * resumes it.
     */
    public String applyFailure() {
        return applyFailure;
    }

    @Override
    public void notifyLogFailed(Throwable cause, LogEntryProto failedEntry) {
        if (applyFailure == null) {
            applyFailure = "cannot write its Raft log for the system database (" + io.ccdr.node.util.Causes.rootMessage(cause) + ")";
            LOG.error("system database on this server: {}", applyFailure);
        }
    }

    /**
     * A fresh state machine for this server's member of the system group, with the same listeners:
     * Ratis closes the state machine of a group it reopens, and a closed one cannot start again. Its
     * state is rebuilt from the newest snapshot and the log.
     */
    public SystemStateMachine reopened() {
        SystemStateMachine next = new SystemStateMachine();
        next.listeners.addAll(listeners);
        return next;
    }

    public void addListener(Consumer<SystemState.Snapshot> listener) {
        listeners.add(listener);
    }

    public SystemState.Snapshot state() {
        return state.snapshot();
    }

    public static byte[] encode(SystemCommand command) {
        try {
            return JSON.writeValueAsBytes(command);
        } catch (IOException e) {
            throw new IllegalArgumentException(e);
        }
    }

    public static SystemResult decodeResult(byte[] bytes) {
        try {
            return JSON.readValue(bytes, SystemResult.class);
        } catch (IOException e) {
            return SystemResult.failure("Neo.DatabaseError.General.UnknownError", "unreadable system reply: " + e.getMessage());
        }
    }

    @Override
    public StateMachineStorage getStateMachineStorage() {
        return storage;
    }

    @Override
    public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage) throws IOException {
        super.initialize(server, groupId, raftStorage);
        getLifeCycle().startAndTransition(() -> {
            storage.init(raftStorage);
            loadLatest();
        });
    }

    @Override
    public void pause() {
        Lifecycles.pause(this);
    }

    @Override
    public void reinitialize() throws IOException {
        storage.invalidate();
        loadLatest();
        Lifecycles.resume(this);
        notifyListeners();
    }

    private void loadLatest() throws IOException {
        Optional<SnapshotDirectories.Checkpoint> latest = storage.latest();
        if (latest.isEmpty()) {
            return;
        }
        Path file = latest.get().dir().resolve(FILE);
        synchronized (state) {
            state.load(JSON.readValue(file.toFile(), SystemState.Snapshot.class));
        }
        updateLastAppliedTermIndex(latest.get().term(), latest.get().index());
    }

    @Override
    public SnapshotInfo getLatestSnapshot() {
        return storage.getLatestSnapshot();
    }

    @Override
    public long takeSnapshot() throws IOException {
        var applied = getLastAppliedTermIndex();
        if (applied == null || applied.getIndex() < 0) {
            return -1;
        }
        Path tmp = storage.newTemporary();
        Files.createDirectories(tmp);
        JSON.writeValue(tmp.resolve(FILE).toFile(), state.snapshot());
        storage.publish(tmp, applied.getTerm(), applied.getIndex());
        return applied.getIndex();
    }

    @Override
    public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
        LogEntryProto entry = trx.getLogEntry();
        SystemResult result;
        try {
            SystemCommand command = JSON.readValue(entry.getStateMachineLogEntry().getLogData().toByteArray(), SystemCommand.class);
            synchronized (state) {
                result = state.apply(command);
            }
            if (result.ok()) {
                LOG.debug("system: {} -> {}", command, result.message());
            }
        } catch (IOException e) {
            result = SystemResult.failure("Neo.ClientError.Request.Invalid", "unreadable system command: " + e.getMessage());
        }
        updateLastAppliedTermIndex(entry.getTerm(), entry.getIndex());
        if (result.ok()) {
            notifyListeners();
        }
        try {
            return CompletableFuture.completedFuture(Message.valueOf(ByteString.copyFrom(JSON.writeValueAsBytes(result))));
        } catch (IOException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private void notifyListeners() {
        SystemState.Snapshot s = state.snapshot();
        for (Consumer<SystemState.Snapshot> l : listeners) {
            try {
                l.accept(s);
            } catch (RuntimeException e) {
                LOG.warn("system state listener failed: {}", e.toString());
            }
        }
    }
}
