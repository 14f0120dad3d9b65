package io.ccdr.node.bolt;

import java.util.List;
import java.util.Map;

/** Decoded client messages (and two internal events) as they enter a connection's queue. */
sealed interface BoltRequest {

    /** Message name as in the Bolt documentation, for logs and error messages. */
    String name();

    record Hello(Map<String, Object> extra) implements BoltRequest {
        public String name() {
            return "HELLO";
        }
    }

    record Logon(Map<String, Object> auth) implements BoltRequest {
        public String name() {
            return "LOGON";
        }
    }

    record Logoff() implements BoltRequest {
        public String name() {
            return "LOGOFF";
        }
    }

    record Goodbye() implements BoltRequest {
        public String name() {
            return "GOODBYE";
        }
    }

    record Reset() implements BoltRequest {
        public String name() {
            return "RESET";
        }
    }

    record Run(String query, Map<String, Object> parameters, Map<String, Object> extra) implements BoltRequest {
        public String name() {
            return "RUN";
        }
    }

    record Begin(Map<String, Object> extra) implements BoltRequest {
        public String name() {
            return "BEGIN";
        }
    }

    record Commit() implements BoltRequest {
        public String name() {
            return "COMMIT";
        }
    }

    record Rollback() implements BoltRequest {
        public String name() {
            return "ROLLBACK";
        }
    }

    /** PULL ({@code discard == false}) or DISCARD. */
    record Pull(boolean discard, Map<String, Object> extra) implements BoltRequest {
        public String name() {
            return discard ? "DISCARD" : "PULL";
        }
    }

    record Route(Map<String, Object> routing, List<Object> bookmarks, Map<String, Object> extra) implements BoltRequest {
        public String name() {
            return "ROUTE";
        }
    }

    record Telemetry(Object api) implements BoltRequest {
        public String name() {
            return "TELEMETRY";
        }
    }

    /** Bytes that could not be decoded; answered with a FAILURE (and a close when fatal). */
    record Malformed(BoltProtocolException error) implements BoltRequest {
        public String name() {
            return "<malformed>";
        }
    }

    /** Internal: the channel closed; releases the connection's transaction in queue order. */
    record Closed() implements BoltRequest {
        public String name() {
            return "<closed>";
        }
    }
}
