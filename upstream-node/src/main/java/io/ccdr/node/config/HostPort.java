package io.ccdr.node.config;

/** A {@code host:port} address as written in configuration and advertised to peers and drivers. */
public record HostPort(String host, int port) {

    /**
     * Parses {@code host:port}, {@code :port} (host = {@code defaultHost}), {@code host} (port =
     * {@code defaultPort}) or {@code [ipv6]:port}.
     */
    public static HostPort parse(String text, String defaultHost, int defaultPort) {
        String t = text.trim();
        String host;
        String port;
        if (t.startsWith("[")) {
            int close = t.indexOf(']');
            if (close < 0) {
                throw new IllegalArgumentException("'" + text + "' is not an address: missing ']'");
            }
            host = t.substring(1, close);
            port = t.length() > close + 1 && t.charAt(close + 1) == ':' ? t.substring(close + 2) : "";
        } else {
            int colon = t.lastIndexOf(':');
            host = colon < 0 ? t : t.substring(0, colon);
            port = colon < 0 ? "" : t.substring(colon + 1);
        }
        if (host.isEmpty()) {
            host = defaultHost;
        }
        int p = defaultPort;
        if (!port.isEmpty()) {
            try {
                p = Integer.parseInt(port);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + text + "' is not an address: port '" + port + "' is not a number");
            }
        }
        if (p < 0 || p > 65535) {
            throw new IllegalArgumentException("'" + text + "' is not an address: port " + p + " is out of range");
        }
        if (host.isBlank() || host.chars().anyMatch(Character::isWhitespace)) {
            throw new IllegalArgumentException("'" + text + "' is not an address: bad host");
        }
        return new HostPort(host, p);
    }

    public static HostPort parse(String text) {
        return parse(text, null, -1);
    }

    @Override
    public String toString() {
        return host.contains(":") ? "[" + host + "]:" + port : host + ":" + port;
    }
}
