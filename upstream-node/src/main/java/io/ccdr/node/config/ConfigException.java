package io.ccdr.node.config;

/** Bad configuration: the message names the setting and what is wrong with it. Fatal at start-up. */
public class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(message);
    }
}
