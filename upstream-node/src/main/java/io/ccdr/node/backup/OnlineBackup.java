package io.ccdr.node.backup;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ccdr.node.cluster.ClusterClient;
import io.ccdr.node.config.HostPort;
import io.ccdr.node.store.GraphStore;
import io.ccdr.node.stream.Frame;
import io.ccdr.node.stream.StoreCopyClient;
import io.ccdr.node.stream.StreamMessages;
import io.ccdr.node.stream.TransactionStreamClient;
import io.ccdr.node.tx.TransactionRecord;
import io.ccdr.tls.SslPolicy;

import javax.net.ssl.SSLException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * One online backup run: a reader of the transaction stream like a secondary or a replica. It asks
 * every {@code --from} address for its STATUS (who hosts the database, its lineage and role), then
 * reads from followers first and the leader last (a backup should not load the leader); the store
 * copy and the stream client move on to the next address by themselves when one fails mid-way.
 *
 * <ul>
 *   <li>FULL: a store copy at some txId T ({@link StoreCopyClient}) whose chunks go straight into the
 *   artefact's store blocks as they arrive (the store is written once, with one fsync when the
 *   artefact is complete), then the transactions after T until the serving member's last commit (so
 *   the artefact ends at what the member had when the copy finished, not at T). A copy cut mid-way
 *   does not resume into the half-written artefact: its temporary file is deleted and the copy starts
 *   again from the first byte, on the next address.</li>
 *   <li>DIFF: the transactions after the newest artefact of this database's lineage in the directory,
 *   subscribed with that artefact's end chain hash, so the upstream's lineage check proves that the
 *   DIFF continues the chain. "Store copy needed" means the upstream no longer retains them: behind
 *   retention.</li>
 * </ul>
 * The stream is read until the first heartbeat whose last committed txId the artefact has reached.
 *
 * <p>The artefact is written under a hidden {@code .*.partial} name and gets its final name only once
 * complete and fsynced ({@link BackupArtefactWriter}); a run that fails deletes it, and one that is
 * killed leaves it for the next run into the directory to delete.
 */
public final class OnlineBackup {
    private static final ObjectMapper JSON = new ObjectMapper();

    public enum Type { AUTO, FULL, DIFF }

    /** Where the run stands: a phase ("store copy", "transactions") with a done/total pair of bytes or txIds. */
    public interface Progress {
        void onProgress(String phase, long done, long total);
    }

    /**
     * @param timeout bounds each connection attempt and each silence of the upstream; a run that makes no
     *                progress on any address for this long fails
     */
    public record Options(String database, List<HostPort> from, Path toDir, Type type, boolean compress, SslPolicy tls,
                          Duration timeout) {
        public Options {
            from = List.copyOf(from);
            if (from.isEmpty()) {
                throw new IllegalArgumentException("at least one --from address is needed");
            }
        }
    }

    /** The artefact written, and notes for the operator (e.g. that AUTO fell back to FULL). */
    public record Outcome(Path file, BackupHeader header, List<String> notes) {
    }

    /** What the STATUS probe learnt from one address. */
    record Member(HostPort address, String role, String lineageId, long lastCommittedTxId) {
    }

    private final Options options;

    public OnlineBackup(Options options) {
        this.options = options;
    }

    public Outcome run(Progress progress) throws BackupException {
        List<Member> members = probe();
        String lineage = members.get(0).lineageId();
        List<HostPort> order = members.stream().map(Member::address).toList();
        removeAbandonedPartials();
        Optional<BackupChains.Chain> chain = existingChain(lineage);
        List<String> notes = new ArrayList<>();
        Type type = options.type() == Type.AUTO ? (chain.isPresent() ? Type.DIFF : Type.FULL) : options.type();
        if (type == Type.DIFF) {
            if (chain.isEmpty()) {
                throw new BackupException(BackupException.Reason.NOT_FOUND, options.toDir() + " holds no backup chain of database '"
                        + options.database() + "' (lineage " + lineage + "); take a FULL backup first (--type=FULL or AUTO)");
            }
            try {
                return new Outcome(diff(chain.get(), order, progress), header(), notes);
            } catch (BehindRetention e) {
                if (options.type() != Type.AUTO) {
                    throw e.toException();
                }
                notes.add(e.toException().getMessage() + "; AUTO took a FULL backup instead");
            }
        }
        return new Outcome(full(lineage, order, progress), header(), notes);
    }

    private BackupHeader written;

    private BackupHeader header() {
        return written;
    }

    // ---- probing -------------------------------------------------------------------------------

    /** The addresses that host the database, followers first; fails with the most telling reason when none does. */
    List<Member> probe() throws BackupException {
        ClusterClient client = new ClusterClient(options.tls() == null ? null : options.tls().socketFactory());
        List<Member> followers = new ArrayList<>();
        List<Member> leaders = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        int untrusted = 0;
        int answered = 0;
        for (HostPort a : options.from()) {
            try {
                Frame reply = client.request(a, new Frame(Frame.Type.STATUS, new byte[0]), options.timeout());
                answered++;
                boolean hosted = false;
                for (JsonNode d : JSON.readTree(reply.payload()).path("databases")) {
                    if (options.database().equals(d.path("name").asText())) {
                        hosted = true;
                        Member m = new Member(a, d.path("role").asText(""), d.path("lineageId").asText(""), d.path("lastCommittedTxId").asLong());
                        ("LEADER".equals(m.role()) ? leaders : followers).add(m);
                    }
                }
                if (!hosted) {
                    problems.add(a + " does not host database '" + options.database() + "'");
                }
            } catch (SSLException e) {
                untrusted++;
                problems.add(a + " refused the TLS handshake (" + e.getMessage() + ")");
            } catch (IOException | RuntimeException e) {
                if (e.getCause() instanceof SSLException || String.valueOf(e.getMessage()).contains("SSL")) {
                    untrusted++;
                    problems.add(a + " refused the TLS handshake (" + e.getMessage() + ")");
                } else {
                    problems.add(a + " is unreachable (" + e.getMessage() + ")");
                }
            }
        }
        List<Member> all = new ArrayList<>(followers);
        all.addAll(leaders);
        if (!all.isEmpty()) {
            String lineage = all.get(0).lineageId();
            for (Member m : all) {
                if (!m.lineageId().equals(lineage)) {
                    throw new BackupException(BackupException.Reason.LINEAGE, "the --from addresses serve different databases named '"
                            + options.database() + "': " + all.get(0).address() + " has lineage " + lineage + ", " + m.address() + " has "
                            + m.lineageId() + "; name the servers of one cluster");
                }
            }
            return all;
        }
        String detail = String.join("; ", problems);
        if (answered > 0) {
            throw new BackupException(BackupException.Reason.NO_SUCH_DATABASE, "no --from address hosts database '" + options.database()
                    + "' (" + detail + "); check the database name and that the addresses are its servers' server.cluster.advertised_address");
        }
        if (untrusted > 0) {
            throw new BackupException(BackupException.Reason.UNTRUSTED, "not trusted: " + detail + "; check that --tls-dir holds a certificate "
                    + "issued by a CA the servers trust and that its trusted/ holds the servers' CA");
        }
        throw new BackupException(BackupException.Reason.UNREACHABLE, "cannot reach any --from address: " + detail
                + "; check the addresses (server.cluster.advertised_address) and that the servers run");
    }

    private Optional<BackupChains.Chain> existingChain(String lineage) throws BackupException {
        if (!Files.isDirectory(options.toDir())) {
            return Optional.empty();
        }
        BackupChains chains = BackupChains.scan(options.toDir());
        for (BackupArtefact a : chains.artefacts()) {
            if (a.header().database().equals(options.database()) && !a.header().lineageId().equals(lineage)) {
                throw new BackupException(BackupException.Reason.LINEAGE, options.toDir() + " holds " + a.file().getFileName()
                        + ", a backup of another database named '" + options.database() + "' (lineage " + a.header().lineageId()
                        + ", the servers' is " + lineage + "); back up into another --to-path");
            }
        }
        return chains.newestChain(lineage);
    }

    /**
     * Temporary files of runs that died, and the {@code .staging-<pid>-*} directories that older
     * versions staged the store copy in (this one writes none, but may find them). Both carry the
     * pid of the process that made them (hidden names: a leading dot); those of a live process (this
     * one included: a second backup running into the same directory) are left alone.
     */
    private void removeAbandonedPartials() {
        if (!Files.isDirectory(options.toDir())) {
            return;
        }
        try (Stream<Path> files = Files.list(options.toDir())) {
            for (Path p : files.toList()) {
                long pid = ownerPid(p.getFileName().toString());
                if (pid > 0 && !ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                    GraphStore.deleteRecursively(p);
                }
            }
        } catch (IOException e) {
            // leftovers are harmless: no reader takes them for artefacts
        }
    }

    /** The pid in a partial's or (older versions') staging directory's name, or -1 for anything else. */
    static long ownerPid(String name) {
        java.util.regex.Matcher m = LEFTOVER.matcher(name);
        if (!m.matches()) {
            return -1;
        }
        return Long.parseLong(m.group(1) != null ? m.group(1) : m.group(2));
    }

    private static final java.util.regex.Pattern LEFTOVER = java.util.regex.Pattern.compile(
            "\\.(?:staging-(\\d+)-.*|.*-\\d+-(\\d+)\\.backup\\.partial)");

    // ---- FULL ------------------------------------------------------------------------------------

    private Path full(String lineage, List<HostPort> order, Progress progress) throws BackupException {
        ArtefactSink sink = new ArtefactSink(lineage);
        try {
            Files.createDirectories(options.toDir());
            try {
                new StoreCopyClient(order, options.tls(), options.timeout(), 2 * order.size() + 1)
                        .copy(options.database(), sink, (done, total) -> progress.onProgress("store copy", done, total));
            } catch (StoreCopyClient.StoreCopyRefusedException e) {
                throw new BackupException(StreamMessages.DATABASE_NOT_FOUND.equals(e.code()) ? BackupException.Reason.NO_SUCH_DATABASE
                        : BackupException.Reason.LINEAGE, "store copy refused: " + e.getMessage(), e);
            } catch (StoreCopyClient.LocalWriteException e) {
                throw cannotWrite(e);
            } catch (IOException e) {
                throw new BackupException(BackupException.Reason.UNREACHABLE, "store copy of '" + options.database() + "' failed on every --from "
                        + "address: " + e.getMessage(), e);
            }
            streamTail(sink.writer, order, progress);
            return finish(sink.writer);
        } catch (BehindRetention e) {
            // the member pruned what followed its own checkpoint while we wrote it: rare; the operator retries
            throw new BackupException(BackupException.Reason.BEHIND_RETENTION, "the transactions after the store copy were pruned upstream "
                    + "while the copy was written; run the backup again", null);
        } catch (BackupException e) {
            throw e;
        } catch (IOException e) {
            throw cannotWrite(e);
        } finally {
            try {
                sink.abandon(); // a no-op once the artefact is complete
            } catch (IOException ignored) {
                // a later run removes what is left (a hidden .partial name no reader takes for an artefact)
            }
        }
    }

    /**
     * The store copy written straight into the artefact's store blocks as its chunks arrive. Not
     * resumable: an artefact cut mid-copy is dropped (its temporary file deleted) and the copy starts
     * again, on the next address, into a new one whose header carries that copy's checkpoint.
     */
    private final class ArtefactSink implements StoreCopyClient.Sink {
        private final String lineage;
        /** The artefact being written (null before the copy begins). */
        BackupArtefactWriter writer;
        private int filesEnded;

        ArtefactSink(String lineage) {
            this.lineage = lineage;
        }

        @Override
        public boolean resumable() {
            return false;
        }

        @Override
        public void start(StreamMessages.StoreCopyBegin begin) throws IOException {
            abandon();
            BackupHeader start = new BackupHeader(options.database(), lineage, BackupHeader.Kind.FULL, options.compress(), begin.txId(),
                    begin.chainHash(), begin.txId(), begin.chainHash(), begin.lastCommitTimeMillis(), begin.lastCommitTimeMillis(),
                    System.currentTimeMillis(), 0, 0);
            writer = BackupArtefactWriter.create(options.toDir(), start);
            filesEnded = 0;
        }

        @Override
        public void fileBegins(String name, long size) throws IOException {
            writer.beginStoreFile(name, size);
        }

        @Override
        public void chunk(String name, long offset, ByteBuffer data) throws IOException {
            writer.storeData(data);
        }

        @Override
        public void fileEnds(String name, long size) throws IOException {
            writer.endStoreFile();
            filesEnded++;
        }

        @Override
        public void complete(StreamMessages.StoreCopyBegin begin) throws IOException {
            if (filesEnded != begin.files().size()) {
                throw new IOException("the store copy ended after " + filesEnded + " of its " + begin.files().size() + " files");
            }
        }

        @Override
        public String describe() {
            return options.toDir().toString();
        }

        /** Deletes the artefact's temporary file unless it was completed. */
        void abandon() throws IOException {
            if (writer != null) {
                BackupArtefactWriter w = writer;
                writer = null;
                w.close();
            }
        }
    }

    // ---- DIFF ------------------------------------------------------------------------------------

    private Path diff(BackupChains.Chain chain, List<HostPort> order, Progress progress) throws BackupException, BehindRetention {
        BackupHeader tip = chain.last().header();
        BackupHeader start = new BackupHeader(options.database(), tip.lineageId(), BackupHeader.Kind.DIFF, options.compress(), tip.endTxId(),
                tip.endChainHash(), tip.endTxId(), tip.endChainHash(), tip.endCommitMillis(), tip.endCommitMillis(), System.currentTimeMillis(),
                0, 0);
        try (BackupArtefactWriter w = BackupArtefactWriter.create(options.toDir(), start)) {
            streamTail(w, order, progress);
            return finish(w);
        } catch (BackupException | BehindRetention e) {
            throw e;
        } catch (IOException e) {
            throw cannotWrite(e);
        }
    }

    /** A local failure (disk full, permissions): the run's own files are gone, earlier artefacts untouched. */
    private BackupException cannotWrite(IOException e) {
        return new BackupException(BackupException.Reason.IO, "cannot write the backup into " + options.toDir() + ": " + e.getMessage()
                + " (the previous artefacts are untouched)", e);
    }

    private Path finish(BackupArtefactWriter w) throws IOException {
        Path file = w.complete();
        written = BackupArtefact.open(file).header();
        return file;
    }

    /** The upstream no longer has the transactions asked for. */
    static final class BehindRetention extends Exception {
        private final long from;
        private final long firstRetained;

        BehindRetention(long from, long firstRetained) {
            super(null, null, false, false);
            this.from = from;
            this.firstRetained = firstRetained;
        }

        BackupException toException() {
            return new BackupException(BackupException.Reason.BEHIND_RETENTION, "behind retention: the backup needs transactions from txId "
                    + from + " but the upstream's log starts at txId " + firstRetained);
        }
    }

    /**
     * Streams the transactions after the writer's last one into it, until the serving member
     * reports (heartbeat) nothing newer. Fails when no address makes progress for the timeout.
     */
    private void streamTail(BackupArtefactWriter w, List<HostPort> order, Progress progress) throws IOException, BehindRetention {
        CompletableFuture<Void> done = new CompletableFuture<>();
        long from = w.lastTxId() + 1;
        byte[] hash = lastHash(w);
        // written on the stream client's control thread, read by this one
        java.util.concurrent.atomic.AtomicLong target = new java.util.concurrent.atomic.AtomicLong(-1);
        java.util.concurrent.atomic.AtomicLong lastProgress = new java.util.concurrent.atomic.AtomicLong(System.nanoTime());
        TransactionStreamClient.Settings settings = TransactionStreamClient.Settings.defaults();
        try (TransactionStreamClient client = new TransactionStreamClient(order, options.tls(), settings)) {
            client.subscribe(options.database(), from, hash, new TransactionStreamClient.Listener() {
                @Override
                public void onBatch(List<TransactionRecord> batch) {
                    if (done.isDone()) {
                        return; // finished (or failed): the artefact takes nothing more
                    }
                    try {
                        w.transactions(batch);
                    } catch (IOException e) {
                        // a local failure (disk full): reconnecting would not help
                        done.completeExceptionally(e instanceof BackupException b ? b : cannotWrite(e));
                        return;
                    }
                    lastProgress.set(System.nanoTime());
                    progress.onProgress("transactions", w.lastTxId(), Math.max(target.get(), w.lastTxId()));
                    if (target.get() >= 0 && w.lastTxId() >= target.get()) {
                        done.complete(null);
                    }
                }

                @Override
                public void onHeartbeat(long lastCommittedTxId, long lastCommitTimeMillis) {
                    lastProgress.set(System.nanoTime());
                    target.compareAndSet(-1, lastCommittedTxId); // what the serving member had when we first caught up with it
                    if (!done.isDone() && w.lastTxId() >= target.get()) {
                        done.complete(null);
                    }
                }

                @Override
                public void onStoreCopyNeeded(String reason, long firstRetainedTxId, long upstreamLastTxId) {
                    done.completeExceptionally(new BehindRetention(from, firstRetainedTxId));
                }

                @Override
                public void onError(String code, String message) {
                    BackupException.Reason r = StreamMessages.DATABASE_NOT_FOUND.equals(code) ? BackupException.Reason.NO_SUCH_DATABASE
                            : BackupException.Reason.LINEAGE;
                    done.completeExceptionally(new BackupException(r, code + ": " + message + (r == BackupException.Reason.LINEAGE
                            ? " (the database's history does not continue the chain in " + options.toDir() + "; take a FULL backup into another --to-path)"
                            : "")));
                }
            });
            while (true) {
                try {
                    done.get(200, TimeUnit.MILLISECONDS);
                    return;
                } catch (TimeoutException e) {
                    if (System.nanoTime() - lastProgress.get() > options.timeout().toNanos()) {
                        throw new BackupException(BackupException.Reason.UNREACHABLE, "no --from address streamed transactions of '"
                                + options.database() + "' for " + options.timeout().toSeconds() + " s (last at txId " + w.lastTxId() + ")");
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted", e);
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof BehindRetention b) {
                        throw b;
                    }
                    throw (BackupException) e.getCause();
                }
            }
        }
    }

    private static byte[] lastHash(BackupArtefactWriter w) {
        return w.lastChainHash();
    }
}
