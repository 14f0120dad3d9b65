package io.ccdr.tls;

/**
 * A PKI or SSL-policy problem an operator must fix: a missing or malformed file, a file that would be
 * overwritten, a key that does not match its certificate. The message is a complete sentence naming the
 * file (and the setting, where one is involved) so it can be printed as a one-line error as is.
 */
public class TlsException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public TlsException(String message) {
        super(message);
    }

    public TlsException(String message, Throwable cause) {
        super(message, cause);
    }
}
