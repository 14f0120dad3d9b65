package io.ccdr.node;

import java.util.concurrent.TimeUnit;

/** Machine commands that fault tests need root for (mounting a size-limited tmpfs, say). */
public final class RootCommands {
    private RootCommands() {
    }

    /** Runs the command, output discarded; true when it exited 0 within 30 s (false when it could not run at all). */
    public static boolean run(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (Exception e) {
            return false;
        }
    }
}
