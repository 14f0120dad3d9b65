package io.ccdr.node.raft;

import io.ccdr.node.store.GraphStore;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.SnapshotInfo;
import org.apache.ratis.statemachine.SnapshotRetentionPolicy;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.impl.FileListSnapshotInfo;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Snapshots as directories {@code snapshot.<term>_<index>/} in the group's state-machine folder.
 * Ratis ships the files of the newest one to a follower that is too far behind for the log; the
 * follower finds the same layout under its own folder and {@code reinitialize()}s from it.
 */
public final class SnapshotDirectories implements StateMachineStorage {
    private static final Pattern NAME = Pattern.compile("snapshot\\.(\\d+)_(\\d+)");
    private volatile Path smDir;
    private volatile SnapshotInfo cached;

    @Override
    public void init(RaftStorage raftStorage) throws IOException {
        smDir = raftStorage.getStorageDir().getStateMachineDir().toPath();
        Files.createDirectories(smDir);
        cached = null;
    }

    Path directory() {
        return smDir;
    }

    public record Checkpoint(Path dir, long term, long index) {
        TermIndex termIndex() {
            return TermIndex.valueOf(term, index);
        }
    }

    public Optional<Checkpoint> latest() {
        if (smDir == null || !Files.isDirectory(smDir)) {
            return Optional.empty();
        }
        try (Stream<Path> dirs = Files.list(smDir)) {
            return dirs.map(this::parse).flatMap(Optional::stream)
                    .max(Comparator.comparingLong(Checkpoint::index).thenComparingLong(Checkpoint::term));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private Optional<Checkpoint> parse(Path p) {
        Matcher m = NAME.matcher(p.getFileName().toString());
        if (!m.matches() || !Files.isDirectory(p)) {
            return Optional.empty();
        }
        return Optional.of(new Checkpoint(p, Long.parseLong(m.group(1)), Long.parseLong(m.group(2))));
    }

    public Path newTemporary() {
        return smDir.resolve("tmp-" + System.nanoTime());
    }

    /** Publishes a fully written temporary directory as the snapshot at (term, index). */
    public Checkpoint publish(Path temporary, long term, long index) throws IOException {
        Path target = smDir.resolve("snapshot." + term + "_" + index);
        if (Files.exists(target)) {
            GraphStore.deleteRecursively(temporary);
        } else {
            Files.move(temporary, target);
        }
        cached = null;
        removeOlderThan(index, 1);
        return new Checkpoint(target, term, index);
    }

    private void removeOlderThan(long index, int keepOlder) throws IOException {
        List<Checkpoint> all;
        try (Stream<Path> dirs = Files.list(smDir)) {
            all = new ArrayList<>(dirs.map(this::parse).flatMap(Optional::stream)
                    .sorted(Comparator.comparingLong(Checkpoint::index).reversed()).toList());
        }
        int kept = 0;
        for (Checkpoint c : all) {
            if (c.index() >= index) {
                continue;
            }
            if (kept++ < keepOlder) {
                continue;
            }
            GraphStore.deleteRecursively(c.dir());
        }
        try (Stream<Path> tmps = Files.list(smDir)) {
            for (Path t : tmps.filter(p -> p.getFileName().toString().startsWith("tmp-")).toList()) {
                GraphStore.deleteRecursively(t);
            }
        }
    }

    @Override
    public SnapshotInfo getLatestSnapshot() {
        SnapshotInfo info = cached;
        if (info != null) {
            return info;
        }
        Optional<Checkpoint> latest = latest();
        if (latest.isEmpty()) {
            return null;
        }
        List<FileInfo> files = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(latest.get().dir())) {
            for (Path f : walk.filter(Files::isRegularFile).sorted().toList()) {
                files.add(new FileInfo(f.toAbsolutePath(), null));
            }
        } catch (IOException e) {
            return null;
        }
        info = new FileListSnapshotInfo(files, latest.get().term(), latest.get().index());
        cached = info;
        return info;
    }

    public void invalidate() {
        cached = null;
    }

    @Override
    public void format() {
    }

    @Override
    public void cleanupOldSnapshots(SnapshotRetentionPolicy policy) {
        // publish() keeps the newest snapshot and one older one
    }

    @Override
    public File getSnapshotDir() {
        return null;
    }
}
