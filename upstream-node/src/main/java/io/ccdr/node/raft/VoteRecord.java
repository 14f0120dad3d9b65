package io.ccdr.node.raft;

import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.storage.RaftStorageMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Properties;

/**
 * A member's durable Raft vote record (Ratis's {@code current/raft-meta}: {@code term} and
 * {@code votedFor} as Java properties), kept readable across a reopen. A full disk can leave that
 * file empty, and Ratis then refuses to open the member at all. The open member still holds the
 * record in memory: Ratis grants a vote only after persisting it, so the in-memory record is at
 * least as new as any vote this member gave. Writing it back therefore never lets the member vote
 * twice in one term, which is what the file exists to prevent.
 */
final class VoteRecord {
    private static final Logger LOG = LoggerFactory.getLogger(VoteRecord.class);
    private static final String TERM = "term";
    private static final String VOTED_FOR = "votedFor";

    private final File file;
    private final long term;
    private final String votedFor;

    VoteRecord(File file, long term, String votedFor) {
        this.file = file;
        this.term = term;
        this.votedFor = votedFor;
    }

    /** What {@code member} holds in memory, or null when it cannot say (then nothing is repaired). */
    static VoteRecord of(RaftServer.Division member) {
        try {
            RaftStorageMetadata known = member.getRaftStorage().getMetadataFile().getMetadata();
            long current = member.getInfo().getCurrentTerm();
            // a newer term without a persisted vote in it: the member has not voted in that term
            String votedFor = known.getTerm() >= current && known.getVotedFor() != null ? known.getVotedFor().toString() : "";
            File file = new File(member.getRaftStorage().getStorageDir().getCurrentDir(), "raft-meta");
            return new VoteRecord(file, Math.max(known.getTerm(), current), votedFor);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** Rewrites the file from this record if it no longer holds a readable term; call with the member closed. */
    void restoreIfUnreadable() throws IOException {
        if (readable()) {
            return;
        }
        Properties p = new Properties();
        p.setProperty(TERM, Long.toString(term));
        p.setProperty(VOTED_FOR, votedFor);
        Path tmp = file.toPath().resolveSibling(file.getName() + ".ccdr-tmp");
        try (FileOutputStream out = new FileOutputStream(tmp.toFile())) {
            p.store(out, "restored by ccdr after an unreadable vote record");
            out.getFD().sync();
        }
        Files.move(tmp, file.toPath(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        LOG.warn("{} was unreadable (left so by a failed write); restored term {} and vote '{}' from the member's memory", file, term, votedFor);
    }

    private boolean readable() {
        try (InputStream in = Files.newInputStream(file.toPath())) {
            Properties p = new Properties();
            p.load(in);
            Long.parseLong(p.getProperty(TERM, ""));
            return true;
        } catch (IOException | NumberFormatException e) {
            return false;
        }
    }
}
