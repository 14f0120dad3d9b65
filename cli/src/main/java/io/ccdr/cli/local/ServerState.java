package io.ccdr.cli.local;

/**
 * What a sandbox server is doing, as seen from outside: {@code running}, {@code stopped} (asked
 * to stop, or never started), {@code killed} (asked to die with SIGKILL) or {@code exited(code)}
 * (died on its own; the code is unknown when the wrapper could not record it).
 */
public record ServerState(Kind kind, Integer exitCode) {
    public enum Kind { RUNNING, STOPPED, KILLED, EXITED }

    public static final ServerState RUNNING = new ServerState(Kind.RUNNING, null);
    public static final ServerState STOPPED = new ServerState(Kind.STOPPED, null);
    public static final ServerState KILLED = new ServerState(Kind.KILLED, null);

    public static ServerState exited(Integer code) {
        return new ServerState(Kind.EXITED, code);
    }

    public boolean isRunning() {
        return kind == Kind.RUNNING;
    }

    @Override
    public String toString() {
        return switch (kind) {
            case RUNNING -> "running";
            case STOPPED -> "stopped";
            case KILLED -> "killed";
            case EXITED -> exitCode == null ? "exited" : "exited(" + exitCode + ")";
        };
    }
}
