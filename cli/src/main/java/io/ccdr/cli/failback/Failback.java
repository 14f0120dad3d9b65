package io.ccdr.cli.failback;

import org.neo4j.driver.Driver;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The failback sequence for callers other than {@code ccdr failback} (drills): the same checked,
 * resumable seven steps, driven with drivers the caller already holds. Kept to one method so the
 * sequence's internals stay package-private.
 */
public final class Failback {
    private Failback() {
    }

    /**
     * What the caller wants moved: {@code drDatabase} (promoted, in the DR cluster) becomes a replica
     * named {@code drDatabase} again, following {@code mainDatabase} in the main cluster.
     */
    public record Request(String mainUri, String drUri, String mainDatabase, String drDatabase, List<String> mainAddresses,
                          List<String> drAddresses, int mainPrimaries, int drPrimaries, long maxLag, Duration timeout, Path exportFile) {
        public Request {
            mainAddresses = List.copyOf(mainAddresses);
            drAddresses = List.copyOf(drAddresses);
        }
    }

    /** {@code writeUnavailableMillis}: from stopping writes in the DR cluster to the promotion in the main one; -1 if not measured (resumed). */
    public record Outcome(long writeUnavailableMillis) {
    }

    /**
     * Runs (or resumes) the sequence, printing the plan and one line per step to {@code out}.
     *
     * @throws IllegalStateException when a step fails; the message names the step and both clusters' state
     */
    public static Outcome run(Request r, Driver main, Driver dr, PrintWriter out) {
        FailbackPlan plan = new FailbackPlan(r.mainUri(), r.drUri(), r.mainDatabase(), r.drDatabase(), r.drDatabase(), r.mainAddresses(),
                r.drAddresses(), r.mainPrimaries(), r.drPrimaries(), r.maxLag(), r.timeout(), false, r.exportFile());
        FailbackSequence sequence = new FailbackSequence(plan, main, dr, out, 0);
        sequence.printPlan();
        try {
            sequence.run();
        } catch (FailbackException e) {
            String state;
            try {
                state = sequence.state();
            } catch (RuntimeException unreachable) {
                state = "unknown (" + unreachable.getMessage() + ")";
            }
            throw new IllegalStateException(e.getMessage() + "; state: " + state, e);
        }
        return new Outcome(sequence.unavailableMillis());
    }
}
