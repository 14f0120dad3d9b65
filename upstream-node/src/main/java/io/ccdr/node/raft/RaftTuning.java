package io.ccdr.node.raft;

import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;

import java.io.File;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Ratis settings for a server that hosts databases. Every group on the server shares them, so the
 * per-group memory bounds here multiply by the number of hosted databases.
 *
 * <p>Why these values: the log is flushed durably (the store skips its own WAL and relies on it);
 * the segment cache, write queue and retry cache are bounded so that a server in a 512 MiB heap
 * does not collapse under GC (see the field notes); election timeouts are long enough that a
 * loaded 2-core machine does not flap leadership, short enough for sub-2-second failover; and a
 * leader that cannot reach a majority steps down instead of accepting writes it cannot commit.
 */
public final class RaftTuning {
    /**
     * The largest entry proposed to a database group; larger ones go as {@link EntryFragments}.
     * Well below the log appender's buffer (an entry larger than that buffer cannot be sent at all)
     * so one append carries several entries.
     */
    public static final int MAX_ENTRY_BYTES = 1 << 20;

    private RaftTuning() {
    }

    public static RaftProperties properties(File storageDir, int port, long snapshotThreshold, long segmentBytes) {
        RaftProperties p = new RaftProperties();
        RaftServerConfigKeys.setStorageDir(p, List.of(storageDir));
        GrpcConfigKeys.Server.setPort(p, port);
        GrpcConfigKeys.setMessageSizeMax(p, SizeInBytes.valueOf("64MB"));
        GrpcConfigKeys.setFlowControlWindow(p, SizeInBytes.valueOf("4MB"));

        RaftServerConfigKeys.Rpc.setTimeoutMin(p, TimeDuration.valueOf(800, TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Rpc.setTimeoutMax(p, TimeDuration.valueOf(1600, TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Rpc.setRequestTimeout(p, TimeDuration.valueOf(5, TimeUnit.SECONDS));
        RaftServerConfigKeys.Rpc.setSlownessTimeout(p, TimeDuration.valueOf(30, TimeUnit.SECONDS));
        RaftServerConfigKeys.LeaderElection.setPreVote(p, true);
        RaftServerConfigKeys.LeaderElection.setLeaderStepDownWaitTime(p, TimeDuration.valueOf(4, TimeUnit.SECONDS));

        RaftServerConfigKeys.Log.setSegmentSizeMax(p, SizeInBytes.valueOf(segmentBytes));
        RaftServerConfigKeys.Log.setPreallocatedSize(p, SizeInBytes.valueOf(Math.min(4L << 20, segmentBytes)));
        RaftServerConfigKeys.Log.setWriteBufferSize(p, SizeInBytes.valueOf("8MB"));
        RaftServerConfigKeys.Log.setSegmentCacheNumMax(p, 2);
        RaftServerConfigKeys.Log.setSegmentCacheSizeMax(p, SizeInBytes.valueOf("32MB"));
        RaftServerConfigKeys.Log.setQueueElementLimit(p, 4096);
        RaftServerConfigKeys.Log.setQueueByteLimit(p, SizeInBytes.valueOf("32MB"));
        RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(p, true);
        // No commit-index metadata entries: Ratis's default appends one per commit advance, ~0.5 log
        // entries (each replicated and fsynced) per transaction (lag bench: 1,343 tx/s with them, 2,272 without). The
        // leader still wakes its appenders when the commit index advances, so followers learn it one
        // round trip later. A read on a follower without a bookmark may miss a write acknowledged a
        // moment ago, as in Neo4j; ccdr's own tools read through bookmarks (Drivers.causalSession)
        // and a refused login first catches up with the system leader (CcdrServer.catchUpSystem).
        RaftServerConfigKeys.Log.setLogMetadataEnabled(p, false);
        RaftServerConfigKeys.Log.setPurgeGap(p, (int) Math.min(1024, Math.max(1, snapshotThreshold / 4)));
        RaftServerConfigKeys.Log.Appender.setBufferByteLimit(p, SizeInBytes.valueOf("4MB"));
        RaftServerConfigKeys.Log.Appender.setSnapshotChunkSizeMax(p, SizeInBytes.valueOf("8MB"));
        RaftServerConfigKeys.Log.Appender.setInstallSnapshotEnabled(p, true);

        RaftServerConfigKeys.Write.setElementLimit(p, 4096);
        RaftServerConfigKeys.Write.setByteLimit(p, SizeInBytes.valueOf("64MB"));
        RaftServerConfigKeys.RetryCache.setExpiryTime(p, TimeDuration.valueOf(10, TimeUnit.SECONDS));

        RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(p, true);
        RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(p, snapshotThreshold);
        RaftServerConfigKeys.Snapshot.setRetentionFileNum(p, 2);
        RaftServerConfigKeys.Snapshot.setTriggerWhenStopEnabled(p, false);
        return p;
    }
}
