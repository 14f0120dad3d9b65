package io.ccdr.cli.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ccdr.cli.CcdrCommand;
import io.ccdr.node.backup.BackupArtefactWriter;
import io.ccdr.node.backup.BackupHeader;
import io.ccdr.node.store.GraphStore;
import io.ccdr.node.store.StoreState;
import io.ccdr.node.tx.ChangeSet;
import io.ccdr.node.tx.ChangeSetCodec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.RandomAccessFile;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code ccdr admin backup inspect|validate} and the errors of {@code ccdr admin database backup}, as an operator runs them. */
class BackupCommandsTest {
    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cl = CcdrCommand.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }

    /** A FULL artefact of a small store, then a DIFF with the transactions committed after it. */
    private Path[] chain(Path backups) throws Exception {
        try (GraphStore store = GraphStore.open(dir.resolve("store"))) {
            for (int i = 1; i <= 30; i++) {
                ChangeSet cs = new ChangeSet(store.state().lastTxId(), System.currentTimeMillis(),
                        List.of(new ChangeSet.CreateNode(store.state().nextNodeId(), Set.of("T"), Map.of("i", (long) i))));
                store.apply(1, i, ChangeSetCodec.encode(cs));
                if (i == 20) {
                    Path cp = dir.resolve("cp");
                    StoreState at = store.checkpoint(cp);
                    try (BackupArtefactWriter w = BackupArtefactWriter.create(backups, new BackupHeader("neo4j", "lin-1", BackupHeader.Kind.FULL,
                            false, at.lastTxId(), at.chainHash(), at.lastTxId(), at.chainHash(), at.lastCommitTimeMillis(),
                            at.lastCommitTimeMillis(), System.currentTimeMillis(), 0, 0))) {
                        try (Stream<Path> files = Files.list(cp)) {
                            for (Path f : files.sorted().toList()) {
                                w.storeFile(f);
                            }
                        }
                        w.complete();
                    }
                }
            }
            Path full;
            try (Stream<Path> files = Files.list(backups)) {
                full = files.findFirst().orElseThrow();
            }
            StoreState s = store.state();
            var fullHeader = io.ccdr.node.backup.BackupArtefact.open(full).header();
            try (BackupArtefactWriter w = BackupArtefactWriter.create(backups, new BackupHeader("neo4j", "lin-1", BackupHeader.Kind.DIFF, false,
                    fullHeader.endTxId(), fullHeader.endChainHash(), fullHeader.endTxId(), fullHeader.endChainHash(), fullHeader.endCommitMillis(),
                    fullHeader.endCommitMillis(), System.currentTimeMillis() + 1000, 0, 0))) {
                w.transactions(store.transactions(21, 100));
                Path diff = w.complete();
                assertThat(io.ccdr.node.backup.BackupArtefact.open(diff).header().endChainHash()).isEqualTo(s.chainHash());
                return new Path[]{full, diff};
            }
        }
    }

    @Test
    void inspectListsTheChainAndValidatePassesThenNamesTheDamagedFile() throws Exception {
        Path backups = dir.resolve("backups");
        Path[] files = chain(backups);
        assertThat(run("admin", "backup", "inspect", "--from-path", backups.toString())).isZero();
        assertThat(out.toString()).contains("chain 1: database neo4j, lineage lin-1, txId 20..30").contains("FULL").contains("DIFF")
                .contains(files[0].getFileName().toString()).contains(files[1].getFileName().toString());

        out.getBuffer().setLength(0);
        assertThat(run("admin", "backup", "inspect", "--from-path=" + backups, "--json")).isZero();
        JsonNode json = new ObjectMapper().readTree(out.toString());
        assertThat(json.path("chains")).hasSize(1);
        assertThat(json.path("chains").get(0).path("artefacts")).hasSize(2);
        assertThat(json.path("chains").get(0).path("artefacts").get(1).path("type").asText()).isEqualTo("DIFF");
        assertThat(json.path("chains").get(0).path("endTxId").asLong()).isEqualTo(30);

        assertThat(run("admin", "backup", "validate", "--from-path", backups.toString())).isZero();
        assertThat(out.toString()).contains("2 artefact(s) valid");

        try (RandomAccessFile raf = new RandomAccessFile(files[1].toFile(), "rw")) {
            raf.seek(raf.length() - 100);
            int b = raf.read();
            raf.seek(raf.length() - 100);
            raf.write(b ^ 1);
        }
        int code = run("admin", "backup", "validate", "--from-path", backups.toString());
        assertThat(code).isEqualTo(7);
        assertThat(err.toString()).startsWith("ccdr admin backup validate: ").contains(files[1].toString()).contains("offset");
        assertThat(err.toString().strip().lines()).hasSize(1);
        // the FULL alone is still fine
        assertThat(run("admin", "backup", "validate", "--from-path", files[0].toString())).isZero();
    }

    @Test
    void backupToAnUnreachableAddressFailsWithOneLineAndItsExitCode() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        int code = run("admin", "database", "backup", "--from=127.0.0.1:" + port, "--to-path=" + dir.resolve("b"), "--timeout=PT2S", "neo4j");
        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).startsWith("ccdr admin database backup: cannot reach any --from address");
        assertThat(err.toString().strip().lines()).hasSize(1);
        assertThat(run("admin", "database", "backup", "--from=127.0.0.1:" + port, "--to-path=" + dir.resolve("b"))).isEqualTo(1);
        assertThat(run("admin", "database", "backup", "--from=127.0.0.1:" + port, "--to-path=" + dir.resolve("b"), "--database=neo4j",
                "--tls-dir=" + dir.resolve("missing"))).isEqualTo(1);
    }

    @Test
    void databaseRestoreBuildsTheStoreWhereTheServerKeepsItAndRefusesToOverwriteUnlessTold() throws Exception {
        Path backups = dir.resolve("backups");
        chain(backups);
        Path data = dir.resolve("server-data");
        Path conf = dir.resolve("ccdr.conf");
        Files.writeString(conf, "server.directories.data=" + data + "\n");
        Path store = data.resolve("databases").resolve("restored").resolve("store");

        assertThat(run("admin", "database", "restore", "--from-path", backups.toString(), "--restore-until", "25", "--conf", conf.toString(),
                "restored")).as(err.toString()).isZero();
        assertThat(out.toString()).contains("restored 'restored' at txId 25").contains("existingData: 'use'");
        try (GraphStore restored = GraphStore.open(store)) {
            assertThat(restored.state().lastTxId()).isEqualTo(25);
        }

        assertThat(run("admin", "database", "restore", "--from-path", backups.toString(), "--conf", conf.toString(), "restored")).isEqualTo(1);
        assertThat(err.toString()).contains("--overwrite-destination");
        assertThat(err.toString().strip().lines()).hasSize(1);
        try (GraphStore kept = GraphStore.open(store)) {
            assertThat(kept.state().lastTxId()).as("a refused restore leaves the store as it was").isEqualTo(25);
        }

        assertThat(run("admin", "database", "restore", "--from-path", backups.toString(), "--overwrite-destination", "--conf", conf.toString(),
                "restored")).as(err.toString()).isZero();
        try (GraphStore replaced = GraphStore.open(store)) {
            assertThat(replaced.state().lastTxId()).isEqualTo(30);
        }

        err.getBuffer().setLength(0);
        Files.createDirectories(data.resolve("cluster"));
        Files.writeString(data.resolve("cluster").resolve("databases.properties"), "0f6a3c2e-0000-4000-8000-000000000001=restored\n");
        assertThat(run("admin", "database", "restore", "--from-path", backups.toString(), "--overwrite-destination", "--conf", conf.toString(),
                "restored")).isEqualTo(1);
        assertThat(err.toString()).contains("still hosts 'restored'").contains("DROP DATABASE restored");

        err.getBuffer().setLength(0);
        assertThat(run("admin", "database", "restore", "--from-path", dir.resolve("nothing-here").toString(), "--conf", conf.toString(),
                "other")).isEqualTo(8);
        assertThat(err.toString()).startsWith("ccdr admin database restore: ");
        assertThat(Files.exists(data.resolve("databases").resolve("other"))).as("nothing left behind").isFalse();
    }

    @Test
    void theMetricsFileReportsTheLastSuccessfulBackupInPrometheusTextFormatAndIsReplacedWhole() throws Exception {
        Path[] files = chain(dir.resolve("backups"));
        var header = io.ccdr.node.backup.BackupArtefact.open(files[1]).header();
        Path prom = dir.resolve("textfile").resolve("ccdr-backup-neo4j.prom");
        BackupMetricsFile.write(prom, header, 4096, 1_764_756_930_500L);
        String text = Files.readString(prom);
        assertThat(text).contains("ccdr_backup_last_success_timestamp_seconds{database=\"neo4j\",type=\"DIFF\"} 1.7647569305E9\n")
                .contains("ccdr_backup_last_size_bytes{database=\"neo4j\",type=\"DIFF\"} 4096\n")
                .contains("ccdr_backup_last_tx_id{database=\"neo4j\",type=\"DIFF\"} 30\n")
                .contains("# TYPE ccdr_backup_last_size_bytes gauge\n");
        BackupMetricsFile.write(prom, header, 8192, 1_764_756_999_000L);
        assertThat(Files.readString(prom)).contains("} 8192\n").doesNotContain("} 4096\n");
        try (Stream<Path> left = Files.list(prom.getParent())) {
            assertThat(left).as("no temporary file left behind").containsExactly(prom);
        }
    }
}
