package io.ccdr.cli.admin;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.ccdr.cli.console.TextTable;
import io.ccdr.node.backup.BackupArtefact;
import io.ccdr.node.backup.BackupChains;
import io.ccdr.node.backup.BackupException;
import io.ccdr.node.backup.BackupHeader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code ccdr admin backup inspect}: the chains in a directory (headers only; {@code validate} reads the contents). */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "List backup chains: artefacts, FULL/DIFF, txId ranges, commit times, sizes, lineage.")
final class BackupInspectCommand extends ConsoleCommand implements Callable<Integer> {
    @Option(names = "--from-path", required = true, paramLabel = "DIR|FILE", description = "a backup directory or one artefact")
    Path fromPath;

    @Option(names = "--json", description = "print JSON (one object with a list of chains and of artefacts in no chain)")
    boolean json;

    @Override
    public Integer call() throws Exception {
        BackupChains chains;
        try {
            chains = BackupChains.scan(fromPath);
        } catch (BackupException e) {
            return BackupExitCodes.fail(err(), "backup inspect", e);
        }
        List<BackupChains.Chain> shown = chains.chains();
        List<BackupArtefact> orphans = chains.orphans();
        if (!Files.isDirectory(fromPath)) {
            Path file = fromPath.toAbsolutePath().normalize();
            shown = shown.stream().filter(c -> c.artefacts().stream().anyMatch(a -> a.file().toAbsolutePath().normalize().equals(file))).toList();
            orphans = orphans.stream().filter(a -> a.file().toAbsolutePath().normalize().equals(file)).toList();
        }
        if (json) {
            Map<String, Object> out = new LinkedHashMap<>();
            List<Object> cs = new ArrayList<>();
            for (BackupChains.Chain c : shown) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("database", c.database());
                m.put("lineageId", c.lineageId());
                m.put("startTxId", c.startTxId());
                m.put("endTxId", c.endTxId());
                m.put("artefacts", c.artefacts().stream().map(BackupInspectCommand::describe).toList());
                cs.add(m);
            }
            out.put("chains", cs);
            out.put("unchained", orphans.stream().map(BackupInspectCommand::describe).toList());
            out().println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(out));
            return 0;
        }
        if (shown.isEmpty() && orphans.isEmpty()) {
            out().println("no backup artefacts in " + fromPath);
            return 0;
        }
        int n = 1;
        for (BackupChains.Chain c : shown) {
            out().println("chain " + n++ + ": database " + c.database() + ", lineage " + c.lineageId() + ", txId " + c.startTxId() + ".."
                    + c.endTxId());
            out().print(table(c.artefacts()));
        }
        if (!orphans.isEmpty()) {
            out().println("in no chain (a gap: the artefact they continue is missing):");
            out().print(table(orphans));
        }
        return 0;
    }

    private static String table(List<BackupArtefact> artefacts) {
        List<List<String>> rows = new ArrayList<>();
        for (BackupArtefact a : artefacts) {
            BackupHeader h = a.header();
            rows.add(List.of(a.file().getFileName().toString(), h.kind().name(), h.startTxId() + ".." + h.endTxId(),
                    String.valueOf(h.transactionCount()), time(h.startCommitMillis()), time(h.endCommitMillis()), String.valueOf(a.size()),
                    h.compressed() ? "yes" : "no"));
        }
        return TextTable.aligned(List.of("artefact", "type", "txIds", "transactions", "first commit", "last commit", "bytes", "compressed"), rows);
    }

    private static String time(long millis) {
        return millis <= 0 ? "-" : Instant.ofEpochMilli(millis).toString();
    }

    private static Map<String, Object> describe(BackupArtefact a) {
        BackupHeader h = a.header();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("file", a.file().toString());
        m.put("database", h.database());
        m.put("lineageId", h.lineageId());
        m.put("type", h.kind().name());
        m.put("startTxId", h.startTxId());
        m.put("startChainHash", h.startChainHashHex());
        m.put("endTxId", h.endTxId());
        m.put("endChainHash", h.endChainHashHex());
        m.put("startCommitTime", time(h.startCommitMillis()));
        m.put("endCommitTime", time(h.endCommitMillis()));
        m.put("createdAt", time(h.createdAtMillis()));
        m.put("transactions", h.transactionCount());
        m.put("storeBytes", h.storeBytes());
        m.put("bytes", a.size());
        m.put("compressed", h.compressed());
        return m;
    }
}
