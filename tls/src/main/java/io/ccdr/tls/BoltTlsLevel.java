package io.ccdr.tls;

import java.util.Locale;

/**
 * {@code server.bolt.tls_level}, as in Neo4j: whether the Bolt connector uses the {@code bolt} SSL policy.
 * {@code REQUIRED} is what {@code neo4j+s://} and {@code neo4j+ssc://} drivers need; {@code OPTIONAL} accepts
 * both on one port (an explicit operator choice, the only place plaintext and TLS share a port; cluster traffic
 * never falls back to plaintext).
 */
public enum BoltTlsLevel {
    DISABLED, OPTIONAL, REQUIRED;

    public static final String SETTING = "server.bolt.tls_level";

    /** Parses the setting value (case-insensitive); the default, as in Neo4j, is {@code DISABLED}. */
    public static BoltTlsLevel parse(String value) {
        if (value == null || value.isBlank()) {
            return DISABLED;
        }
        try {
            return valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(SETTING + " must be DISABLED, OPTIONAL or REQUIRED, got '" + value + "'");
        }
    }
}
