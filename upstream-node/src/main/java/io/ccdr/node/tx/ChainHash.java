package io.ccdr.node.tx;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * {@code h(txId) = SHA-256(h(txId-1) || txId || changeSetBytes)}, with {@code h(0)} = 32 zero bytes.
 * Two databases have the same history up to N exactly when their chain hashes at N are equal.
 */
public final class ChainHash {
    public static final int LENGTH = 32;
    private static final byte[] GENESIS = new byte[LENGTH];

    private ChainHash() {
    }

    public static byte[] genesis() {
        return GENESIS.clone();
    }

    /** One digest per thread: looking one up by name costs more than hashing a small change set. */
    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(ChainHash::sha256);

    public static byte[] next(byte[] previous, long txId, byte[] changeSetBytes) {
        MessageDigest sha = SHA256.get();
        sha.update(previous);
        byte[] id = new byte[Long.BYTES];
        for (int i = 0; i < Long.BYTES; i++) {
            id[i] = (byte) (txId >>> (56 - 8 * i));
        }
        sha.update(id);
        sha.update(changeSetBytes);
        return sha.digest(); // digest() also resets it for the next use
    }

    public static String hex(byte[] hash) {
        return HexFormat.of().formatHex(hash);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by the Java platform", e);
        }
    }
}
