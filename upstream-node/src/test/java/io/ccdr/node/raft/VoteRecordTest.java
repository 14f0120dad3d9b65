package io.ccdr.node.raft;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

/** The vote record a full disk left empty comes back from memory; a readable one is never touched. */
class VoteRecordTest {
    @TempDir
    Path dir;

    @Test
    void anEmptyVoteRecordIsRestoredWithTheTermAndVoteTheMemberHeld() throws Exception {
        Path meta = Files.createFile(dir.resolve("raft-meta")); // what ENOSPC left behind
        new VoteRecord(meta.toFile(), 7, "peer-b").restoreIfUnreadable();
        Properties p = load(meta);
        assertThat(p.getProperty("term")).isEqualTo("7");
        assertThat(p.getProperty("votedFor")).isEqualTo("peer-b");
        assertThat(dir.resolve("raft-meta.ccdr-tmp")).doesNotExist();
    }

    @Test
    void aReadableVoteRecordIsLeftAsItIs() throws Exception {
        Path meta = dir.resolve("raft-meta");
        Files.writeString(meta, "term=9\nvotedFor=peer-c\n");
        new VoteRecord(meta.toFile(), 7, "peer-b").restoreIfUnreadable();
        assertThat(load(meta).getProperty("term")).isEqualTo("9");
        assertThat(load(meta).getProperty("votedFor")).isEqualTo("peer-c");
    }

    private static Properties load(Path file) throws Exception {
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            p.load(in);
        }
        return p;
    }
}
