package io.ccdr.node.tx;

/** Bytes that do not decode: a corrupted store record, log entry or frame. Never retry the same bytes. */
public class CorruptDataException extends RuntimeException {
    public CorruptDataException(String message) {
        super(message);
    }
}
