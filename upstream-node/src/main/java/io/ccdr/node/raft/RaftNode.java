package io.ccdr.node.raft;

import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.GroupManagementRequest;
import org.apache.ratis.protocol.LeaderElectionManagementRequest;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.TransferLeadershipRequest;
import org.apache.ratis.protocol.exceptions.AlreadyExistsException;
import org.apache.ratis.protocol.exceptions.GroupMismatchException;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.statemachine.StateMachine;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;

import java.io.File;
import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * This server's single Ratis server, hosting the {@code system} group and one group per local
 * database. Proposals from the leader go straight into the local Ratis server (no network hop);
 * group membership is managed through the same in-process admin API.
 */
public final class RaftNode implements AutoCloseable {
    private final RaftPeerId selfId;
    private final File storageDir;
    private final RaftServer server;
    private final ClientId clientId = ClientId.randomId();
    private final AtomicLong callIds = new AtomicLong();

    public RaftNode(RaftPeerId selfId, File storageDir, int port, long snapshotThreshold, long segmentBytes, StateMachine.Registry registry,
                    Parameters parameters)
            throws IOException {
        this.selfId = selfId;
        this.storageDir = storageDir;
        RaftProperties props = RaftTuning.properties(storageDir, port, snapshotThreshold, segmentBytes);
        this.server = RaftServer.newBuilder().setServerId(selfId).setProperties(props)
                .setStateMachineRegistry(registry).setParameters(parameters).build();
    }

    public void start() throws IOException {
        server.start();
    }

    public RaftPeerId selfId() {
        return selfId;
    }

    public RaftServer server() {
        return server;
    }

    public boolean hosts(RaftGroupId groupId) {
        try {
            for (RaftGroupId id : server.getGroupIds()) {
                if (id.equals(groupId)) {
                    return true;
                }
            }
            return false;
        } catch (RuntimeException e) {
            return false;
        }
    }

    public Optional<RaftServer.Division> division(RaftGroupId groupId) {
        try {
            return Optional.of(server.getDivision(groupId));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** Joins {@code group} on this server; a no-op if already hosted. */
    public void addGroup(RaftGroup group) throws IOException {
        if (hosts(group.getGroupId())) {
            return;
        }
        try {
            // a group closed earlier (STOP DATABASE) is opened from what it left on disk, a new one formatted
            boolean format = !new File(storageDir, group.getGroupId().getUuid().toString()).exists();
            RaftClientReply reply = server.groupManagement(
                    GroupManagementRequest.newAdd(clientId, selfId, callIds.incrementAndGet(), group, format));
            if (!reply.isSuccess() && !(((Object) reply.getException()) instanceof AlreadyExistsException)) {
                throw new IOException("cannot add raft group " + group.getGroupId() + ": " + reply.getException());
            }
        } catch (AlreadyExistsException e) {
            // raced with ourselves; fine
        }
    }

    /** Closes this member of {@code groupId}, keeping its Raft storage (it can be added again later). */
    public void closeGroup(RaftGroupId groupId) throws IOException {
        if (!hosts(groupId)) {
            return;
        }
        boolean interrupted = Thread.currentThread().isInterrupted();
        RaftClientReply reply = server.groupManagement(
                GroupManagementRequest.newRemove(clientId, selfId, callIds.incrementAndGet(), groupId, false, false));
        if (!interrupted) {
            Thread.interrupted(); // closing a division can leave the caller's interrupt flag set; it was not meant for us
        }
        if (!reply.isSuccess()) {
            throw new IOException("cannot close raft group " + groupId + ": " + reply.getException());
        }
    }

    /** Leaves {@code groupId} and deletes its Raft storage. */
    public void removeGroup(RaftGroupId groupId) throws IOException {
        if (!hosts(groupId)) {
            return;
        }
        try {
            server.groupManagement(GroupManagementRequest.newRemove(clientId, selfId, callIds.incrementAndGet(), groupId, true, false));
        } catch (GroupMismatchException e) {
            // already gone
        }
    }

    /**
     * Takes this member out of leadership in {@code groupId}: it no longer stands for election, and
     * steps down if it leads. For a member that cannot write its log or store, so that a healthy
     * member leads (and learns every outcome) instead.
     */
    public void standDown(RaftGroupId groupId) throws IOException {
        server.leaderElectionManagement(LeaderElectionManagementRequest.newPause(clientId, selfId, groupId, callIds.incrementAndGet()));
        Optional<RaftServer.Division> d = division(groupId);
        if (d.isPresent() && d.get().getInfo().isLeader()) {
            server.transferLeadership(new TransferLeadershipRequest(clientId, selfId, groupId, callIds.incrementAndGet(), null, 5_000));
        }
    }

    /**
     * Closes this member of {@code group} (if open) and opens it again from its storage, keeping its
     * log and snapshots: Ratis never writes to a log again once a write failed (e.g. on a full disk),
     * so this is how such a member resumes. Its state machine is closed and a new one is taken from
     * the registry. {@code group} is used only if the storage holds no configuration.
     */
    public void reopenGroup(RaftGroup group) throws IOException {
        RaftGroupId groupId = group.getGroupId();
        VoteRecord votes = division(groupId).map(VoteRecord::of).orElse(null);
        closeGroup(groupId);
        if (votes != null) {
            votes.restoreIfUnreadable();
        }
        RaftClientReply added = server.groupManagement(
                GroupManagementRequest.newAdd(clientId, selfId, callIds.incrementAndGet(), group, false));
        if (!added.isSuccess()) {
            throw new IOException("cannot reopen raft group " + groupId + ": " + added.getException());
        }
    }

    /**
     * Proposes {@code data} to {@code groupId} through the local server (which must be its leader).
     * {@code data} is handed over without a copy: the caller must not change it afterwards.
     */
    public CompletableFuture<RaftClientReply> submitLocal(RaftGroupId groupId, byte[] data) {
        RaftClientRequest request = RaftClientRequest.newBuilder()
                .setClientId(clientId).setServerId(selfId).setGroupId(groupId)
                .setCallId(callIds.incrementAndGet())
                .setMessage(Message.valueOf(org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations.unsafeWrap(data)))
                .setType(RaftClientRequest.writeRequestType())
                .build();
        try {
            return server.submitClientRequestAsync(request);
        } catch (IOException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
