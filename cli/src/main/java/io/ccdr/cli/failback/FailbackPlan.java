package io.ccdr.cli.failback;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * What a failback moves where: the DR cluster's promoted database becomes, again, a replica of the
 * main cluster's database. Validated once, immutable.
 *
 * @param mainDatabase     the database's name in the main cluster (A), where it will be primary again
 * @param drDatabase       the promoted database in the DR cluster (B), currently taking writes
 * @param drReplica        the name of the new replica in B that will follow A (default: {@code drDatabase})
 * @param maxLagToFreeze   how far (in transactions) A's replica may lag before B's writes are stopped
 */
record FailbackPlan(String mainUri, String drUri, String mainDatabase, String drDatabase, String drReplica, List<String> mainAddresses,
                    List<String> drAddresses, int mainPrimaries, int drPrimaries, long maxLagToFreeze, Duration timeout,
                    boolean discardDivergent, Path exportFile) {

    FailbackPlan {
        mainAddresses = List.copyOf(mainAddresses);
        drAddresses = List.copyOf(drAddresses);
        if (mainAddresses.isEmpty() || drAddresses.isEmpty()) {
            throw new IllegalArgumentException("both --main-addresses and --dr-addresses are needed (server.cluster.advertised_address values)");
        }
        if (mainPrimaries < 1 || drPrimaries < 1 || maxLagToFreeze < 0) {
            throw new IllegalArgumentException("primaries must be at least 1 and --max-lag not negative");
        }
    }

    List<String> describe() {
        return List.of(
                "1. create replica '" + mainDatabase + "' in the main cluster (" + mainUri + ") following '" + drDatabase + "' at "
                        + String.join(",", drAddresses) + (mainPrimaries > 0 ? " with " + mainPrimaries + " primaries" : "")
                        + "; an old '" + mainDatabase + "' there is checked for transactions '" + drDatabase
                        + "' never received (exported to " + exportFile + "), then dropped",
                "2. wait until it is at most " + maxLagToFreeze + " transactions behind",
                "3. stop writes on '" + drDatabase + "' in the DR cluster (" + drUri + "): ALTER DATABASE SET ACCESS READ ONLY",
                "4. wait until '" + mainDatabase + "' has the same txId and chain hash as '" + drDatabase + "'",
                "5. promote '" + mainDatabase + "' in the main cluster (writes resume there)",
                "6. drop '" + drDatabase + "' in the DR cluster",
                "7. create replica '" + drReplica + "' in the DR cluster following '" + mainDatabase + "' at " + String.join(",", mainAddresses));
    }
}
