package io.ccdr.node.backup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The artefacts of a directory, linked into chains: a chain is a FULL artefact followed by DIFFs,
 * each of which starts exactly where the previous one ends (same lineage, its start txId and
 * chain hash equal to the previous end txId and chain hash). Only headers are read here;
 * {@link BackupArtefact#read} checks the contents.
 *
 * <p>A DIFF that continues no artefact in the directory is an <em>orphan</em>: the chain has a gap
 * (an artefact was deleted or damaged). Orphans are reported, never silently skipped.
 */
public final class BackupChains {
    /** One chain, oldest artefact first. */
    public record Chain(List<BackupArtefact> artefacts) {
        public Chain {
            artefacts = List.copyOf(artefacts);
        }

        public BackupArtefact full() {
            return artefacts.get(0);
        }

        public BackupArtefact last() {
            return artefacts.get(artefacts.size() - 1);
        }

        public String lineageId() {
            return full().header().lineageId();
        }

        public String database() {
            return last().header().database();
        }

        public long startTxId() {
            return full().header().startTxId();
        }

        public long endTxId() {
            return last().header().endTxId();
        }

        /** The prefix of this chain that ends with {@code file}, if the file is in it. */
        Optional<Chain> upTo(Path file) {
            for (int i = 0; i < artefacts.size(); i++) {
                if (same(artefacts.get(i).file(), file)) {
                    return Optional.of(new Chain(artefacts.subList(0, i + 1)));
                }
            }
            return Optional.empty();
        }
    }

    private final Path location;
    private final List<BackupArtefact> artefacts;
    private final List<Chain> chains;
    private final List<BackupArtefact> orphans;

    private BackupChains(Path location, List<BackupArtefact> artefacts) {
        this.location = location;
        this.artefacts = List.copyOf(artefacts);
        List<BackupArtefact> sorted = new ArrayList<>(artefacts);
        sorted.sort(Comparator.comparingLong((BackupArtefact a) -> a.header().startTxId()).thenComparingLong(a -> a.header().createdAtMillis()));
        List<Chain> found = new ArrayList<>();
        List<BackupArtefact> linked = new ArrayList<>();
        for (BackupArtefact full : sorted) {
            if (full.header().kind() != BackupHeader.Kind.FULL) {
                continue;
            }
            List<BackupArtefact> chain = new ArrayList<>(List.of(full));
            linked.add(full);
            while (true) {
                BackupHeader end = chain.get(chain.size() - 1).header();
                // several DIFFs continuing one artefact (two backups raced): the one that reaches furthest
                Optional<BackupArtefact> next = sorted.stream()
                        .filter(a -> a.header().kind() == BackupHeader.Kind.DIFF && continues(a.header(), end))
                        .max(Comparator.comparingLong((BackupArtefact a) -> a.header().endTxId()).thenComparingLong(a -> a.header().createdAtMillis()));
                if (next.isEmpty() || chain.contains(next.get())) {
                    break;
                }
                chain.add(next.get());
                linked.add(next.get());
            }
            found.add(new Chain(chain));
        }
        this.chains = List.copyOf(found);
        List<BackupArtefact> unlinked = new ArrayList<>();
        for (BackupArtefact a : sorted) {
            boolean inChain = linked.contains(a);
            boolean continuesSomething = sorted.stream().anyMatch(b -> b != a && continues(a.header(), b.header()));
            if (!inChain && !continuesSomething) {
                unlinked.add(a);
            }
        }
        this.orphans = List.copyOf(unlinked);
    }

    static boolean continues(BackupHeader next, BackupHeader previous) {
        return next.lineageId().equals(previous.lineageId()) && next.startTxId() == previous.endTxId()
                && Arrays.equals(next.startChainHash(), previous.endChainHash());
    }

    /** Reads the headers of every artefact in {@code location} (a directory, or one artefact file and its directory). */
    public static BackupChains scan(Path location) throws BackupException {
        Path dir = Files.isDirectory(location) ? location : location.toAbsolutePath().getParent();
        if (!Files.exists(location)) {
            throw new BackupException(BackupException.Reason.NOT_FOUND, location + ": no such file or directory");
        }
        List<BackupArtefact> found = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : files.sorted().toList()) {
                if (BackupArtefact.isArtefactName(p)) {
                    found.add(BackupArtefact.open(p));
                }
            }
        } catch (BackupException e) {
            throw e;
        } catch (IOException e) {
            throw new BackupException(BackupException.Reason.IO, "cannot list " + dir + ": " + e.getMessage(), e);
        }
        if (!Files.isDirectory(location) && found.stream().noneMatch(a -> same(a.file(), location))) {
            throw new BackupException(BackupException.Reason.NOT_FOUND, location + " is not a backup artefact (name must end in .backup)");
        }
        return new BackupChains(location, found);
    }

    public List<BackupArtefact> artefacts() {
        return artefacts;
    }

    public List<Chain> chains() {
        return chains;
    }

    public List<BackupArtefact> orphans() {
        return orphans;
    }

    /** The newest chain of the database with this lineage (furthest end txId), if the directory has one. */
    public Optional<Chain> newestChain(String lineageId) {
        return chains.stream().filter(c -> c.lineageId().equals(lineageId)).max(NEWEST);
    }

    /** Furthest end first; at the same end (an aggregated FULL and the chain it folds), the shorter chain: it restores faster. */
    private static final Comparator<Chain> NEWEST = Comparator.comparingLong(Chain::endTxId)
            .thenComparing(Comparator.comparingInt((Chain c) -> c.artefacts().size()).reversed());

    /**
     * {@code --keep-chains=N}: deletes the artefacts of this lineage's chains older than its {@code keep}
     * newest (by end txId), except those a kept chain still uses. Orphans are left alone (an operator
     * looks at a gap; a prune does not hide it). Returns the deleted files.
     */
    public List<Path> prune(String lineageId, int keep) throws BackupException {
        if (keep < 1) {
            throw new IllegalArgumentException("--keep-chains must be at least 1");
        }
        List<Chain> mine = chains.stream().filter(c -> c.lineageId().equals(lineageId)).sorted(NEWEST.reversed()).toList();
        if (mine.size() <= keep) {
            return List.of();
        }
        java.util.Set<Path> kept = new java.util.HashSet<>();
        mine.subList(0, keep).forEach(c -> c.artefacts().forEach(a -> kept.add(a.file())));
        List<Path> deleted = new ArrayList<>();
        for (Chain c : mine.subList(keep, mine.size())) {
            for (BackupArtefact a : c.artefacts()) {
                if (!kept.contains(a.file()) && !deleted.contains(a.file())) {
                    try {
                        Files.deleteIfExists(a.file());
                    } catch (IOException e) {
                        throw new BackupException(BackupException.Reason.IO, "cannot delete " + a.file() + ": " + e.getMessage(), e);
                    }
                    deleted.add(a.file());
                }
            }
        }
        BackupArtefactWriter.fsyncDirectory(location.toAbsolutePath());
        return deleted;
    }

    /**
     * What a restore from this location reads: for a file, its chain up to that file; for a
     * directory, its newest complete chain. Refused when the directory mixes databases (more than
     * one lineage), when an artefact of that lineage continues no chain (a gap), or when there is
     * nothing to restore.
     */
    public Chain restoreChain() throws BackupException {
        if (!Files.isDirectory(location)) {
            for (Chain c : chains) {
                Optional<Chain> prefix = c.upTo(location);
                if (prefix.isPresent()) {
                    return prefix.get();
                }
            }
            throw new BackupException(BackupException.Reason.CORRUPT, location + " does not belong to a complete chain: no FULL artefact in "
                    + location.toAbsolutePath().getParent() + " leads to it (a gap in the chain)");
        }
        Map<String, List<BackupArtefact>> byLineage = new LinkedHashMap<>();
        artefacts.forEach(a -> byLineage.computeIfAbsent(a.header().lineageId(), k -> new ArrayList<>()).add(a));
        if (byLineage.isEmpty()) {
            throw new BackupException(BackupException.Reason.NOT_FOUND, location + " holds no backup artefact");
        }
        if (byLineage.size() > 1) {
            List<String> each = byLineage.values().stream().map(l -> l.get(0).file().getFileName() + " (database "
                    + l.get(0).header().database() + ", lineage " + l.get(0).header().lineageId() + ")").toList();
            throw new BackupException(BackupException.Reason.LINEAGE, location + " mixes artefacts of different databases: "
                    + String.join(", ", each) + "; name one artefact file or keep one database per directory");
        }
        if (!orphans.isEmpty()) {
            throw new BackupException(BackupException.Reason.CORRUPT, "gap in the backup chain: " + orphans.get(0).file() + " (DIFF from txId "
                    + orphans.get(0).header().startTxId() + ") continues no artefact in " + location);
        }
        return newestChain(byLineage.keySet().iterator().next()).orElseThrow(() -> new BackupException(BackupException.Reason.NOT_FOUND,
                location + " holds no FULL artefact to start a restore from"));
    }

    private static boolean same(Path a, Path b) {
        return a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize());
    }
}
