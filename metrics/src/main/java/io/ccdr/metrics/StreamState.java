package io.ccdr.metrics;

/** State of a replica database's transaction stream from its upstream. */
public enum StreamState {
    /** Subscribed and receiving transactions or heartbeats. */
    CONNECTED("connected"),
    /** Not subscribed: upstream unreachable, TLS refused, or between reconnect attempts. */
    DISCONNECTED("disconnected"),
    /** Copying a store snapshot from the upstream (new replica, or fell behind the upstream's log retention). */
    STORE_COPY("store_copy"),
    /** Lineage check failed (chain hash mismatch): replication stopped and needs an operator. */
    BROKEN_CHAIN("broken_chain");

    private final String tagValue;

    StreamState(String tagValue) {
        this.tagValue = tagValue;
    }

    /** The value of the {@value MeterNames#TAG_STATE} tag. */
    public String tagValue() {
        return tagValue;
    }
}
