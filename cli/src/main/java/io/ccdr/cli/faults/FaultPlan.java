package io.ccdr.cli.faults;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.Set;

/**
 * The nemesis's schedule, fixed by a seed before the run starts and printed, so that {@code --seed N}
 * reproduces it. Faults follow one another with a gap between them (each heals before the next one
 * starts), so every fault's recovery can be measured on its own; which fault, which server and how
 * long are the seed's choice.
 */
public record FaultPlan(long seed, Duration duration, List<Fault> faults) {

    /** What the nemesis can do; {@code --faults} names them in lower case. */
    public enum Kind {
        /** {@code kill -9} of one server, restarted after the hold time. */
        KILL,
        /** SIGSTOP of one server for the hold time, then SIGCONT: a GC pause, a frozen VM. */
        PAUSE,
        /** The link between the clusters (the replica's stream) refused for the hold time. */
        CUT,
        /** The link between the clusters silent for the hold time: packets dropped, connections left open. */
        BLACKHOLE;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** Parses one {@code --faults} name; {@code link} stands for both link faults. */
        static Set<Kind> parse(String name) {
            String n = name.trim().toLowerCase(Locale.ROOT);
            if (n.equals("link")) {
                return EnumSet.of(CUT, BLACKHOLE);
            }
            for (Kind k : values()) {
                if (k.label().equals(n)) {
                    return EnumSet.of(k);
                }
            }
            throw new IllegalArgumentException("unknown fault '" + name + "'; known: kill, pause, link (cut and blackhole), cut, blackhole");
        }

        boolean hitsServer() {
            return this == KILL || this == PAUSE;
        }
    }

    /** One fault: starts {@code at} after the run's start, lasts {@code hold}; {@code server} for kill and pause. */
    public record Fault(Duration at, Kind kind, String server, Duration hold) {
        public String describe() {
            String what = switch (kind) {
                case KILL -> "kill -9 " + server + ", restart after " + millis(hold);
                case PAUSE -> "SIGSTOP " + server + " for " + millis(hold);
                case CUT -> "cut the link between the clusters for " + millis(hold);
                case BLACKHOLE -> "blackhole the link between the clusters for " + millis(hold);
            };
            return String.format(Locale.ROOT, "+%6.1f s  %s", at.toMillis() / 1000.0, what);
        }

        private static String millis(Duration d) {
            return d.toMillis() + " ms";
        }
    }

    public FaultPlan {
        faults = List.copyOf(faults);
    }

    /** Parses {@code --faults kill,pause,link}. */
    public static Set<Kind> kinds(String list) {
        Set<Kind> kinds = EnumSet.noneOf(Kind.class);
        for (String part : list.split(",")) {
            if (!part.isBlank()) {
                kinds.addAll(Kind.parse(part));
            }
        }
        if (kinds.isEmpty()) {
            throw new IllegalArgumentException("--faults names no fault");
        }
        return kinds;
    }

    /**
     * The schedule for {@code seed}: faults from 3 s after the start until {@code duration} minus the
     * time the last one needs to heal, a 2-6 s gap after each.
     *
     * @param servers the servers kill and pause may hit
     */
    public static FaultPlan generate(long seed, Duration duration, Set<Kind> kinds, List<String> servers) {
        if (kinds.isEmpty() || servers.isEmpty()) {
            throw new IllegalArgumentException("a plan needs at least one kind of fault and one server");
        }
        SplittableRandom random = new SplittableRandom(seed); // mixes its seed: java.util.Random's first draws for nearby seeds agree
        List<Kind> menu = List.copyOf(kinds);
        List<Fault> faults = new ArrayList<>();
        long end = duration.toMillis();
        long t = 3_000;
        while (true) {
            Kind kind = menu.get(random.nextInt(menu.size()));
            long hold = switch (kind) {
                case KILL -> 1_000 + random.nextInt(4_000);
                case PAUSE -> 500 + random.nextInt(9_500);
                case CUT, BLACKHOLE -> 2_000 + random.nextInt(6_000);
            };
            String server = kind.hitsServer() ? servers.get(random.nextInt(servers.size())) : null;
            if (t + hold > end) {
                break;
            }
            faults.add(new Fault(Duration.ofMillis(t), kind, server, Duration.ofMillis(hold)));
            t += hold + 2_000 + random.nextInt(4_000);
        }
        return new FaultPlan(seed, duration, faults);
    }

    public List<String> describe() {
        List<String> lines = new ArrayList<>();
        lines.add("fault plan for seed " + seed + " (" + duration.toSeconds() + " s, " + faults.size() + " faults):");
        faults.forEach(f -> lines.add("  " + f.describe()));
        return lines;
    }
}
