package io.ccdr.cli.faults;

import io.ccdr.cli.local.Sandbox;

import java.time.Duration;
import java.util.ArrayList;
import java.util.concurrent.ConcurrentHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Carries out a {@link FaultPlan} against real processes and links: {@code kill -9} and restart
 * through the {@link Sandbox}, SIGSTOP/SIGCONT, and the {@link FaultyLink}s the replica reaches its
 * upstream through. Records when each fault really began and healed (a restart takes as long as it
 * takes), which is what recovery is measured from.
 */
final class Nemesis {
    /** A fault as it happened: {@code healedNanos} is 0 while it lasts; {@code error} when the nemesis could not do it. */
    record Executed(FaultPlan.Fault fault, long startedNanos, long healedNanos, String error) {
    }

    private static final Duration RESTART_WAIT = Duration.ofSeconds(120);

    private final Sandbox sandbox;
    private final List<FaultyLink> links;
    private final FaultPlan plan;
    private final Consumer<String> say;
    private final List<Executed> executed = new ArrayList<>();
    private final Set<String> killed = ConcurrentHashMap.newKeySet();
    private final Set<String> paused = ConcurrentHashMap.newKeySet();
    private volatile boolean stopped;

    Nemesis(Sandbox sandbox, List<FaultyLink> links, FaultPlan plan, Consumer<String> say) {
        this.sandbox = sandbox;
        this.links = List.copyOf(links);
        this.plan = plan;
        this.say = say;
    }

    /** Runs the plan from {@code t0Nanos} (System.nanoTime of the run's start) on the calling thread. */
    void run(long t0Nanos) {
        for (FaultPlan.Fault f : plan.faults()) {
            if (!sleepUntil(t0Nanos + f.at().toNanos())) {
                return;
            }
            long started = System.nanoTime();
            say.accept("nemesis: " + f.describe().trim());
            String error = null;
            try {
                inject(f);
                sleepUntil(started + f.hold().toNanos());
            } catch (RuntimeException e) {
                error = e.getMessage();
            }
            try {
                heal(f);
            } catch (RuntimeException e) {
                error = error == null ? e.getMessage() : error + "; " + e.getMessage();
            }
            long healed = System.nanoTime();
            say.accept("nemesis: healed " + f.kind().label() + (f.server() == null ? "" : " " + f.server()) + " after "
                    + TimeUnit.NANOSECONDS.toMillis(healed - started) + " ms" + (error == null ? "" : " (" + error + ")"));
            synchronized (executed) {
                executed.add(new Executed(f, started, healed, error));
            }
        }
    }

    private void inject(FaultPlan.Fault f) {
        switch (f.kind()) {
            case KILL -> {
                sandbox.kill(f.server());
                killed.add(f.server());
            }
            case PAUSE -> {
                sandbox.suspend(f.server());
                paused.add(f.server());
            }
            case CUT -> links.forEach(FaultyLink::cut);
            case BLACKHOLE -> links.forEach(FaultyLink::blackhole);
        }
    }

    private void heal(FaultPlan.Fault f) {
        switch (f.kind()) {
            case KILL -> {
                sandbox.restart(List.of(f.server()), RESTART_WAIT);
                killed.remove(f.server());
            }
            case PAUSE -> {
                sandbox.resume(f.server());
                paused.remove(f.server());
            }
            case CUT, BLACKHOLE -> links.forEach(FaultyLink::heal);
        }
    }

    /** Stops scheduling and heals whatever is still broken: resumes, restarts, reconnects. */
    void healAll() {
        stopped = true;
        links.forEach(FaultyLink::heal);
        for (String s : List.copyOf(paused)) {
            sandbox.resume(s);
            paused.remove(s);
        }
        if (!killed.isEmpty()) {
            sandbox.restart(List.copyOf(killed), RESTART_WAIT);
            killed.clear();
        }
    }

    List<Executed> executed() {
        synchronized (executed) {
            return List.copyOf(executed);
        }
    }

    private boolean sleepUntil(long deadlineNanos) {
        while (!stopped) {
            long left = deadlineNanos - System.nanoTime();
            if (left <= 0) {
                return true;
            }
            try {
                TimeUnit.NANOSECONDS.sleep(Math.min(left, TimeUnit.MILLISECONDS.toNanos(100)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return false;
    }
}
